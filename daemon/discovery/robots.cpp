#include "daemon/discovery/robots.hpp"

#include "daemon/ledger/sql.hpp"
#include "parsers/robots.hpp"

namespace sillok::daemon {

using sql::Bound;

LedgerError RobotsLedger::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()), sqlite3_extended_errcode(m_db.get()) & 0xff};
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

std::expected<std::string, LedgerError> RobotsLedger::record(const std::string& host, long status,
                                                             const std::string& body, std::string_view product_token,
                                                             WallClock::time_point now)
{
    std::string rules;
    for (const auto& rule : parsers::robots_rules(body, product_token)) {
        rules += rule + "\n";
    }
    auto stmt = sql::prepare(m_db.get(), "INSERT INTO robots (host, fetched_at, status, body, rules)"
                                         " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host) DO UPDATE SET"
                                         " fetched_at = ?2, status = ?3, body = ?4, rules = ?5");
    if (!stmt || Bound(stmt.get()).text(host).integer(unix_ms(now)).integer(int64_t{status}).text(body).text(rules)
                         .step()
            != SQLITE_DONE) {
        return std::unexpected(error("cannot record robots.txt"));
    }
    return rules;
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
                                      sql::column_text(stmt.get(), 3).value_or("")});
    }
    return entries;
}

} // namespace sillok::daemon
