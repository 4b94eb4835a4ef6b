#include "daemon/ledger/frontier.hpp"

#include "daemon/ledger/sql.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sillok::daemon {
namespace {

using sql::Bound;
using sql::column_text;
using sql::Transaction;

constexpr auto k_in_flight_lease = std::chrono::hours(1);

bool process_alive(int64_t pid)
{
    return pid == ::getpid() ? false : (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

} // namespace

LedgerError Frontier::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()),
                       sqlite3_extended_errcode(m_db.get()) & 0xff};
}

std::expected<Frontier, LedgerError> Frontier::open(const std::filesystem::path& ledger)
{
    std::string reason;
    auto db = sql::open_state_connection(ledger, reason);
    if (!db) {
        return std::unexpected(LedgerError{reason, SQLITE_CANTOPEN});
    }
    return Frontier(std::move(db));
}

std::string_view to_string(QueueSource source)
{
    switch (source) {
    case QueueSource::discovery:
        return "discovery";
    case QueueSource::revisit:
        return "revisit";
    case QueueSource::backfill:
        return "backfill";
    case QueueSource::adopt:
        return "adopt";
    }
    return "discovery";
}

std::optional<QueueSource> parse_queue_source(std::string_view text)
{
    for (auto source : {QueueSource::discovery, QueueSource::revisit, QueueSource::backfill, QueueSource::adopt}) {
        if (to_string(source) == text) {
            return source;
        }
    }
    return std::nullopt;
}

int priority_of(QueueSource source)
{
    switch (source) {
    case QueueSource::discovery:
        return 100;
    case QueueSource::revisit:
        return 50;
    case QueueSource::backfill:
        return 10;
    case QueueSource::adopt:
        return 5;
    }
    return 0;
}

std::expected<size_t, LedgerError> Frontier::enqueue(const std::vector<parsers::ArticleRef>& refs, QueueSource source,
                                                     WallClock::time_point now, Revive revive)
{
    const auto priority = priority_of(source);
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    auto stmt = prepare("INSERT INTO frontier (oid, aid, source, priority, state, next_at, added_at, updated_at)"
                        " SELECT ?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6"
                        // Every article row is settled (archived, gone or skipped: the
                        // table's CHECK), so the (oid, aid) index alone answers.
                        " WHERE NOT EXISTS (SELECT 1 FROM articles WHERE oid = ?1 AND aid = ?2)"
                        " ON CONFLICT (oid, aid) DO UPDATE SET source = ?3, priority = max(priority, ?4),"
                        " state = 'pending', attempts = 0, next_at = min(next_at, ?5), last_error = NULL,"
                        " updated_at = ?6 WHERE ?7 = 1 AND (state = 'failed' OR (state = 'pending'"
                        " AND source <> ?3))");
    if (!stmt) {
        return std::unexpected(error("cannot prepare enqueue"));
    }
    auto stamp = kst_iso(now);
    size_t added = 0;
    for (const auto& ref : refs) {
        if (Bound(stmt.get())
                .text(ref.oid)
                .text(ref.aid)
                .text(to_string(source))
                .integer(priority)
                .integer(unix_ms(now))
                .text(stamp)
                .integer(revive == Revive::failed_and_pending ? 1 : 0)
                .step()
            != SQLITE_DONE) {
            return std::unexpected(error("cannot queue " + ref.id()));
        }
        added += static_cast<size_t>(sqlite3_changes(m_db.get()));
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit"));
    }
    return added;
}

std::expected<size_t, LedgerError> Frontier::enqueue_again(const std::vector<parsers::ArticleRef>& refs,
                                                           QueueSource source, WallClock::time_point now)
{
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    auto stmt = prepare("INSERT INTO frontier (oid, aid, source, priority, state, next_at, added_at, updated_at)"
                        " VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6)"
                        " ON CONFLICT (oid, aid) DO UPDATE SET source = ?3, priority = ?4, state = 'pending',"
                        " attempts = 0, next_at = ?5, last_error = NULL, updated_at = ?6"
                        " WHERE state IN ('done', 'failed', 'gone')");
    if (!stmt) {
        return std::unexpected(error("cannot prepare queue"));
    }
    auto stamp = kst_iso(now);
    size_t queued = 0;
    for (const auto& ref : refs) {
        if (Bound(stmt.get())
                .text(ref.oid)
                .text(ref.aid)
                .text(to_string(source))
                .integer(priority_of(source))
                .integer(unix_ms(now))
                .text(stamp)
                .step()
            != SQLITE_DONE) {
            return std::unexpected(error("cannot queue " + ref.id()));
        }
        queued += static_cast<size_t>(sqlite3_changes(m_db.get()));
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit"));
    }
    return queued;
}

