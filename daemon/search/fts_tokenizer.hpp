#pragma once
// The search tokenizer (search_tokens.hpp) as an FTS5 tokenizer named "sillok", registered
// on one connection through FTS5's fts5_api.
#include <sqlite3.h>

#include <string>

namespace sillok::daemon {

inline constexpr const char* k_search_tokenizer = "sillok";

// False, with the reason in error, when the connection's SQLite has no FTS5.
bool register_search_tokenizer(sqlite3* db, std::string& error);

} // namespace sillok::daemon
