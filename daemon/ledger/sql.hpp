#pragma once
// Small helpers over SQLite's C API: bound parameters, text columns, transactions.
// Every statement sillok runs is prepared with bound parameters; no SQL is built from data.
#include "daemon/util/c_handles.hpp"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sillok::daemon::sql {

// Binds parameters in order (1-based) and steps a prepared statement; a bind that fails
// makes step() return its error instead of running the statement.
class Bound {
public:
    explicit Bound(sqlite3_stmt* stmt) : m_stmt(stmt)
    {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
    Bound& text(std::string_view value)
    {
        // An empty view may have no data pointer, which SQLite would bind as NULL.
        const char* data = value.data() != nullptr ? value.data() : "";
        keep(sqlite3_bind_text(m_stmt, ++m_index, data, static_cast<int>(value.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Bound& text(const std::string& value) { return text(std::string_view(value)); }
    Bound& text(const char* value) { return text(std::string_view(value)); }
    Bound& text(const std::optional<std::string>& value) { return value ? text(std::string_view(*value)) : null(); }
    Bound& integer(int64_t value)
    {
        keep(sqlite3_bind_int64(m_stmt, ++m_index, value));
        return *this;
    }
    Bound& integer(std::optional<long> value) { return value ? integer(int64_t{*value}) : null(); }
    Bound& null()
    {
        keep(sqlite3_bind_null(m_stmt, ++m_index));
        return *this;
    }
    int step() { return m_bind_error != SQLITE_OK ? m_bind_error : sqlite3_step(m_stmt); }

private:
    void keep(int rc)
    {
        if (m_bind_error == SQLITE_OK) {
            m_bind_error = rc;
        }
    }

    sqlite3_stmt* m_stmt;
    int m_index = 0;
    int m_bind_error = SQLITE_OK;
};

inline std::optional<std::string> column_text(sqlite3_stmt* stmt, int column)
{
    const auto* text = sqlite3_column_text(stmt, column);
    if (text == nullptr) {
        return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

// A prepared statement, or null (sqlite3_errmsg tells why): the one way sillok prepares SQL.
inline SqliteStmt prepare(sqlite3* db, std::string_view text)
{
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, text.data(), static_cast<int>(text.size()), &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return nullptr;
    }
    return SqliteStmt(raw);
}

inline constexpr int k_busy_timeout_ms = 30000;

// How a connection to the ledger is opened; the three kinds sillok uses are below.
struct OpenOptions {
    bool read_only = false;                  // mode=ro; as an immutable file when SQLite cannot read the WAL that way
    bool create = false;                     // read-write: a missing file becomes a new database
    bool full_sync = true;                   // read-write: synchronous=FULL, else NORMAL
    bool foreign_keys = false;               // read-write: enforce the schema's foreign keys
    int busy_timeout_ms = k_busy_timeout_ms; // how long to wait for another process's lock
};

// Article data (the ledger, adoptions, repairs): every commit synced.
inline constexpr OpenOptions k_article_data{false, true, true, true, k_busy_timeout_ms};
// The queue, listing progress, the politeness budget, source health: an existing ledger,
// synced at NORMAL. That state may lose its last commit to a power cut (the work is
// redone, and the article transactions, which stay fully synchronous, keep it from
// duplicating); an fsync on every update is not worth it.
inline constexpr OpenOptions k_state{false, false, false, false, k_busy_timeout_ms};
// Reading commands (`status`, `verify`, `log`, `diff`, `export`), also where the ledger
// cannot be written: a mounted backup, a copy owned by another user, a read-only disk.
inline constexpr OpenOptions k_read_only{true, false, false, false, 5000};

struct OpenError {
    std::string message; // SQLite's reason
    int sqlite_code = 0; // the primary result code
};

// The one way sillok opens a ledger connection.
std::expected<SqliteDb, OpenError> open_connection(const std::filesystem::path& path, const OpenOptions& options);

// A second connection to an existing ledger (k_state). Null, with the reason in error,
// when it cannot open.
inline SqliteDb open_state_connection(const std::filesystem::path& ledger, std::string& error)
{
    auto db = open_connection(ledger, k_state);
    if (!db) {
        error = "cannot open " + ledger.string() + ": " + db.error().message;
        return nullptr;
    }
    return std::move(*db);
}

// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed.
class Transaction {
public:
    explicit Transaction(sqlite3* db) : m_db(db) {}
    // Rolls back a transaction begun and not committed; a rollback that fails is logged
    // (SQLite then rolls back itself when the connection closes or the next BEGIN fails).
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    int begin()
    {
        int rc = sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        m_begun = rc == SQLITE_OK;
        return rc;
    }
    int commit()
    {
        int rc = sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
        m_done = rc == SQLITE_OK;
        return rc;
    }

private:
    sqlite3* m_db;
    bool m_begun = false;
    bool m_done = false;
};

} // namespace sillok::daemon::sql
