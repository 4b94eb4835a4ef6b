#include "daemon/ledger/sql.hpp"

#include <spdlog/spdlog.h>

namespace sillok::daemon::sql {
namespace {

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

// Opens path (as a URI with query, when not empty); the SQLite result code.
int try_open(const std::filesystem::path& path, const std::string& query, int flags, int busy_timeout_ms, SqliteDb& db)
{
    sqlite3* raw = nullptr;
    std::string name = query.empty() ? path.string() : uri_of(path, query);
    int rc = sqlite3_open_v2(name.c_str(), &raw, flags | (query.empty() ? 0 : SQLITE_OPEN_URI), nullptr);
    db.reset(raw);
    if (rc != SQLITE_OK) {
        return rc;
    }
    return sqlite3_busy_timeout(db.get(), busy_timeout_ms);
}

// A read-only connection reads the schema once, so that a file it cannot read fails here.
int open_read_only(const std::filesystem::path& path, int busy_timeout_ms, SqliteDb& db)
{
    for (const char* query : {"mode=ro", "immutable=1"}) {
        int rc = try_open(path, query, SQLITE_OPEN_READONLY, busy_timeout_ms, db);
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(db.get(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
        }
        if ((rc & 0xff) != SQLITE_CANTOPEN && rc != SQLITE_READONLY) {
            return rc;
        }
    }
    return SQLITE_CANTOPEN;
}

int open_read_write(const std::filesystem::path& path, const OpenOptions& options, SqliteDb& db)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
    if (int rc = try_open(path, "", flags, options.busy_timeout_ms, db); rc != SQLITE_OK) {
        return rc;
    }
    const char* sync = options.full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
    if (int rc = sqlite3_exec(db.get(), sync, nullptr, nullptr, nullptr); rc != SQLITE_OK) {
        return rc;
    }
    if (options.foreign_keys) {
        return sqlite3_exec(db.get(), "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr);
    }
    return SQLITE_OK;
}

} // namespace

Transaction::~Transaction()
{
    if (m_begun && !m_done) {
        if (int rc = sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
            spdlog::error("ledger: rollback failed: {}", sqlite3_errmsg(m_db));
        }
    }
}

std::expected<SqliteDb, OpenError> open_connection(const std::filesystem::path& path, const OpenOptions& options)
{
    SqliteDb db;
    int rc = options.read_only ? open_read_only(path, options.busy_timeout_ms, db) : open_read_write(path, options, db);
    if (rc != SQLITE_OK) {
        return std::unexpected(OpenError{db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc), rc & 0xff});
    }
    return db;
}

} // namespace sillok::daemon::sql
