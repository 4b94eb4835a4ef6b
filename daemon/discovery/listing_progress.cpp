#include "daemon/discovery/listing_progress.hpp"

#include "daemon/ledger/sql.hpp"

namespace sillok::daemon {

using sql::Bound;

LedgerError ListingProgress::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()),
                       sqlite3_extended_errcode(m_db.get()) & 0xff};
}

std::expected<ListingProgress, LedgerError> ListingProgress::open(const std::filesystem::path& ledger)
{
    std::string reason;
    auto db = sql::open_state_connection(ledger, reason);
    if (!db) {
        return std::unexpected(LedgerError{reason, SQLITE_CANTOPEN});
    }
    return ListingProgress(std::move(db));
}

std::expected<ListingState, LedgerError> ListingProgress::load(const std::string& key)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT coalesce(page, 1), coalesce(cursor, ''), done, refs_found"
                                         " FROM listings WHERE key = ?1");
    if (!stmt) {
        return std::unexpected(error("cannot read listing progress"));
    }
    int rc = Bound(stmt.get()).text(key).step();
    ListingState state;
    if (rc == SQLITE_ROW) {
        state.page = sqlite3_column_int(stmt.get(), 0);
        state.cursor = sql::column_text(stmt.get(), 1).value_or("");
        state.done = sqlite3_column_int(stmt.get(), 2) != 0;
        state.refs_found = sqlite3_column_int64(stmt.get(), 3);
    } else if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read listing progress"));
    }
    return state;
}

std::expected<void, LedgerError> ListingProgress::save(const std::string& key, std::string_view date,
                                                       const ListingState& state, WallClock::time_point now)
{
    auto stmt =
        sql::prepare(m_db.get(), "INSERT INTO listings (key, date, page, cursor, done, refs_found, updated_at)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (key) DO UPDATE SET page = ?3,"
                                 " cursor = ?4, done = ?5, refs_found = ?6, updated_at = ?7");
    if (!stmt
        || Bound(stmt.get())
                   .text(key)
                   .text(date)
                   .integer(state.page)
                   .text(state.cursor)
                   .integer(state.done ? 1 : 0)
                   .integer(state.refs_found)
                   .text(kst_iso(now))
                   .step()
               != SQLITE_DONE) {
        return std::unexpected(error("cannot record listing progress"));
    }
    return {};
}

} // namespace sillok::daemon