std::expected<std::vector<FrontierItem>, LedgerError> Frontier::claim(size_t n, WallClock::time_point now,
                                                                      std::optional<QueueSource> source)
{
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    auto stmt = prepare("UPDATE frontier SET state = 'in_flight', owner_pid = ?1, updated_at = ?2"
                        " WHERE id IN (SELECT id FROM frontier WHERE state = 'pending' AND next_at <= ?3"
                        " AND (?5 = '' OR source = ?5) ORDER BY priority DESC, next_at LIMIT ?4)"
                        " RETURNING id, oid, aid, source, priority, attempts, revisits");
    if (!stmt) {
        return std::unexpected(error("cannot prepare claim"));
    }
    Bound bound(stmt.get());
    bound.integer(::getpid())
        .text(kst_iso(now))
        .integer(unix_ms(now))
        .integer(static_cast<int64_t>(n))
        .text(source ? to_string(*source) : "");
    std::vector<FrontierItem> items;
    int rc = 0;
    while ((rc = bound.step()) == SQLITE_ROW) {
        FrontierItem item;
        item.id = sqlite3_column_int64(stmt.get(), 0);
        item.ref = {column_text(stmt.get(), 1).value_or(""), column_text(stmt.get(), 2).value_or("")};
        // sillok writes only the four words.
        item.source = parse_queue_source(column_text(stmt.get(), 3).value_or("")).value_or(QueueSource::discovery);
        item.priority = sqlite3_column_int(stmt.get(), 4);
        item.attempts = sqlite3_column_int(stmt.get(), 5);
        item.revisits = sqlite3_column_int(stmt.get(), 6);
        items.push_back(std::move(item));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot claim"));
    }
    sqlite3_reset(stmt.get()); // ends the statement before the commit
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit"));
    }
    std::ranges::sort(items, [](const auto& a, const auto& b) { return a.priority > b.priority; });
    return items;
}

std::expected<size_t, LedgerError> Frontier::recover()
{
    auto owners = prepare("SELECT DISTINCT owner_pid FROM frontier WHERE state = 'in_flight'");
    if (!owners) {
        return std::unexpected(error("cannot read in-flight items"));
    }
    std::vector<int64_t> dead;
    while (sqlite3_step(owners.get()) == SQLITE_ROW) {
        auto pid = sqlite3_column_int64(owners.get(), 0);
        if (!process_alive(pid)) {
            dead.push_back(pid);
        }
    }
    sqlite3_reset(owners.get());
    auto stmt = prepare("UPDATE frontier SET state = 'pending', owner_pid = NULL"
                        " WHERE state = 'in_flight' AND coalesce(owner_pid, 0) = ?1");
    size_t recovered = 0;
    for (auto pid : dead) {
        if (!stmt || Bound(stmt.get()).integer(pid).step() != SQLITE_DONE) {
            return std::unexpected(error("cannot recover in-flight items"));
        }
        recovered += static_cast<size_t>(sqlite3_changes(m_db.get()));
    }
    // A lease: no fetch takes an hour (timeout x attempts is minutes), so an item in
    // flight that long belongs to a process that is gone even if its pid was reused.
    auto stale = prepare("UPDATE frontier SET state = 'pending', owner_pid = NULL"
                         " WHERE state = 'in_flight' AND updated_at < ?1");
    if (!stale || Bound(stale.get()).text(kst_iso(wall_now() - k_in_flight_lease)).step() != SQLITE_DONE) {
        return std::unexpected(error("cannot recover in-flight items"));
    }
    recovered += static_cast<size_t>(sqlite3_changes(m_db.get()));
    return recovered;
}

std::expected<void, LedgerError>
Frontier::archived(const FrontierItem& item, std::optional<WallClock::time_point> next_visit, WallClock::time_point now)
{
    bool done = !next_visit.has_value();
    auto stmt = done ? prepare("UPDATE frontier SET state = 'done', owner_pid = NULL, attempts = 0,"
                               " last_error = NULL, updated_at = ?2 WHERE id = ?1")
                     : prepare("UPDATE frontier SET state = 'pending', owner_pid = NULL, source = 'revisit',"
                               " priority = ?3, attempts = 0, revisits = revisits + 1, next_at = ?4,"
                               " last_error = NULL, updated_at = ?2 WHERE id = ?1");
    if (!stmt) {
        return std::unexpected(error("cannot update frontier"));
    }
    Bound bound(stmt.get());
    bound.integer(item.id).text(kst_iso(now));
    if (!done) {
        bound.integer(priority_of(QueueSource::revisit)).integer(unix_ms(*next_visit));
    }
    if (bound.step() != SQLITE_DONE) {
        return std::unexpected(error("cannot update frontier"));
    }
    return {};
}

std::expected<void, LedgerError> Frontier::finished(const FrontierItem& item, Settled state, std::string_view reason,
                                                    WallClock::time_point now)
{
    auto stmt = prepare("UPDATE frontier SET state = ?2, owner_pid = NULL, last_error = ?3,"
                        " updated_at = ?4 WHERE id = ?1");
    const std::string_view word = state == Settled::gone ? "gone" : "done";
    if (!stmt || Bound(stmt.get()).integer(item.id).text(word).text(reason).text(kst_iso(now)).step() != SQLITE_DONE) {
        return std::unexpected(error("cannot update frontier"));
    }
    return {};
}

