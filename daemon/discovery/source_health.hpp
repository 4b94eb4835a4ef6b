#pragma once
// The health of discovery's sources, in the ledger's source_polls table: every walk of a
// source is recorded with what it found or the typed failure that ended it. A source whose
// last k_stall_polls walks in a row failed or came back empty has stalled: the service warns
// (log, STATUS=, metrics) and walks the source's fallback.
//
// One empty answer is not silence: the per-date list of a Korean day that has just begun
// (Discovery decides when, see discovery.hpp). Such a poll is recorded as "day_not_begun":
// it is neither a success nor a step towards a stall.
#include "daemon/discovery/listing_walk.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/util/kst.hpp"

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

inline constexpr int64_t k_stall_polls = 3;
inline constexpr std::string_view k_day_not_begun = "day_not_begun"; // the failure column's value

struct SourcePoll {
    std::string source; // "date 100", "latest 100/264", "home 100", "press 015"
    std::string url;
    size_t found = 0;
    size_t added = 0;
    std::optional<ListingFailure> failure;
    bool day_not_begun = false; // the failure is the empty list of a day that has just begun
};

struct SourceSummary {
    std::string source;
    std::optional<WallClock::time_point> last_success;
    int64_t new_last_24h = 0;      // articles new to the frontier in the last 24 hours
    int64_t consecutive_empty = 0; // failed or empty walks since the last success (day_not_begun aside)
    std::string last_failure;      // "kind url: message" of the latest failure after the last success
    bool day_not_begun = false;    // the latest poll found the list of a day just begun still empty

    [[nodiscard]] bool stalled() const { return consecutive_empty >= k_stall_polls; }
};

class SourceHealth {
public:
    static std::expected<SourceHealth, LedgerError> open(const std::filesystem::path& ledger);

    std::expected<void, LedgerError> record(const SourcePoll& poll, WallClock::time_point now);
    // Failed or empty walks of `source` since its last success (day_not_begun ones aside).
    std::expected<int64_t, LedgerError> consecutive_empty(const std::string& source);

private:
    explicit SourceHealth(SqliteDb db) : m_db(std::move(db)) {}
    LedgerError error(std::string_view what) const;

    SqliteDb m_db;
    WallClock::time_point m_next_prune{}; // polls older than a week are deleted once an hour
};

// Every source the ledger has seen, by name; for `status`, STATUS= and metrics.
std::expected<std::vector<SourceSummary>, std::string> read_sources(sqlite3* db, WallClock::time_point now);

} // namespace sillok::daemon
