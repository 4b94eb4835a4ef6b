#pragma once
// Clocks that move only when a test moves them, for the network loop's scheduling.
#include "daemon/fetch/fetch_clock.hpp"

namespace sillok::test {

class FakeClock final : public daemon::FetchClock {
public:
    explicit FakeClock(daemon::WallClock::time_point wall) : m_wall(wall) {}
    [[nodiscard]] daemon::SteadyClock::time_point steady() const override { return m_steady; }
    [[nodiscard]] daemon::WallClock::time_point wall() const override { return m_wall; }
    // Both clocks move together, as they do in a real run.
    void advance(daemon::SteadyClock::duration by)
    {
        m_steady += by;
        m_wall += std::chrono::duration_cast<daemon::WallClock::duration>(by);
    }
    // Moves both clocks to a steady time (never back).
    void advance_to(daemon::SteadyClock::time_point at)
    {
        if (at > m_steady) {
            advance(at - m_steady);
        }
    }

private:
    daemon::SteadyClock::time_point m_steady{std::chrono::hours(1000)};
    daemon::WallClock::time_point m_wall;
};

} // namespace sillok::test
