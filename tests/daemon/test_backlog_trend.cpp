// Whether the queue falls behind, with the time given: a backlog that grows window after
// window is reported, a one-off spike is not, and the report clears when the queue drains; and
// what the service's STATUS= line and metrics say of the load.
#include "daemon/service/backlog_trend.hpp"
#include "daemon/service/status.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace {

using namespace sillok::daemon;
using namespace std::chrono_literals;

constexpr auto k_window = 10min;

// Samples `due` once a window, from a fresh start; returns each window's change.
std::vector<BacklogChange> windows(BacklogTrend& trend, BacklogTrend::Clock::time_point& now,
                                   const std::vector<int64_t>& due)
{
    std::vector<BacklogChange> changes;
    for (auto count : due) {
        auto change = trend.sample(now, count);
        REQUIRE(change.has_value());
        changes.push_back(*change);
        now += k_window;
    }
    return changes;
}

} // namespace

TEST_CASE("daemon::BacklogTrend warns when the queue grows over windows, not on a spike, and clears when it drains")
{
    using enum BacklogChange;
    BacklogTrend trend(k_window, 3);
    BacklogTrend::Clock::time_point now{};

    // A one-off spike, then a steady queue: no trend.
    CHECK(windows(trend, now, {10, 500, 500, 500, 480}) == std::vector{steady, steady, steady, steady, steady});
    CHECK_FALSE(trend.behind());

    // Growing, then not, then growing again: the count starts over.
    CHECK(windows(trend, now, {490, 520, 520, 530, 540}) == std::vector{steady, steady, steady, steady, steady});
    CHECK_FALSE(trend.behind());

    // The third window in a row that grows: behind.
    CHECK(windows(trend, now, {550}) == std::vector{fell_behind});
    CHECK(trend.behind());

    // Samples within a window change nothing.
    CHECK_FALSE(trend.sample(now - k_window + 1min, 100000).has_value());
    CHECK_FALSE(trend.sample(now - 1s, 0).has_value());

    // Still growing, then steady: behind all along.
    CHECK(windows(trend, now, {600, 600, 650}) == std::vector{still_growing, steady, still_growing});
    CHECK(trend.behind());

    // It drains: caught up, and a later rise starts a new count.
    CHECK(windows(trend, now, {640, 700, 800}) == std::vector{caught_up, steady, steady});
    CHECK_FALSE(trend.behind());
    CHECK(windows(trend, now, {900}) == std::vector{fell_behind});

    // An empty queue is caught up too.
    CHECK(windows(trend, now, {0}) == std::vector{caught_up});
    CHECK_FALSE(trend.behind());
}

TEST_CASE("daemon::status_line and render_prometheus carry the service's load")
{
    LedgerStats stats;
    stats.frontier = {{"pending", 150}, {"in_flight", 2}, {"done", 10}, {"failed", 0}, {"gone", 0}};
    stats.listing_fetches_last_24h = 24 * 60;
    stats.articles_last_24h = 24 * 1000;
    stats.due_pending = 120;
    stats.queue_lag_seconds = 900;
    const auto now = WallClock::now();

    // Demand 60 + 1000 + 3000 = 4060 requests/h against 3600.
    const ServiceLoad load{capacity(stats, 1.0, 3), true};
    const auto line = status_line(stats, load);
    CHECK(line.starts_with("queue 150 pending, 2 in flight;"));
    CHECK(line.contains("; demand 4060 of 3600 requests/h; 120 due, oldest waiting 900 s; over budget; "
                        "queue falling behind"));
    const auto unlimited = status_line(stats, ServiceLoad{capacity(stats, 0.0, 3), false});
    CHECK(unlimited.contains("; demand 4060 requests/h, no limit; 120 due, oldest waiting 900 s"));
    CHECK_FALSE(unlimited.contains("behind"));
    CHECK_FALSE(status_line(stats).contains("demand"));

    const auto metrics = render_prometheus(stats, now, load);
    CHECK(metrics.contains("\nsillok_queue_due_items 120\n"));
    CHECK(metrics.contains("\nsillok_queue_lag_seconds 900\n"));
    CHECK(metrics.contains("\nsillok_demand_requests_per_hour{work=\"listings\"} 60\n"));
    CHECK(metrics.contains("\nsillok_demand_requests_per_hour{work=\"articles\"} 1000\n"));
    CHECK(metrics.contains("\nsillok_demand_requests_per_hour{work=\"revisits\"} 3000\n"));
    CHECK(metrics.contains("\nsillok_budget_requests_per_hour 3600\n"));
    CHECK(metrics.contains("\nsillok_queue_falling_behind 1\n"));
    CHECK(metrics.contains("# TYPE sillok_demand_requests_per_hour gauge\n"));
}
