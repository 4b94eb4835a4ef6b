#include "daemon/search/fts_tokenizer.hpp"

#include "daemon/ledger/sql.hpp"
#include "daemon/search/search_tokens.hpp"

namespace sillok::daemon {
namespace {

// FTS5 wants a tokenizer object; this one has no state.
struct NoState {};

int create(void* /*context*/, const char** /*arguments*/, int /*count*/, Fts5Tokenizer** out)
{
    static NoState k_state;
    *out = reinterpret_cast<Fts5Tokenizer*>(&k_state);
    return SQLITE_OK;
}

void destroy(Fts5Tokenizer* /*tokenizer*/) {}

using TokenCallback = int (*)(void*, int, const char*, int, int, int);

struct Forward : SearchTokenSink {
    void* context = nullptr;
    TokenCallback callback = nullptr;
    int rc = SQLITE_OK;
    bool emit(std::string_view token, size_t start, size_t end) override
    {
        rc = callback(context, 0, token.data(), static_cast<int>(token.size()), static_cast<int>(start),
                      static_cast<int>(end));
        return rc == SQLITE_OK;
    }
};

int tokenize(Fts5Tokenizer* /*tokenizer*/, void* context, int /*flags*/, const char* text, int size,
             TokenCallback callback)
{
    Forward forward;
    forward.context = context;
    forward.callback = callback;
    tokenize_for_search(std::string_view(text != nullptr ? text : "", text != nullptr ? static_cast<size_t>(size) : 0),
                        forward);
    return forward.rc;
}

} // namespace

bool register_search_tokenizer(sqlite3* db, std::string& error)
{
    fts5_api* api = nullptr;
    auto stmt = sql::prepare(db, "SELECT fts5(?1)");
    if (!stmt) {
        error = std::string("this SQLite has no full-text search (FTS5): ") + sqlite3_errmsg(db);
        return false;
    }
    sqlite3_bind_pointer(stmt.get(), 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(stmt.get());
    if (api == nullptr || api->iVersion < 2) {
        error = "this SQLite has no full-text search (FTS5) of version 2 or later";
        return false;
    }
    fts5_tokenizer tokenizer{create, destroy, tokenize};
    if (api->xCreateTokenizer(api, k_search_tokenizer, nullptr, &tokenizer, nullptr) != SQLITE_OK) {
        error = std::string("cannot register the search tokenizer: ") + sqlite3_errmsg(db);
        return false;
    }
    return true;
}

} // namespace sillok::daemon
