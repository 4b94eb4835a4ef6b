#pragma once
// The ledger (SQLite, WAL): articles, their versions and every fetch. Each article's
// outcome is one transaction. Migrations come from schema/*.sql by PRAGMA user_version.
#include "daemon/c_handles.hpp"
#include "daemon/record.hpp"
#include "daemon/ledger_file.hpp"
#include "parsers/article.hpp"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct LedgerError {
    std::string message;
    int sqlite_code = 0; // SQLITE_FULL, SQLITE_CANTOPEN, ...
};

// One HTTP attempt, as the fetches table records it.
struct FetchRecord {
    std::string url;
    std::string started_at;
    std::optional<long> status;
    int64_t bytes = 0;
    int64_t duration_ms = 0;
    std::string error; // empty on success
    // Where the response is kept in the archive's WARC files; empty file: not kept.
    std::string warc_file{};
    int64_t warc_offset = 0;
    int64_t warc_length = 0;
};

struct StoredArticle {
    int64_t id = 0;
    std::string state; // archived, gone, skipped
    std::optional<std::string> content_hash;
    std::optional<std::string> path;
    int current_version = 0;
    int rules_version = 0; // of the current version
    std::optional<Record> record; // the current fields, when there is a current version
};

struct StoredVersion {
    int version = 0;
    std::string content_hash;
    int rules_version = 0;
    std::string first_seen;
    std::string path;
    VersionChange change;
};

// What a saved version changes in the ledger.
struct SavedVersion {
    const parsers::Article& article;
    std::string content_hash;
    std::string path;       // current file
    std::string crawled_at; // first_seen of the version, last_checked of the article
    // When the article had a current version with another hash: where its file now lives.
    std::optional<std::string> previous_path;
    // The fetch the version came from when it is not among the fetches recorded with it
    // (reparse: a stored response read again).
    std::optional<int64_t> fetch_id{};
    std::string_view origin = "crawl"; // crawl, reparse (a change of content rules), import
};

enum class SaveResult { inserted, already_current };

class Ledger {
public:
    static std::expected<Ledger, LedgerError> open(const std::filesystem::path& path);

    std::expected<std::optional<StoredArticle>, LedgerError> find(const parsers::ArticleRef& ref);
    std::expected<std::vector<StoredVersion>, LedgerError> versions(const parsers::ArticleRef& ref);

    // One transaction: the fetches, the article's current fields and a new version row.
    // The version records what changed against the current one (VersionChange).
    // Re-reads the article inside the transaction: when another process saved the same
    // record meanwhile, only the fetches and last_checked are recorded (already_current).
    std::expected<SaveResult, LedgerError> record_version(const SavedVersion& saved,
                                                          const std::vector<FetchRecord>& fetches);
    // One transaction: the fetches and the article's last_checked.
    std::expected<void, LedgerError> record_unchanged(const parsers::ArticleRef& ref,
                                                      std::string_view checked_at,
                                                      const std::vector<FetchRecord>& fetches);
    // One transaction: the fetches and state gone/skipped with its reason (files are kept).
    std::expected<void, LedgerError> record_state(const parsers::ArticleRef& ref,
                                                  std::string_view state, std::string_view reason,
                                                  std::string_view checked_at,
                                                  const std::vector<FetchRecord>& fetches);
    // One transaction: the fetches only (a failure says nothing about the article).
    std::expected<void, LedgerError> record_fetches(const std::vector<FetchRecord>& fetches);

    [[nodiscard]] int schema_version() const { return m_schema_version; }
    // Error when the file at the ledger's path is no longer the one opened.
    [[nodiscard]] std::expected<void, LedgerError> still_in_place() const;

private:
    explicit Ledger(SqliteDb db) : m_db(std::move(db)) {}
    std::expected<void, LedgerError> migrate();
    std::expected<SqliteStmt, LedgerError> prepare(std::string_view sql);
    std::expected<void, LedgerError> exec(std::string_view sql);
    std::expected<void, LedgerError> exec_waiting(std::string_view sql);
    std::expected<void, LedgerError> record_unchanged_in_tx(const parsers::ArticleRef& ref,
                                                            std::string_view checked_at);
    std::expected<int64_t, LedgerError> insert_fetches(const std::vector<FetchRecord>& fetches);
    LedgerError error(std::string_view what) const;

    SqliteDb m_db;
    int m_schema_version = 0;
    LedgerFileIdentity m_file;
};

} // namespace sillok::daemon
