#include "daemon/comments/comment_ledger.hpp"

#include "daemon/ledger/sql.hpp"

#include <algorithm>
#include <map>

namespace sillok::daemon {
namespace {

using sql::Bound;
using sql::Transaction;

constexpr std::string_view k_comment_columns =
    "comment_no, parent_no, author, text, posted_at, modified_at, state, likes, dislikes, replies, first_seen,"
    " last_seen, author_id, profile_image";

StoredComment read_comment_row(sqlite3_stmt* stmt)
{
    StoredComment c;
    c.comment_no = sql::column_text(stmt, 0).value_or("");
    c.parent_no = sql::column_text(stmt, 1).value_or("");
    c.author = sql::column_text(stmt, 2).value_or("");
    c.text = sql::column_text(stmt, 3).value_or("");
    c.posted_at = sql::column_text(stmt, 4).value_or("");
    c.modified_at = sql::column_text(stmt, 5).value_or("");
    c.state =
        parsers::comment_state_from(sql::column_text(stmt, 6).value_or("")).value_or(parsers::CommentState::visible);
    c.likes = sqlite3_column_int64(stmt, 7);
    c.dislikes = sqlite3_column_int64(stmt, 8);
    c.replies = sqlite3_column_int64(stmt, 9);
    c.first_seen = sql::column_text(stmt, 10).value_or("");
    c.last_seen = sql::column_text(stmt, 11).value_or("");
    c.author_id = sql::column_text(stmt, 12);
    c.profile_image = sql::column_text(stmt, 13);
    return c;
}

std::optional<std::int64_t> column_integer(sqlite3_stmt* stmt, int column)
{
    if (sqlite3_column_type(stmt, column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return sqlite3_column_int64(stmt, column);
}

bool is_top_level(const StoredComment& c, const std::map<std::string, std::size_t>& by_number)
{
    return c.parent_no == c.comment_no || !by_number.contains(c.parent_no);
}

bool older(const StoredComment& a, const StoredComment& b)
{
    if (a.posted_at != b.posted_at) {
        return a.posted_at < b.posted_at;
    }
    return comment_number_less(a.comment_no, b.comment_no);
}

} // namespace

std::string_view to_string(SnapshotOutcome outcome)
{
    switch (outcome) {
    case SnapshotOutcome::complete:
        return "complete";
    case SnapshotOutcome::incomplete:
        return "incomplete";
    case SnapshotOutcome::closed:
        return "closed";
    case SnapshotOutcome::failed:
        return "failed";
    }
    return "failed";
}

bool comment_number_less(std::string_view a, std::string_view b)
{
    return a.size() != b.size() ? a.size() < b.size() : a < b;
}

void order_threads(std::vector<StoredComment>& comments)
{
    std::map<std::string, std::size_t> by_number;
    for (std::size_t i = 0; i < comments.size(); ++i) {
        by_number.emplace(comments[i].comment_no, i);
    }
    std::vector<const StoredComment*> tops;
    std::map<std::string, std::vector<const StoredComment*>> replies;
    for (const auto& c : comments) {
        if (is_top_level(c, by_number)) {
            tops.push_back(&c);
        } else {
            replies[c.parent_no].push_back(&c);
        }
    }
    auto by_age = [](const StoredComment* a, const StoredComment* b) { return older(*a, *b); };
    std::ranges::sort(tops, by_age);
    std::vector<StoredComment> ordered;
    ordered.reserve(comments.size());
    for (const auto* top : tops) {
        ordered.push_back(*top);
        auto found = replies.find(top->comment_no);
        if (found == replies.end()) {
            continue;
        }
        std::ranges::sort(found->second, by_age);
        for (const auto* reply : found->second) {
            ordered.push_back(*reply);
        }
    }
    comments = std::move(ordered);
}

LedgerError CommentLedger::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()),
                       sqlite3_extended_errcode(m_db.get()) & 0xff};
}

std::expected<CommentLedger, LedgerError> CommentLedger::open(const std::filesystem::path& ledger, bool read_only)
{
    // Comments are archive data: as durable as the articles' own transactions.
    auto options = read_only ? sql::k_read_only : sql::k_article_data;
    options.create = false;
    auto db = sql::open_connection(ledger, options);
    if (!db) {
        return std::unexpected(
            LedgerError{"cannot open ledger " + ledger.string() + ": " + db.error().message, db.error().sqlite_code});
    }
    return CommentLedger(std::move(*db));
}

