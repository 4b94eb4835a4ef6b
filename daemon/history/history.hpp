#pragma once
// The ledger read as history, for `log`, `diff` and `export`: opened read-only (an archive on
// read-only media included), never migrated, and read by an older schema as well.
#include "daemon/archive/record.hpp"
#include "daemon/util/c_handles.hpp"
#include "parsers/article_ref.hpp"

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct HistoryVersion {
    int version = 0;
    std::string content_hash;
    int rules_version = 0;
    std::string first_seen;
    std::string path; // relative to the archive
    VersionChange change;
};

struct ArticleHistory {
    parsers::ArticleRef ref;
    std::string state;
    int current_version = 0;
    std::vector<HistoryVersion> versions; // oldest first
};

// The versions in the order they were first seen (then by number): a version placed before
// others later (an older capture imported, an old file adopted) where it belongs in time.
std::vector<HistoryVersion> in_time_order(const ArticleHistory& article);

using parsers::parse_article_id;

class History {
public:
    // Fails with a message when the ledger does not exist or cannot be read.
    static std::expected<History, std::string> open(const std::filesystem::path& ledger);

    // nullopt when the ledger has no such article.
    std::expected<std::optional<ArticleHistory>, std::string> article(const parsers::ArticleRef& ref);

    [[nodiscard]] sqlite3* db() const { return m_db.get(); }
    // Whether versions record what changed (schema 004); older ledgers made versions only
    // for new content, so theirs is "content" after the first.
    [[nodiscard]] bool records_changes() const { return m_records_changes; }
    // The error message of the last failed call on db().
    [[nodiscard]] std::string error(std::string_view what) const;

private:
    explicit History(SqliteDb db) : m_db(std::move(db)) {}

    SqliteDb m_db;
    bool m_records_changes = false;
};

// What a version of a ledger without the changed columns changed.
VersionChange inferred_change(int version, int first_version);

} // namespace sillok::daemon
