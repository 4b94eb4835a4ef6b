#include "daemon/discovery/source_health.hpp"

#include "daemon/ledger/sql.hpp"

namespace sillok::daemon {
namespace {

using sql::Bound;

constexpr auto k_keep_polls = std::chrono::days(7);
constexpr auto k_prune_every = std::chrono::hours(1);

} // namespace

LedgerError SourceHealth::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()),
                       sqlite3_extended_errcode(m_db.get()) & 0xff};
}

std::expected<SourceHealth, LedgerError> SourceHealth::open(const std::filesystem::path& ledger)
{
    std::string reason;
    auto db = sql::open_state_connection(ledger, reason);
    if (!db) {
        return std::unexpected(LedgerError{reason, SQLITE_CANTOPEN});
    }
    return SourceHealth(std::move(db));
}

std::expected<void, LedgerError> SourceHealth::record(const SourcePoll& poll, WallClock::time_point now)
{
    auto insert = sql::prepare(m_db.get(), "INSERT INTO source_polls (source, url, at, found, added, failure, message)"
                                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert) {
        return std::unexpected(error("cannot record a listing poll"));
    }
    Bound bound(insert.get());
    bound.text(poll.source)
        .text(poll.url)
        .integer(unix_ms(now))
        .integer(static_cast<int64_t>(poll.found))
        .integer(static_cast<int64_t>(poll.added));
    if (poll.failure) {
        bound.text(poll.day_not_begun ? k_day_not_begun : to_string(poll.failure->kind)).text(poll.failure->message);
    } else {
        bound.null().null();
    }
    if (bound.step() != SQLITE_DONE) {
        return std::unexpected(error("cannot record a listing poll"));
    }
    if (now < m_next_prune) {
        return {};
    }
    m_next_prune = now + k_prune_every;
    auto prune = sql::prepare(m_db.get(), "DELETE FROM source_polls WHERE at < ?1");
    if (!prune || Bound(prune.get()).integer(unix_ms(now - k_keep_polls)).step() != SQLITE_DONE) {
        return std::unexpected(error("cannot prune listing polls"));
    }
    return {};
}

std::expected<int64_t, LedgerError> SourceHealth::consecutive_empty(const std::string& source)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT count(*) FROM source_polls WHERE source = ?1 AND failure IS NOT NULL"
                                         " AND failure <> ?2 AND id > coalesce((SELECT max(id) FROM source_polls"
                                         " WHERE source = ?1 AND failure IS NULL), 0)");
    if (!stmt || Bound(stmt.get()).text(source).text(k_day_not_begun).step() != SQLITE_ROW) {
        return std::unexpected(error("cannot read listing polls"));
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

std::expected<std::vector<SourceSummary>, std::string> read_sources(sqlite3* db, WallClock::time_point now)
{
    auto stmt = sql::prepare(
        db,
        "SELECT p.source, (SELECT max(at) FROM source_polls s WHERE s.source = p.source AND s.failure IS NULL),"
        " (SELECT coalesce(sum(added), 0) FROM source_polls s WHERE s.source = p.source AND s.at >= ?1),"
        " (SELECT count(*) FROM source_polls s WHERE s.source = p.source AND s.failure IS NOT NULL"
        "  AND s.failure <> ?2 AND s.id >"
        "  coalesce((SELECT max(id) FROM source_polls t WHERE t.source = p.source AND t.failure IS NULL), 0)),"
        " (SELECT failure || ' ' || url || ': ' || coalesce(message, '') FROM source_polls s"
        "  WHERE s.source = p.source AND s.failure IS NOT NULL AND s.failure <> ?2 ORDER BY s.id DESC LIMIT 1),"
        " (SELECT coalesce(failure = ?2, 0) FROM source_polls s WHERE s.source = p.source ORDER BY s.id DESC LIMIT 1)"
        " FROM (SELECT DISTINCT source FROM source_polls) p ORDER BY p.source");
    if (!stmt) {
        return std::unexpected(std::string("cannot read listing polls: ") + sqlite3_errmsg(db));
    }
    Bound bound(stmt.get());
    bound.integer(unix_ms(now - std::chrono::hours(24))).text(k_day_not_begun);
    std::vector<SourceSummary> sources;
    for (int rc = bound.step(); rc != SQLITE_DONE; rc = sqlite3_step(stmt.get())) {
        if (rc != SQLITE_ROW) {
            return std::unexpected(std::string("cannot read listing polls: ") + sqlite3_errmsg(db));
        }
        SourceSummary summary;
        summary.source = sql::column_text(stmt.get(), 0).value_or("");
        if (sqlite3_column_type(stmt.get(), 1) != SQLITE_NULL) {
            summary.last_success = from_unix_ms(sqlite3_column_int64(stmt.get(), 1));
        }
        summary.new_last_24h = sqlite3_column_int64(stmt.get(), 2);
        summary.consecutive_empty = sqlite3_column_int64(stmt.get(), 3);
        if (summary.consecutive_empty > 0) {
            summary.last_failure = sql::column_text(stmt.get(), 4).value_or("");
        }
        summary.day_not_begun = sqlite3_column_int64(stmt.get(), 5) != 0;
        sources.push_back(std::move(summary));
    }
    return sources;
}

} // namespace sillok::daemon
