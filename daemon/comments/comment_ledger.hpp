#pragma once
// The ledger's record of readers' comments (schema/012_comments.sql): each comment by
// (oid, aid, comment_no), each change of its text or state as a version with the time it was
// seen, and one row per snapshot. Its own connection to a ledger that Ledger::open has
// created and migrated. A snapshot is planned from the ledger as it is (plan), its file
// written, then recorded in one transaction (commit).
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/c_handles.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/comments.hpp"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

// One comment as the ledger keeps it.
struct StoredComment {
    std::string comment_no;
    std::string parent_no;
    std::string author; // masked, as served
    std::string text;
    std::string posted_at;
    std::string modified_at;
    parsers::CommentState state = parsers::CommentState::visible;
    std::int64_t likes = 0;
    std::int64_t dislikes = 0;
    std::int64_t replies = 0;
    std::string first_seen;
    std::string last_seen;
    // Only with comments_author_ids = true.
    std::optional<std::string> author_id;
    std::optional<std::string> profile_image;
};

enum class SnapshotOutcome {
    complete,   // every page walked, as many comments as the API's count says
    incomplete, // pages ended early, a cursor that did not move, a page that failed midway
    closed,     // comments are not open (exposureConfig.status not COMMENT_ON): an outcome
    failed,     // the first page failed: nothing is known
};
std::string_view to_string(SnapshotOutcome outcome);

struct CommentSnapshot {
    std::string taken_at;
    std::string mode; // counts, all
    SnapshotOutcome outcome = SnapshotOutcome::complete;
    std::string reason; // why incomplete or failed, with the URL
    std::string exposure;
    std::optional<parsers::CommentTotals> totals;
    std::int64_t pages = 0;
    std::int64_t comments_seen = 0;
    std::string file_path; // empty: no file written
    std::string file_sha256;
};

// What a snapshot changes, planned from the ledger before its file is written.
struct CommentPlan {
    parsers::ArticleRef ref;
    CommentSnapshot snapshot;
    // Every comment of the article after the snapshot, in the file's order (oldest first,
    // replies after their parent).
    std::vector<StoredComment> comments;
    std::vector<bool> seen;    // per comment: listed by this snapshot (its row is written)
    std::vector<bool> changed; // per comment: new, or a new text or state (a version is written)
};

// Oldest first (posted_at, then number), each reply after its parent and the parent's
// earlier replies; a reply whose parent is unknown stands as its own thread.
void order_threads(std::vector<StoredComment>& comments);
// "9" before "10": comment numbers compare as numbers, however long.
bool comment_number_less(std::string_view a, std::string_view b);

class CommentLedger {
public:
    // read_only: for reading commands (the ledger may be on a read-only disk).
    static std::expected<CommentLedger, LedgerError> open(const std::filesystem::path& ledger, bool read_only = false);

    // The article's file path (relative to the archive) when it is archived.
    std::expected<std::optional<std::string>, LedgerError> article_path(const parsers::ArticleRef& ref);
    // The snapshot with the comments its pages listed merged into the ledger's: new ones
    // first seen now, changed ones with a new version, every listed one last seen now.
    // Writer identifiers are kept only when author_ids.
    std::expected<CommentPlan, LedgerError> plan(const parsers::ArticleRef& ref, CommentSnapshot snapshot,
                                                 const std::vector<parsers::Comment>& listed, bool author_ids);
    // One transaction: the snapshot row, the listed comments and their new versions.
    std::expected<std::int64_t, LedgerError> commit(const CommentPlan& plan);

    std::expected<std::vector<StoredComment>, LedgerError> comments(const parsers::ArticleRef& ref);
    std::expected<std::vector<CommentSnapshot>, LedgerError> snapshots(const parsers::ArticleRef& ref);
    // The comments as of a time: those first seen by then, each with the text and state of
    // its last version seen by then (likes and the like are the last snapshot's).
    std::expected<std::vector<StoredComment>, LedgerError> comments_at(const parsers::ArticleRef& ref,
                                                                       std::string_view at);

private:
    explicit CommentLedger(SqliteDb db) : m_db(std::move(db)) {}
    LedgerError error(std::string_view what) const;
    std::expected<std::int64_t, LedgerError> insert_snapshot(const CommentPlan& plan);
    struct CommentStatements {
        sqlite3_stmt* upsert;
        sqlite3_stmt* version;
    };
    std::expected<void, LedgerError> write_comment(const parsers::ArticleRef& ref, const StoredComment& comment,
                                                   bool changed, std::int64_t snapshot_id,
                                                   const CommentStatements& statements);

    SqliteDb m_db;
};

} // namespace sillok::daemon
