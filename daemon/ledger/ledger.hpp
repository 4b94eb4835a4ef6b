#pragma once
// The ledger (SQLite, WAL): articles, their versions and every fetch. Each article's
// outcome is one transaction. Migrations come from schema/*.sql by PRAGMA user_version.
#include "daemon/archive/record.hpp"
#include "daemon/ledger/fetch_record.hpp"
#include "daemon/ledger/ledger_file.hpp"
#include "daemon/ledger/statement_cache.hpp"
#include "daemon/util/c_handles.hpp"
#include "parsers/article.hpp"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sillok::daemon {

struct LedgerError {
    std::string message;
    int sqlite_code = 0; // SQLITE_FULL, SQLITE_CANTOPEN, ...
};

struct StoredArticle {
    int64_t id = 0;
    std::string state; // archived, gone, skipped
    std::optional<std::string> content_hash;
    std::optional<std::string> path;
    int current_version = 0;
    int rules_version = 0;        // of the current version
    std::optional<Record> record; // the current fields, when there is a current version
    std::string last_checked;     // when the article was last fetched or read ("" if never)
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
    // A capture older than what the ledger knows of the current version (import): the version
    // row alone, placed in the history by its first_seen; the article row is not touched.
    bool earlier = false;
};

enum class SaveResult { inserted, already_current };

// The writes of one article's outcome, as one entry of a batch (Ledger::record_batch).
struct VersionWrite {
    SavedVersion saved;
    std::vector<FetchRecord> fetches;
};
struct UnchangedWrite {
    parsers::ArticleRef ref;
    std::string checked_at;
    std::vector<FetchRecord> fetches;
};
struct StateWrite {
    parsers::ArticleRef ref;
    std::string state; // gone, skipped
    std::string reason;
    std::string checked_at;
    std::vector<FetchRecord> fetches;
};
struct FetchesWrite {
    std::vector<FetchRecord> fetches;
};
// A version's text captured before its first_seen (import): first_seen moves back to then.
struct SeenEarlierWrite {
    parsers::ArticleRef ref;
    int version = 0;
    std::string first_seen;
    std::vector<FetchRecord> fetches;
};
using LedgerWrite = std::variant<VersionWrite, UnchangedWrite, StateWrite, FetchesWrite, SeenEarlierWrite>;

// How pages were read (parsers::ExtractStats), counted per KST day in the batch that
// recorded them.
struct ExtractCounts {
    std::string day; // YYYY-MM-DD
    int64_t regions = 0;
    int64_t whole_page = 0;
    std::string last_fallback = {}; // why the last whole-page parse happened, "" when none
};

// The content rules version this build records versions under (parsers::k_content_rules_version
// as ledger.cpp was built: the rules test build compiles it again with other rules).
int recorded_rules_version();

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
    std::expected<void, LedgerError> record_unchanged(const parsers::ArticleRef& ref, std::string_view checked_at,
                                                      const std::vector<FetchRecord>& fetches);
    // One transaction: the fetches and state gone/skipped with its reason (files are kept).
    std::expected<void, LedgerError> record_state(const parsers::ArticleRef& ref, std::string_view state,
                                                  std::string_view reason, std::string_view checked_at,
                                                  const std::vector<FetchRecord>& fetches);
    // One transaction: the fetches only (a failure says nothing about the article).
    std::expected<void, LedgerError> record_fetches(const std::vector<FetchRecord>& fetches);
    // Group commit: every write of the batch, in order, in ONE transaction (all or none).
    // One result per write (inserted for anything but a version already current). An
    // article appears at most once in a batch: its version was planned from the ledger
    // as it was before the batch.
    std::expected<std::vector<SaveResult>, LedgerError> record_batch(const std::vector<LedgerWrite>& writes,
                                                                     const std::vector<ExtractCounts>& extracts = {});

    [[nodiscard]] int schema_version() const { return m_schema_version; }
    // Error when the file at the ledger's path is no longer the one opened.
    [[nodiscard]] std::expected<void, LedgerError> still_in_place() const;

private:
    explicit Ledger(SqliteDb db) : m_db(std::move(db)) {}
    std::expected<void, LedgerError> migrate();
    // The cached statement for this SQL text, reset when the returned use ends.
    std::expected<sql::CachedStatement, LedgerError> prepare(std::string_view sql);
    std::expected<void, LedgerError> exec(std::string_view sql);
    std::expected<void, LedgerError> exec_waiting(std::string_view sql);
    std::expected<void, LedgerError> record_unchanged_in_tx(const parsers::ArticleRef& ref,
                                                            std::string_view checked_at);
    std::expected<SaveResult, LedgerError> record_version_in_tx(const SavedVersion& saved,
                                                                const std::vector<FetchRecord>& fetches);
    std::expected<void, LedgerError> record_state_in_tx(const StateWrite& write);
    std::expected<SaveResult, LedgerError> write_in_tx(const LedgerWrite& write);
    std::expected<void, LedgerError> count_extracts_in_tx(const ExtractCounts& counts);
    std::expected<int64_t, LedgerError> insert_fetches(const std::vector<FetchRecord>& fetches);
    LedgerError error(std::string_view what) const;

    SqliteDb m_db;
    sql::StatementCache m_statements; // after m_db: finalized before the connection closes
    int m_schema_version = 0;
    LedgerFileIdentity m_file;
};

} // namespace sillok::daemon
