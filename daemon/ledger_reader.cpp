#include "daemon/ledger_reader.hpp"

#include <sqlite3.h>

namespace sillok::daemon {
namespace {

constexpr int k_read_busy_timeout_ms = 5000;

// The URI of path with the given query (path characters SQLite's URI parser treats
// specially are percent-encoded).
std::string uri_of(const std::filesystem::path& path, const std::string& query)
{
    std::string uri = "file:";
    for (char c : std::filesystem::absolute(path).string()) {
        if (c == '%' || c == '?' || c == '#') {
            constexpr std::string_view k_hex = "0123456789ABCDEF";
            uri += '%';
            uri += k_hex[static_cast<unsigned char>(c) >> 4];
            uri += k_hex[static_cast<unsigned char>(c) & 0x0f];
        } else {
            uri += c;
        }
    }
    return uri + "?" + query;
}

// Opens with the query and reads the schema once; the SQLite result code.
int try_open(const std::filesystem::path& path, const std::string& query, SqliteDb& db)
{
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(uri_of(path, query).c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    db.reset(raw);
    if (rc != SQLITE_OK) {
        return rc;
    }
    sqlite3_busy_timeout(db.get(), k_read_busy_timeout_ms);
    return sqlite3_exec(db.get(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
}

} // namespace

std::string not_a_ledger_advice(const std::filesystem::path& path)
{
    return "the ledger " + path.string() + " is not a SQLite database (damaged or another file): move it aside"
           " (mv " + path.string() + " " + path.string() + ".damaged), then `sillok verify --repair` rebuilds it"
           " from the archive's files";
}

std::expected<SqliteDb, std::string> open_ledger_read_only(const std::filesystem::path& path)
{
    SqliteDb db;
    int rc = try_open(path, "mode=ro", db);
    if (rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) {
        rc = try_open(path, "immutable=1", db);
    }
    if ((rc & 0xff) == SQLITE_NOTADB) {
        return std::unexpected(not_a_ledger_advice(path));
    }
    if (rc != SQLITE_OK) {
        return std::unexpected("cannot read ledger " + path.string() + ": "
                               + (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
    }
    return db;
}

} // namespace sillok::daemon
