#pragma once
// A connection's prepared statements, kept for its lifetime: each SQL text is prepared
// once (SQLITE_PREPARE_PERSISTENT) and reset after every use, so a statement left at a row
// never holds a read snapshot open. The owner declares the cache after its connection:
// the statements are finalized before the connection closes.
#include "daemon/util/c_handles.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace sillok::daemon::sql {

// One use of a cached statement; resets it when the use ends.
class CachedStatement {
public:
    explicit CachedStatement(sqlite3_stmt* stmt) : m_stmt(stmt) {}
    ~CachedStatement()
    {
        if (m_stmt != nullptr) {
            sqlite3_reset(m_stmt);
        }
    }
    CachedStatement(CachedStatement&& other) noexcept : m_stmt(std::exchange(other.m_stmt, nullptr)) {}
    CachedStatement& operator=(CachedStatement&&) = delete;
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;

    [[nodiscard]] sqlite3_stmt* get() const { return m_stmt; }
    explicit operator bool() const { return m_stmt != nullptr; }

private:
    sqlite3_stmt* m_stmt;
};

class StatementCache {
public:
    // The statement for this SQL text, prepared on first use; null when it cannot be
    // prepared (sqlite3_errmsg of the connection tells why).
    sqlite3_stmt* find_or_prepare(sqlite3* db, std::string_view text)
    {
        if (auto found = m_statements.find(text); found != m_statements.end()) {
            return found->second.get();
        }
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v3(db, text.data(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr)
            != SQLITE_OK) {
            return nullptr; // SQLite leaves no statement behind on failure
        }
        return m_statements.emplace(std::string(text), SqliteStmt(raw)).first->second.get();
    }

private:
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };
    std::unordered_map<std::string, SqliteStmt, TextHash, std::equal_to<>> m_statements;
};

} // namespace sillok::daemon::sql
