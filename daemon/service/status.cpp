#include "daemon/service/status.hpp"

#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/ledger/sql.hpp"

#include <fmt/format.h>

#include <signal.h>

#include <algorithm>
#include <cerrno>

namespace sillok::daemon {
namespace {

using sql::Bound;
using sql::column_text;

constexpr size_t k_last_errors = 5;

std::optional<int64_t> count(sqlite3* db, std::string_view query, std::string_view since = {})
{
    auto stmt = sql::prepare(db, query);
    if (!stmt) {
        return std::nullopt;
    }
    Bound bound(stmt.get());
    if (!since.empty()) {
        bound.text(since);
    }
    if (bound.step() != SQLITE_ROW) {
        return std::nullopt;
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

std::string kst_midnight(WallClock::time_point now) { return kst_iso(now).substr(0, 10) + "T00:00:00+09:00"; }

void render_sources(const LedgerStats& s, std::string& out)
{
    if (!s.sources_error.empty()) {
        out += "sources: unreadable: " + s.sources_error + "\n";
    }
    for (const auto& source : s.sources) {
        out += fmt::format("source {}: last success {}, {} new articles in the last 24 h, {} empty polls in a row{}\n",
                           source.source, source.last_success ? kst_iso(*source.last_success) : "never",
                           source.new_last_24h, source.consecutive_empty,
                           source.stalled()       ? " (STALLED)"
                           : source.day_not_begun ? " (the new day's list has no article yet)"
                                                  : "");
        if (!source.last_failure.empty()) {
            out += fmt::format("source {}: last failure: {}\n", source.source, source.last_failure);
        }
    }
}

void render_robots(const LedgerStats& s, std::string& out)
{
    for (const auto& entry : s.robots) {
        std::string rules = entry.rules;
        std::ranges::replace(rules, '\n', ';');
        if (rules.ends_with(';')) {
            rules.pop_back();
        }
        if (entry.status >= 400 && entry.status <= 499) {
            out += fmt::format("robots.txt {}: HTTP {}, fetched {}; no robots.txt, so no rules (RFC 9309)\n",
                               entry.host, entry.status, kst_iso(entry.fetched_at));
            continue;
        }
        out += fmt::format("robots.txt {}: HTTP {}, fetched {}; asks of sillok: {}\n", entry.host, entry.status,
                           kst_iso(entry.fetched_at), rules.empty() ? "nothing" : rules);
    }
}

void render_source_metrics(const LedgerStats& s, std::string& out)
{
    if (s.sources.empty()) {
        return;
    }
    out += "# HELP sillok_source_new_articles_last_24h Articles a discovery source found new in the last 24 hours.\n"
           "# TYPE sillok_source_new_articles_last_24h gauge\n";
    for (const auto& source : s.sources) {
        out += fmt::format("sillok_source_new_articles_last_24h{{source=\"{}\"}} {}\n", source.source,
                           source.new_last_24h);
    }
    out += "# HELP sillok_source_consecutive_empty_polls Failed or empty polls of a source since its last success.\n"
           "# TYPE sillok_source_consecutive_empty_polls gauge\n";
    for (const auto& source : s.sources) {
        out += fmt::format("sillok_source_consecutive_empty_polls{{source=\"{}\"}} {}\n", source.source,
                           source.consecutive_empty);
    }
    out += "# HELP sillok_source_stalled 1 when a source's last polls in a row were failed or empty.\n"
           "# TYPE sillok_source_stalled gauge\n";
    for (const auto& source : s.sources) {
        out += fmt::format("sillok_source_stalled{{source=\"{}\"}} {}\n", source.source, source.stalled() ? 1 : 0);
    }
}

void render_queue_metrics(const LedgerStats& s, const std::optional<ServiceLoad>& load, std::string& out)
{
    out += "# HELP sillok_queue_due_items Pending queue items whose time has come.\n"
           "# TYPE sillok_queue_due_items gauge\n";
    out += fmt::format("sillok_queue_due_items {}\n", s.due_pending);
    out += "# HELP sillok_queue_lag_seconds How long the oldest due item has waited (0: none).\n"
           "# TYPE sillok_queue_lag_seconds gauge\n";
    out += fmt::format("sillok_queue_lag_seconds {}\n", s.queue_lag_seconds.value_or(0));
    if (!load) {
        return;
    }
    const auto& c = load->capacity;
    out += "# HELP sillok_demand_requests_per_hour Requests an hour the work needs, at the last 24 hours' rates.\n"
           "# TYPE sillok_demand_requests_per_hour gauge\n";
    out += fmt::format("sillok_demand_requests_per_hour{{work=\"listings\"}} {:.0f}\n", c.listings_per_hour);
    out += fmt::format("sillok_demand_requests_per_hour{{work=\"articles\"}} {:.0f}\n", c.articles_per_hour);
    out += fmt::format("sillok_demand_requests_per_hour{{work=\"revisits\"}} {:.0f}\n", c.revisits_per_hour);
    out += "# HELP sillok_budget_requests_per_hour Requests an hour the rate allows (0: no limit).\n"
           "# TYPE sillok_budget_requests_per_hour gauge\n";
    out += fmt::format("sillok_budget_requests_per_hour {:.0f}\n", c.budget_per_hour);
    out += "# HELP sillok_queue_falling_behind 1 while the queue grows faster than it drains.\n"
           "# TYPE sillok_queue_falling_behind gauge\n";
    out += fmt::format("sillok_queue_falling_behind {}\n", load->falling_behind ? 1 : 0);
}

// The extraction counts; a ledger from before them (read-only, not migrated) has none.
void read_extractions(sqlite3* db, WallClock::time_point now, LedgerStats& stats)
{
    auto totals = sql::prepare(db, "SELECT coalesce(sum(regions), 0), coalesce(sum(whole_page), 0),"
                                   " coalesce(sum(CASE WHEN day = ?1 THEN regions END), 0),"
                                   " coalesce(sum(CASE WHEN day = ?1 THEN whole_page END), 0),"
                                   " (SELECT last_fallback FROM extractions WHERE last_fallback IS NOT NULL"
                                   " ORDER BY day DESC LIMIT 1) FROM extractions");
    if (!totals || Bound(totals.get()).text(iso_date(kst_today(now))).step() != SQLITE_ROW) {
        return;
    }
    stats.extract_regions_total = sqlite3_column_int64(totals.get(), 0);
    stats.extract_whole_page_total = sqlite3_column_int64(totals.get(), 1);
    stats.extract_regions_today = sqlite3_column_int64(totals.get(), 2);
    stats.extract_whole_page_today = sqlite3_column_int64(totals.get(), 3);
    stats.last_fallback = column_text(totals.get(), 4).value_or("");
}

void render_extractions(const LedgerStats& s, std::string& out)
{
    out += fmt::format("pages read: today {} from their regions, {} whole (fallback); in all {} and {}\n",
                       s.extract_regions_today, s.extract_whole_page_today, s.extract_regions_total,
                       s.extract_whole_page_total);
    if (!s.last_fallback.empty()) {
        out += "last whole-page fallback: " + s.last_fallback + "\n";
    }
}

} // namespace

std::expected<LedgerStats, LedgerError> read_stats(const std::filesystem::path& ledger, WallClock::time_point now)
{
    auto opened = open_ledger_read_only(ledger);
    if (!opened) {
        return std::unexpected(LedgerError{opened.error(), SQLITE_CANTOPEN});
    }
    SqliteDb db = std::move(*opened);
    auto failure = [&](std::string_view what) {
        return std::unexpected(LedgerError{"cannot read " + std::string(what) + " from " + ledger.string() + ": "
                                               + sqlite3_errmsg(db.get()),
                                           sqlite3_errcode(db.get())});
    };
    LedgerStats stats;
    auto day_ago = kst_iso(now - std::chrono::hours(24));
    auto states = sql::prepare(db.get(), "SELECT state, count(*) FROM frontier GROUP BY state");
    if (!states) {
        return failure("the frontier");
    }
    stats.frontier = {{"pending", 0}, {"in_flight", 0}, {"done", 0}, {"failed", 0}, {"gone", 0}};
    while (sqlite3_step(states.get()) == SQLITE_ROW) {
        stats.frontier[column_text(states.get(), 0).value_or("")] = sqlite3_column_int64(states.get(), 1);
    }
    // In flight only for processes that still run; a stopped one's items wait for the next start.
    auto owners = sql::prepare(db.get(), "SELECT owner_pid, count(*) FROM frontier WHERE state = 'in_flight'"
                                         " GROUP BY owner_pid");
    while (owners && sqlite3_step(owners.get()) == SQLITE_ROW) {
        const auto pid = static_cast<pid_t>(sqlite3_column_int64(owners.get(), 0));
        const bool alive = pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
        if (!alive) {
            const auto n = sqlite3_column_int64(owners.get(), 1);
            stats.frontier["in_flight"] -= n;
            stats.frontier["pending"] += n;
            stats.in_flight_of_stopped += n;
        }
    }
    auto articles = count(db.get(), "SELECT count(*) FROM articles WHERE state = 'archived'");
    auto versions = count(db.get(), "SELECT count(*) FROM versions");
    auto articles_24h =
        count(db.get(), "SELECT count(*) FROM articles WHERE state = 'archived' AND first_seen >= ?1", day_ago);
    auto versions_24h = count(db.get(), "SELECT count(*) FROM versions WHERE first_seen >= ?1", day_ago);
    auto versions_today = count(db.get(), "SELECT count(*) FROM versions WHERE first_seen >= ?1", kst_midnight(now));
    auto fetches_24h = count(db.get(), "SELECT count(*) FROM fetches WHERE started_at >= ?1", day_ago);
    // A robots.txt answered 4xx is no rules (RFC 9309 2.3.1.3), not a failure.
    auto failed_24h = count(db.get(),
                            "SELECT count(*) FROM fetches WHERE started_at >= ?1 AND error IS NOT NULL"
                            " AND NOT (url LIKE '%/robots.txt' AND status BETWEEN 400 AND 499)",
                            day_ago);
    if (!articles || !versions || !articles_24h || !versions_24h || !versions_today || !fetches_24h || !failed_24h) {
        return failure("counts");
    }
    stats.articles = *articles;
    stats.versions = *versions;
    stats.articles_last_24h = *articles_24h;
    stats.versions_last_24h = *versions_24h;
    stats.versions_today = *versions_today;
    stats.fetches_last_24h = *fetches_24h;
    stats.failed_fetches_last_24h = *failed_24h;

    auto last = sql::prepare(db.get(), "SELECT max(started_at) FROM fetches WHERE status BETWEEN 200 AND 299");
    if (last && sqlite3_step(last.get()) == SQLITE_ROW) {
        stats.last_success = column_text(last.get(), 0);
    }
    auto errors = sql::prepare(db.get(), "SELECT started_at, url, error FROM fetches WHERE error IS NOT NULL"
                                         " AND NOT (url LIKE '%/robots.txt' AND status BETWEEN 400 AND 499)"
                                         " ORDER BY id DESC LIMIT ?1");
    if (errors && Bound(errors.get()).integer(static_cast<int64_t>(k_last_errors)).step() == SQLITE_ROW) {
        do {
            stats.last_errors.emplace_back(column_text(errors.get(), 0).value_or(""),
                                           column_text(errors.get(), 1).value_or("") + ": "
                                               + column_text(errors.get(), 2).value_or(""));
        } while (sqlite3_step(errors.get()) == SQLITE_ROW);
    }
    auto paused = sql::prepare(db.get(), "SELECT host, paused_until, coalesce(pause_reason, '') FROM hosts"
                                         " WHERE paused_until > ?1 ORDER BY host");
    if (paused && Bound(paused.get()).integer(unix_ms(now)).step() == SQLITE_ROW) {
        do {
            stats.paused.push_back({column_text(paused.get(), 0).value_or(""),
                                    from_unix_ms(sqlite3_column_int64(paused.get(), 1)),
                                    column_text(paused.get(), 2).value_or("")});
        } while (sqlite3_step(paused.get()) == SQLITE_ROW);
    }
    auto listings_24h = count(db.get(),
                              "SELECT count(*) FROM fetches WHERE started_at >= ?1"
                              " AND url LIKE 'https://news.naver.com/%'",
                              day_ago);
    stats.listing_fetches_last_24h = listings_24h.value_or(0);
    auto first = sql::prepare(db.get(), "SELECT min(started_at) FROM fetches");
    if (first && sqlite3_step(first.get()) == SQLITE_ROW) {
        if (auto since = parse_kst_iso(column_text(first.get(), 0).value_or(""))) {
            using hours = std::chrono::duration<double, std::ratio<3600>>;
            // At least a quarter of an hour: a minute-old archive's rates say nothing yet.
            stats.observed_hours = std::clamp(std::chrono::duration_cast<hours>(now - *since).count(), 0.25, 24.0);
        }
    }
    auto due =
        sql::prepare(db.get(), "SELECT count(*), min(next_at) FROM frontier WHERE state = 'pending' AND next_at <= ?1");
    if (due && Bound(due.get()).integer(unix_ms(now)).step() == SQLITE_ROW) {
        stats.due_pending = sqlite3_column_int64(due.get(), 0);
        if (sqlite3_column_type(due.get(), 1) != SQLITE_NULL) {
            stats.queue_lag_seconds = (unix_ms(now) - sqlite3_column_int64(due.get(), 1)) / 1000;
        }
    }
    read_extractions(db.get(), now, stats);
    if (auto robots = read_robots(db.get())) {
        stats.robots = std::move(*robots);
    }
    if (auto sources = read_sources(db.get(), now)) {
        stats.sources = std::move(*sources);
    } else {
        stats.sources_error = sources.error();
    }
    return stats;
}

std::string render_status(const LedgerStats& s, WallClock::time_point now)
{
    std::string out;
    out +=
        fmt::format("queue: {} pending, {} in flight, {} done, {} failed, {} gone\n", s.frontier.at("pending"),
                    s.frontier.at("in_flight"), s.frontier.at("done"), s.frontier.at("failed"), s.frontier.at("gone"));
    if (s.in_flight_of_stopped > 0) {
        out += fmt::format("queue: {} of the pending were in flight in a process that stopped; they are fetched "
                           "at the next start\n",
                           s.in_flight_of_stopped);
    }
    out += fmt::format("archived: {} articles, {} versions (last 24 h: {} articles, {} versions; today: {} versions)\n",
                       s.articles, s.versions, s.articles_last_24h, s.versions_last_24h, s.versions_today);
    out += fmt::format("fetches in the last 24 h: {}, of which failed: {}\n", s.fetches_last_24h,
                       s.failed_fetches_last_24h);
    out += "last successful fetch: " + s.last_success.value_or("never") + "\n";
    if (s.paused.empty()) {
        out += "paused hosts: none\n";
    }
    for (const auto& host : s.paused) {
        out += fmt::format("paused host: {} until {} ({})\n", host.host, kst_iso(host.until), host.reason);
    }
    for (const auto& [at, error] : s.last_errors) {
        out += "recent error: " + at + " " + error + "\n";
    }
    render_extractions(s, out);
    render_sources(s, out);
    render_robots(s, out);
    static_cast<void>(now);
    return out;
}

Capacity capacity(const LedgerStats& s, double rate, size_t revisits_per_article)
{
    Capacity c;
    c.listings_per_hour = static_cast<double>(s.listing_fetches_last_24h) / s.observed_hours;
    c.articles_per_hour = static_cast<double>(s.articles_last_24h) / s.observed_hours;
    c.revisits_per_hour = c.articles_per_hour * static_cast<double>(revisits_per_article);
    c.budget_per_hour = rate * 3600.0;
    return c;
}

std::string render_capacity(const LedgerStats& s, const Capacity& c)
{
    auto out = fmt::format("capacity: demand {:.0f} requests/h ({:.0f} listings, {:.0f} new articles, {:.0f} revisits, "
                           "at the rates of {}) against a budget of {}\n",
                           c.demand_per_hour(), c.listings_per_hour, c.articles_per_hour, c.revisits_per_hour,
                           s.observed_hours >= 24 ? std::string("the last 24 h")
                                                  : fmt::format("the {:.1f} h since the first fetch", s.observed_hours),
                           c.budget_per_hour > 0 ? fmt::format("{:.0f} requests/h", c.budget_per_hour)
                                                 : std::string("no limit (rate 0)"));
    if (c.over_budget()) {
        out += "capacity: WARNING: the sections need more requests than the rate allows; the queue falls behind\n";
    }
    out += fmt::format("queue lag: {} items due, the oldest waiting {}\n", s.due_pending,
                       s.queue_lag_seconds ? fmt::format("{} s", *s.queue_lag_seconds) : std::string("-"));
    return out;
}

std::string status_line(const LedgerStats& s, const std::optional<ServiceLoad>& load)
{
    auto line = fmt::format("queue {} pending, {} in flight; {} saved today; {} archived", s.frontier.at("pending"),
                            s.frontier.at("in_flight"), s.versions_today, s.articles);
    if (load) {
        const auto& c = load->capacity;
        line += c.budget_per_hour > 0
                    ? fmt::format("; demand {:.0f} of {:.0f} requests/h", c.demand_per_hour(), c.budget_per_hour)
                    : fmt::format("; demand {:.0f} requests/h, no limit", c.demand_per_hour());
        line += fmt::format("; {} due, oldest waiting {} s", s.due_pending, s.queue_lag_seconds.value_or(0));
        if (c.over_budget()) {
            line += "; over budget";
        }
        if (load->falling_behind) {
            line += "; queue falling behind";
        }
    }
    if (s.extract_whole_page_today > 0) {
        line += fmt::format("; {} whole-page parses today", s.extract_whole_page_today);
    }
    for (const auto& host : s.paused) {
        line += "; paused " + host.host;
    }
    for (const auto& source : s.sources) {
        if (source.stalled()) {
            line += "; discovery stalled: " + source.source;
        }
    }
    return line;
}

std::string render_prometheus(const LedgerStats& s, WallClock::time_point now, const std::optional<ServiceLoad>& load)
{
    std::string out;
    out += "# HELP sillok_frontier_items Articles in the frontier by state.\n# TYPE sillok_frontier_items gauge\n";
    for (const auto& [state, n] : s.frontier) {
        out += fmt::format("sillok_frontier_items{{state=\"{}\"}} {}\n", state, n);
    }
    out += "# HELP sillok_articles Articles archived.\n# TYPE sillok_articles gauge\n";
    out += fmt::format("sillok_articles {}\n", s.articles);
    out += "# HELP sillok_versions Article versions archived.\n# TYPE sillok_versions gauge\n";
    out += fmt::format("sillok_versions {}\n", s.versions);
    out += "# HELP sillok_fetches_last_24h HTTP attempts in the last 24 hours.\n# TYPE sillok_fetches_last_24h gauge\n";
    out += fmt::format("sillok_fetches_last_24h {}\n", s.fetches_last_24h);
    out += "# HELP sillok_failed_fetches_last_24h Failed HTTP attempts in the last 24 hours.\n"
           "# TYPE sillok_failed_fetches_last_24h gauge\n";
    out += fmt::format("sillok_failed_fetches_last_24h {}\n", s.failed_fetches_last_24h);
    out += "# HELP sillok_paused_hosts Hosts paused by the circuit breaker.\n# TYPE sillok_paused_hosts gauge\n";
    out += fmt::format("sillok_paused_hosts {}\n", s.paused.size());
    if (s.last_success) {
        if (auto at = parse_kst_iso(*s.last_success)) {
            out += "# HELP sillok_last_success_timestamp_seconds Start of the last successful fetch.\n"
                   "# TYPE sillok_last_success_timestamp_seconds gauge\n";
            out += fmt::format("sillok_last_success_timestamp_seconds {}\n", unix_ms(*at) / 1000);
        }
    }
    out += "# HELP sillok_pages_read_total Article pages parsed, by how: their regions, or whole (the fallback).\n"
           "# TYPE sillok_pages_read_total counter\n";
    out += fmt::format("sillok_pages_read_total{{path=\"regions\"}} {}\n", s.extract_regions_total);
    out += fmt::format("sillok_pages_read_total{{path=\"whole_page\"}} {}\n", s.extract_whole_page_total);
    render_source_metrics(s, out);
    render_queue_metrics(s, load, out);
    out += fmt::format("# HELP sillok_status_timestamp_seconds When this file was written.\n"
                       "# TYPE sillok_status_timestamp_seconds gauge\nsillok_status_timestamp_seconds {}\n",
                       unix_ms(now) / 1000);
    return out;
}

} // namespace sillok::daemon