std::expected<std::optional<std::string>, LedgerError> CommentLedger::article_path(const parsers::ArticleRef& ref)
{
    auto stmt =
        sql::prepare(m_db.get(), "SELECT path FROM articles WHERE oid = ?1 AND aid = ?2 AND state = 'archived'");
    if (!stmt) {
        return std::unexpected(error("cannot prepare article lookup"));
    }
    int rc = Bound(stmt.get()).text(ref.oid).text(ref.aid).step();
    if (rc == SQLITE_DONE) {
        return std::optional<std::string>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read articles"));
    }
    return sql::column_text(stmt.get(), 0);
}

std::expected<std::vector<StoredComment>, LedgerError> CommentLedger::comments(const parsers::ArticleRef& ref)
{
    auto stmt = sql::prepare(m_db.get(),
                             "SELECT " + std::string(k_comment_columns) + " FROM comments WHERE oid = ?1 AND aid = ?2");
    if (!stmt) {
        return std::unexpected(error("cannot prepare comment lookup"));
    }
    std::vector<StoredComment> out;
    Bound bound(stmt.get());
    int rc = bound.text(ref.oid).text(ref.aid).step();
    for (; rc == SQLITE_ROW; rc = sqlite3_step(stmt.get())) {
        out.push_back(read_comment_row(stmt.get()));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read comments"));
    }
    order_threads(out);
    return out;
}

std::expected<std::vector<StoredComment>, LedgerError> CommentLedger::comments_at(const parsers::ArticleRef& ref,
                                                                                  std::string_view at)
{
    // Each comment's last version seen by `at`; comments first seen later are left out.
    auto stmt = sql::prepare(
        m_db.get(), "SELECT c.comment_no, c.parent_no, c.author, v.text, c.posted_at, v.modified_at, v.state, c.likes,"
                    " c.dislikes, c.replies, c.first_seen, c.last_seen, c.author_id, c.profile_image"
                    " FROM comments c JOIN comment_versions v ON v.comment_id = c.id"
                    " WHERE c.oid = ?1 AND c.aid = ?2 AND v.version = (SELECT max(version) FROM comment_versions"
                    " WHERE comment_id = c.id AND seen_at <= ?3)");
    if (!stmt) {
        return std::unexpected(error("cannot prepare comment lookup"));
    }
    std::vector<StoredComment> out;
    int rc = Bound(stmt.get()).text(ref.oid).text(ref.aid).text(at).step();
    for (; rc == SQLITE_ROW; rc = sqlite3_step(stmt.get())) {
        out.push_back(read_comment_row(stmt.get()));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read comments"));
    }
    order_threads(out);
    return out;
}

std::expected<std::vector<CommentSnapshot>, LedgerError> CommentLedger::snapshots(const parsers::ArticleRef& ref)
{
    auto stmt = sql::prepare(
        m_db.get(),
        "SELECT taken_at, mode, outcome, reason, exposure, count_comment, count_reply, count_expose,"
        " count_deleted_by_user, count_deleted_by_monitor, count_blind_comments, count_blind_replies, count_total,"
        " pages, comments_seen, file_path, file_sha256 FROM comment_snapshots WHERE oid = ?1 AND aid = ?2"
        " ORDER BY taken_at, id");
    if (!stmt) {
        return std::unexpected(error("cannot prepare snapshot lookup"));
    }
    std::vector<CommentSnapshot> out;
    int rc = Bound(stmt.get()).text(ref.oid).text(ref.aid).step();
    for (; rc == SQLITE_ROW; rc = sqlite3_step(stmt.get())) {
        CommentSnapshot s;
        auto* st = stmt.get();
        s.taken_at = sql::column_text(st, 0).value_or("");
        s.mode = sql::column_text(st, 1).value_or("");
        const auto outcome = sql::column_text(st, 2).value_or("");
        for (auto o : {SnapshotOutcome::complete, SnapshotOutcome::incomplete, SnapshotOutcome::closed,
                       SnapshotOutcome::failed}) {
            if (to_string(o) == outcome) {
                s.outcome = o;
            }
        }
        s.reason = sql::column_text(st, 3).value_or("");
        s.exposure = sql::column_text(st, 4).value_or("");
        if (auto comment = column_integer(st, 5)) {
            parsers::CommentTotals t;
            t.comment = *comment;
            t.reply = column_integer(st, 6).value_or(0);
            t.expose = column_integer(st, 7).value_or(0);
            t.deleted_by_user = column_integer(st, 8).value_or(0);
            t.deleted_by_monitor = column_integer(st, 9).value_or(0);
            t.blind_comments = column_integer(st, 10).value_or(0);
            t.blind_replies = column_integer(st, 11).value_or(0);
            t.total = column_integer(st, 12).value_or(0);
            s.totals = t;
        }
        s.pages = sqlite3_column_int64(st, 13);
        s.comments_seen = sqlite3_column_int64(st, 14);
        s.file_path = sql::column_text(st, 15).value_or("");
        s.file_sha256 = sql::column_text(st, 16).value_or("");
        out.push_back(std::move(s));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read snapshots"));
    }
    return out;
}

