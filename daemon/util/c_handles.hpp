#pragma once
// RAII owners for the C libraries' handles: zero-size deleters, no manual free on exit paths.
#include <curl/curl.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <memory>

namespace sillok::daemon {

struct CurlEasyDeleter {
    void operator()(CURL* p) const { curl_easy_cleanup(p); }
};
struct CurlMultiDeleter {
    void operator()(CURLM* p) const { curl_multi_cleanup(p); }
};
struct CurlSlistDeleter {
    void operator()(curl_slist* p) const { curl_slist_free_all(p); }
};
struct SqliteDeleter {
    void operator()(sqlite3* p) const { sqlite3_close_v2(p); }
};
struct SqliteStmtDeleter {
    void operator()(sqlite3_stmt* p) const { sqlite3_finalize(p); }
};
struct EvpMdCtxDeleter {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using SqliteDb = std::unique_ptr<sqlite3, SqliteDeleter>;
using SqliteStmt = std::unique_ptr<sqlite3_stmt, SqliteStmtDeleter>;
using EvpMdCtx = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

} // namespace sillok::daemon
