#pragma once
// Walking progress of listings, per (listing, date), in the ledger's listings table: a
// listing fully walked is not walked again; a half-walked one continues where it stopped.
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/util/kst.hpp"

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace sillok::daemon {

struct ListingState {
    int page = 1;       // next page to fetch
    std::string cursor; // next cursor ("" for the first page)
    bool done = false;
    int64_t refs_found = 0;
};

class ListingProgress {
public:
    static std::expected<ListingProgress, LedgerError> open(const std::filesystem::path& ledger);

    // The saved state, or a fresh one for a listing never walked.
    std::expected<ListingState, LedgerError> load(const std::string& key);
    std::expected<void, LedgerError> save(const std::string& key, std::string_view date, const ListingState& state,
                                          WallClock::time_point now);

private:
    explicit ListingProgress(SqliteDb db) : m_db(std::move(db)) {}
    LedgerError error(std::string_view what) const;

    SqliteDb m_db;
};

} // namespace sillok::daemon
