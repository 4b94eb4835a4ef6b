#pragma once
// What the ledger says about the archive's state: for `sillok status`, the service's
// STATUS= line and the Prometheus textfile. Reads only; works while the service runs.
#include "daemon/discovery/robots.hpp"
#include "daemon/discovery/source_health.hpp"
#include "daemon/fetch/politeness.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/kst.hpp"

#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

struct LedgerStats {
    std::map<std::string, int64_t> frontier; // by state
    int64_t articles = 0;
    int64_t versions = 0;
    int64_t articles_last_24h = 0; // first archived in the last 24 hours
    int64_t versions_last_24h = 0;
    int64_t versions_today = 0;              // since 00:00 KST
    std::optional<std::string> last_success; // start of the last fetch that got a 2xx
    int64_t fetches_last_24h = 0;
    int64_t failed_fetches_last_24h = 0;
    std::vector<PausedHost> paused;
    std::vector<std::pair<std::string, std::string>> last_errors; // (time, "url: error")
    std::vector<SourceSummary> sources;                           // discovery's sources, by name
    std::string sources_error;                                    // why the sources could not be read, if so
    std::vector<RobotsEntry> robots;                              // each host's latest robots.txt
    int64_t listing_fetches_last_24h = 0;                         // requests to the listing host
    // The hours the last-24-hour figures cover: 24, or less on an archive younger than a day
    // (since its first fetch), so that rates are not diluted by hours that did not exist.
    double observed_hours = 24;
    // Items in flight whose owner no longer runs: they return to the queue at the next start.
    int64_t in_flight_of_stopped = 0;
    int64_t due_pending = 0;                  // pending items whose time has come
    std::optional<int64_t> queue_lag_seconds; // how long the oldest of them has waited
    // How article pages were read (the ledger's extractions): from their regions, or whole
    // (the fallback; a rising share is layout drift that defeats the fast path).
    int64_t extract_regions_today = 0;
    int64_t extract_whole_page_today = 0;
    int64_t extract_regions_total = 0;
    int64_t extract_whole_page_total = 0;
    std::string last_fallback; // why the latest whole-page parse happened, "" when none
};

// Requests an hour the observed work needs against the budget the rate allows.
struct Capacity {
    double listings_per_hour = 0;
    double articles_per_hour = 0;
    double revisits_per_hour = 0;
    double budget_per_hour = 0; // 0: unlimited
    [[nodiscard]] double demand_per_hour() const { return listings_per_hour + articles_per_hour + revisits_per_hour; }
    [[nodiscard]] bool over_budget() const { return budget_per_hour > 0 && demand_per_hour() > budget_per_hour; }
};
Capacity capacity(const LedgerStats& stats, double rate, size_t revisits_per_article);
std::string render_capacity(const LedgerStats& stats, const Capacity& capacity);

// What the running service adds to the ledger's figures, for STATUS= and the metrics: demand
// against the budget of its rate, and whether the queue falls behind (BacklogTrend).
struct ServiceLoad {
    Capacity capacity;
    bool falling_behind = false;
};

std::expected<LedgerStats, LedgerError> read_stats(const std::filesystem::path& ledger, WallClock::time_point now);

// For people: `sillok status`.
std::string render_status(const LedgerStats& stats, WallClock::time_point now);
// One line for systemd's STATUS=.
std::string status_line(const LedgerStats& stats, const std::optional<ServiceLoad>& load = std::nullopt);
// node_exporter's textfile collector format.
std::string render_prometheus(const LedgerStats& stats, WallClock::time_point now,
                              const std::optional<ServiceLoad>& load = std::nullopt);

} // namespace sillok::daemon
