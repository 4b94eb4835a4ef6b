#pragma once
// The service's robots.txt: each Naver host's file is fetched once a day (checked hourly),
// kept in the ledger, and what it asks of sillok logged.
#include "daemon/config/config.hpp"
#include "daemon/discovery/robots.hpp"
#include "daemon/fetch/fetch_types.hpp"

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace sillok::daemon {

class RobotsSchedule {
public:
    RobotsSchedule(RobotsLedger& robots, const Config& config) : m_robots(robots), m_config(config) {}

    // Hourly: queues the hosts whose robots.txt is due.
    void tick();
    // The next host whose robots.txt to fetch, taken off the queue.
    std::optional<std::string> next_due();
    // Recorded whatever came back: a failure is an answer too, and the next try is a day later.
    void fetched(const std::string& host, const FetchResult& result);

private:
    RobotsLedger& m_robots;
    const Config& m_config;
    std::deque<std::string> m_due;
    std::chrono::steady_clock::time_point m_next_check{};
};

} // namespace sillok::daemon
