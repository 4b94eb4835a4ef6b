#include "daemon/discovery/robots.hpp"

#include "daemon/ledger/sql.hpp"
#include "parsers/robots.hpp"
#include "parsers/text.hpp"

namespace sillok::daemon {

using sql::Bound;

LedgerError RobotsLedger::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()),
                       sqlite3_extended_errcode(m_db.get()) & 0xff};
}

std::expected<RobotsLedger, LedgerError> RobotsLedger::open(const std::filesystem::path& ledger)
{
    std::string reason;
    auto db = sql::open_state_connection(ledger, reason);
    if (!db) {
        return std::unexpected(LedgerError{reason, SQLITE_CANTOPEN});
    }
    return RobotsLedger(std::move(db));
}

std::expected<bool, LedgerError> RobotsLedger::due(const std::string& host, WallClock::time_point now)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT count(*) FROM robots WHERE host = ?1 AND fetched_at > ?2");
    if (!stmt || Bound(stmt.get()).text(host).integer(unix_ms(now - k_robots_every)).step() != SQLITE_ROW) {
        return std::unexpected(error("cannot read robots.txt records"));
    }
    return sqlite3_column_int64(stmt.get(), 0) == 0;
}

namespace {

// Each line of `rules` as quoted_for_message shows it: a control byte cannot reach a terminal.
std::string escaped_lines(std::string_view rules)
{
    std::string out;
    while (!rules.empty()) {
        auto end = rules.find('\n');
        out += parsers::quoted_for_message(rules.substr(0, end), 1000) + "\n";
        rules.remove_prefix(end == std::string_view::npos ? rules.size() : end + 1);
    }
    return out;
}

// The part of a robots.txt that is read: all of it, or its first k_robots_read_bytes up to the
// last line break within them (a rule cut in half is not a rule).
std::string_view read_part(std::string_view body)
{
    if (body.size() <= k_robots_read_bytes) {
        return body;
    }
    auto head = body.substr(0, k_robots_read_bytes);
    auto last_break = head.find_last_of("\r\n");
    return last_break == std::string_view::npos ? std::string_view() : head.substr(0, last_break + 1);
}

} // namespace

std::expected<std::string, LedgerError> RobotsLedger::record(const std::string& host, long status,
                                                             const std::string& whole_body,
                                                             std::string_view product_token, WallClock::time_point now,
                                                             bool too_large)
{
    const std::string body(read_part(whole_body));
    std::string rules;
    if (too_large) {
        rules = std::string(k_robots_too_large) + "\n";
    } else {
        for (const auto& rule : parsers::robots_rules(body, product_token)) {
            rules += rule + "\n";
        }
    }
    auto stmt = sql::prepare(m_db.get(), "INSERT INTO robots (host, fetched_at, status, body, rules)"
                                         " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host) DO UPDATE SET"
                                         " fetched_at = ?2, status = ?3, body = ?4, rules = ?5");
    if (!stmt
        || Bound(stmt.get()).text(host).integer(unix_ms(now)).integer(int64_t{status}).text(body).text(rules).step()
               != SQLITE_DONE) {
        return std::unexpected(error("cannot record robots.txt"));
    }
    return escaped_lines(rules);
}

std::string product_token(std::string_view user_agent)
{
    auto end = user_agent.find_first_of("/ ");
    return std::string(user_agent.substr(0, end));
}

std::expected<std::vector<RobotsEntry>, std::string> read_robots(sqlite3* db)
{
    auto stmt = sql::prepare(db, "SELECT host, fetched_at, status, rules FROM robots ORDER BY host");
    if (!stmt) {
        return std::unexpected(std::string("cannot read robots.txt records: ") + sqlite3_errmsg(db));
    }
    std::vector<RobotsEntry> entries;
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
        entries.push_back(RobotsEntry{sql::column_text(stmt.get(), 0).value_or(""),
                                      from_unix_ms(sqlite3_column_int64(stmt.get(), 1)),
                                      static_cast<long>(sqlite3_column_int64(stmt.get(), 2)),
                                      escaped_lines(sql::column_text(stmt.get(), 3).value_or(""))});
    }
    return entries;
}

} // namespace sillok::daemon