std::expected<void, LedgerError> Frontier::failed(const FrontierItem& item, std::string_view reason,
                                                  const FrontierRetryPolicy& policy, WallClock::time_point now)
{
    int attempts = item.attempts + 1;
    bool final = attempts >= policy.max_attempts;
    auto delay = std::min(policy.max_delay, policy.first_delay * (int64_t{1} << std::min(attempts - 1, 20)));
    auto stmt = prepare("UPDATE frontier SET state = ?2, owner_pid = NULL, attempts = ?3,"
                        " next_at = ?4, last_error = ?5, updated_at = ?6 WHERE id = ?1");
    if (!stmt
        || Bound(stmt.get())
                   .integer(item.id)
                   .text(final ? "failed" : "pending")
                   .integer(attempts)
                   .integer(unix_ms(now + delay))
                   .text(reason)
                   .text(kst_iso(now))
                   .step()
               != SQLITE_DONE) {
        return std::unexpected(error("cannot update frontier"));
    }
    return {};
}

std::expected<void, LedgerError> Frontier::release(const FrontierItem& item)
{
    auto stmt = prepare("UPDATE frontier SET state = 'pending', owner_pid = NULL WHERE id = ?1"
                        " AND state = 'in_flight'");
    if (!stmt || Bound(stmt.get()).integer(item.id).step() != SQLITE_DONE) {
        return std::unexpected(error("cannot update frontier"));
    }
    return {};
}

std::expected<std::vector<parsers::ArticleRef>, LedgerError>
Frontier::unknown(const std::vector<parsers::ArticleRef>& refs)
{
    auto stmt = prepare("SELECT (SELECT count(*) FROM frontier WHERE oid = ?1 AND aid = ?2)"
                        " + (SELECT count(*) FROM articles WHERE oid = ?1 AND aid = ?2)");
    if (!stmt) {
        return std::unexpected(error("cannot prepare lookup"));
    }
    std::vector<parsers::ArticleRef> unknown_refs;
    for (const auto& ref : refs) {
        Bound bound(stmt.get());
        if (bound.text(ref.oid).text(ref.aid).step() != SQLITE_ROW) {
            return std::unexpected(error("cannot look up " + ref.id()));
        }
        if (sqlite3_column_int64(stmt.get(), 0) == 0) {
            unknown_refs.push_back(ref);
        }
    }
    return unknown_refs;
}

std::expected<size_t, LedgerError> Frontier::retry_now(QueueSource source, WallClock::time_point now)
{
    auto stmt = prepare("UPDATE frontier SET state = 'pending', attempts = 0, next_at = ?2,"
                        " updated_at = ?3 WHERE source = ?1 AND (state = 'failed'"
                        " OR (state = 'pending' AND attempts > 0))");
    if (!stmt
        || Bound(stmt.get()).text(to_string(source)).integer(unix_ms(now)).text(kst_iso(now)).step() != SQLITE_DONE) {
        return std::unexpected(error("cannot reschedule failed items"));
    }
    return static_cast<size_t>(sqlite3_changes(m_db.get()));
}

std::expected<size_t, LedgerError> Frontier::shed_late_revisits(WallClock::time_point now, std::chrono::seconds late)
{
    auto stmt = prepare("UPDATE frontier SET state = 'done', last_error = 'shed: the queue was behind',"
                        " updated_at = ?2 WHERE source = 'revisit' AND state = 'pending' AND next_at < ?1");
    if (!stmt || Bound(stmt.get()).integer(unix_ms(now - late)).text(kst_iso(now)).step() != SQLITE_DONE) {
        return std::unexpected(error("cannot shed late revisits"));
    }
    return static_cast<size_t>(sqlite3_changes(m_db.get()));
}

std::expected<std::map<std::string, int64_t>, LedgerError> Frontier::counts_by_state()
{
    auto stmt = prepare("SELECT state, count(*) FROM frontier GROUP BY state");
    if (!stmt) {
        return std::unexpected(error("cannot count frontier"));
    }
    std::map<std::string, int64_t> counts{{"pending", 0}, {"in_flight", 0}, {"done", 0}, {"failed", 0}, {"gone", 0}};
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
        counts[column_text(stmt.get(), 0).value_or("")] = sqlite3_column_int64(stmt.get(), 1);
    }
    return counts;
}

std::expected<int64_t, LedgerError> Frontier::ready_count(WallClock::time_point now, std::optional<QueueSource> source)
{
    auto stmt = prepare("SELECT count(*) FROM frontier WHERE state = 'pending' AND next_at <= ?1"
                        " AND (?2 = '' OR source = ?2)");
    if (!stmt || Bound(stmt.get()).integer(unix_ms(now)).text(source ? to_string(*source) : "").step() != SQLITE_ROW) {
        return std::unexpected(error("cannot count frontier"));
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

std::optional<WallClock::time_point> next_revisit(std::string_view published_at,
                                                  const std::vector<std::chrono::seconds>& delays, int revisits_done,
                                                  WallClock::time_point now)
{
    auto published = parse_kst_iso(published_at);
    if (!published) {
        return std::nullopt;
    }
    for (size_t i = static_cast<size_t>(std::max(0, revisits_done)); i < delays.size(); ++i) {
        if (*published + delays[i] > now) {
            return *published + delays[i];
        }
    }
    return std::nullopt;
}

} // namespace sillok::daemon