std::expected<CommentPlan, LedgerError> CommentLedger::plan(const parsers::ArticleRef& ref, CommentSnapshot snapshot,
                                                            const std::vector<parsers::Comment>& listed,
                                                            bool author_ids)
{
    auto known = comments(ref);
    if (!known) {
        return std::unexpected(known.error());
    }
    std::map<std::string, StoredComment> merged;
    std::map<std::string, bool> changed;
    for (auto& c : *known) {
        merged.emplace(c.comment_no, std::move(c));
    }
    const std::string& now = snapshot.taken_at;
    for (const auto& c : listed) {
        auto [it, inserted] = merged.try_emplace(c.comment_no);
        StoredComment& row = it->second;
        const bool differs = inserted || row.text != c.text || row.state != c.state;
        if (inserted) {
            row.comment_no = c.comment_no;
            row.first_seen = now;
        }
        row.parent_no = c.parent_no;
        row.author = c.author;
        row.text = c.text;
        row.posted_at = c.posted_at;
        row.modified_at = c.modified_at;
        row.state = c.state;
        row.likes = c.likes;
        row.dislikes = c.dislikes;
        row.replies = c.replies;
        row.last_seen = now;
        row.author_id = author_ids && !c.user_id_no.empty() ? std::optional(c.user_id_no) : std::nullopt;
        row.profile_image = author_ids && !c.profile_image.empty() ? std::optional(c.profile_image) : std::nullopt;
        changed[c.comment_no] = changed[c.comment_no] || differs;
    }
    CommentPlan plan{ref, std::move(snapshot), {}, {}, {}};
    plan.comments.reserve(merged.size());
    for (auto& [number, row] : merged) {
        plan.comments.push_back(std::move(row));
    }
    order_threads(plan.comments);
    for (const auto& row : plan.comments) {
        auto found = changed.find(row.comment_no);
        plan.seen.push_back(found != changed.end());
        plan.changed.push_back(found != changed.end() && found->second);
    }
    return plan;
}

std::expected<std::int64_t, LedgerError> CommentLedger::insert_snapshot(const CommentPlan& plan)
{
    const auto& s = plan.snapshot;
    auto stmt = sql::prepare(
        m_db.get(), "INSERT INTO comment_snapshots (oid, aid, taken_at, mode, outcome, reason, exposure, count_comment,"
                    " count_reply, count_expose, count_deleted_by_user, count_deleted_by_monitor, count_blind_comments,"
                    " count_blind_replies, count_total, pages, comments_seen, file_path, file_sha256)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)");
    if (!stmt) {
        return std::unexpected(error("cannot prepare snapshot"));
    }
    Bound bound(stmt.get());
    bound.text(plan.ref.oid).text(plan.ref.aid).text(s.taken_at).text(s.mode).text(to_string(s.outcome));
    s.reason.empty() ? bound.null() : bound.text(s.reason);
    s.exposure.empty() ? bound.null() : bound.text(s.exposure);
    if (s.totals) {
        const auto& t = *s.totals;
        for (auto value : {t.comment, t.reply, t.expose, t.deleted_by_user, t.deleted_by_monitor, t.blind_comments,
                           t.blind_replies, t.total}) {
            bound.integer(value);
        }
    } else {
        for (int i = 0; i < 8; ++i) {
            bound.null();
        }
    }
    bound.integer(s.pages).integer(s.comments_seen);
    s.file_path.empty() ? bound.null() : bound.text(s.file_path);
    s.file_sha256.empty() ? bound.null() : bound.text(s.file_sha256);
    if (bound.step() != SQLITE_DONE) {
        return std::unexpected(error("cannot record snapshot"));
    }
    return sqlite3_last_insert_rowid(m_db.get());
}

