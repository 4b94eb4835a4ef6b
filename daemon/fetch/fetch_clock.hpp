#pragma once
// The network loop's two clocks, injected so that its scheduling can be tested without
// sleeping: steady time for waits and durations, wall time for the shared per-host budget
// and the fetch records.
#include "daemon/util/kst.hpp"

#include <chrono>

namespace sillok::daemon {

using SteadyClock = std::chrono::steady_clock;

class FetchClock {
public:
    virtual ~FetchClock() = default;
    [[nodiscard]] virtual SteadyClock::time_point steady() const = 0;
    [[nodiscard]] virtual WallClock::time_point wall() const = 0;
};

// std::chrono::steady_clock and wall_now(): the clocks of every real run.
const FetchClock& system_fetch_clock();

} // namespace sillok::daemon