namespace {

constexpr std::string_view k_upsert_comment =
    "INSERT INTO comments (oid, aid, comment_no, parent_no, author, text, posted_at, modified_at, state, likes,"
    " dislikes, replies, first_seen, last_seen, author_id, profile_image)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    " ON CONFLICT (oid, aid, comment_no) DO UPDATE SET parent_no = ?4, author = ?5, text = ?6, posted_at = ?7,"
    " modified_at = ?8, state = ?9, likes = ?10, dislikes = ?11, replies = ?12, last_seen = ?14,"
    " author_id = ?15, profile_image = ?16";
constexpr std::string_view k_insert_version =
    "INSERT INTO comment_versions (comment_id, version, text, state, modified_at, seen_at, snapshot_id)"
    " SELECT id, coalesce((SELECT max(version) FROM comment_versions WHERE comment_id = comments.id), 0) + 1,"
    " ?4, ?5, ?6, ?7, ?8 FROM comments WHERE oid = ?1 AND aid = ?2 AND comment_no = ?3";

} // namespace

std::expected<void, LedgerError> CommentLedger::write_comment(const parsers::ArticleRef& ref, const StoredComment& c,
                                                              bool changed, std::int64_t snapshot_id,
                                                              const CommentStatements& s)
{
    Bound bound(s.upsert);
    bound.text(ref.oid)
        .text(ref.aid)
        .text(c.comment_no)
        .text(c.parent_no)
        .text(c.author)
        .text(c.text)
        .text(c.posted_at);
    c.modified_at.empty() ? bound.null() : bound.text(c.modified_at);
    bound.text(parsers::to_string(c.state))
        .integer(c.likes)
        .integer(c.dislikes)
        .integer(c.replies)
        .text(c.first_seen)
        .text(c.last_seen)
        .text(c.author_id)
        .text(c.profile_image);
    if (bound.step() != SQLITE_DONE) {
        return std::unexpected(error("cannot record comment " + c.comment_no));
    }
    if (!changed) {
        return {};
    }
    Bound v(s.version);
    v.text(ref.oid).text(ref.aid).text(c.comment_no).text(c.text).text(parsers::to_string(c.state));
    c.modified_at.empty() ? v.null() : v.text(c.modified_at);
    v.text(c.last_seen).integer(snapshot_id);
    if (v.step() != SQLITE_DONE) {
        return std::unexpected(error("cannot record a version of comment " + c.comment_no));
    }
    return {};
}

std::expected<std::int64_t, LedgerError> CommentLedger::commit(const CommentPlan& plan)
{
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    auto snapshot_id = insert_snapshot(plan);
    if (!snapshot_id) {
        return std::unexpected(snapshot_id.error());
    }
    auto upsert = sql::prepare(m_db.get(), k_upsert_comment);
    auto version = sql::prepare(m_db.get(), k_insert_version);
    if (!upsert || !version) {
        return std::unexpected(error("cannot prepare comment rows"));
    }
    const CommentStatements statements{upsert.get(), version.get()};
    for (std::size_t i = 0; i < plan.comments.size(); ++i) {
        if (!plan.seen[i]) {
            continue;
        }
        if (auto written = write_comment(plan.ref, plan.comments[i], plan.changed[i], *snapshot_id, statements);
            !written) {
            return std::unexpected(written.error());
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit comment snapshot"));
    }
    return *snapshot_id;
}

} // namespace sillok::daemon
