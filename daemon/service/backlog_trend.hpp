#pragma once
// Whether the queue falls behind: the due part of the queue (pending items whose time has
// come) is sampled once a window. It has fallen behind when it grew over `growing_windows`
// windows in a row: one jump followed by a steady queue is a spike, not a trend. While behind,
// a steady window changes nothing; it has caught up when a window shows it smaller or empty.
// Time is given, so that the rule is tested without waiting.
#include <chrono>
#include <cstdint>
#include <optional>

namespace sillok::daemon {

enum class BacklogChange {
    steady,        // nothing to report
    fell_behind,   // grew over the last growing_windows windows in a row
    still_growing, // behind, and grew again
    caught_up,     // was behind, and is now draining
};

class BacklogTrend {
public:
    using Clock = std::chrono::steady_clock;

    BacklogTrend(Clock::duration window, int growing_windows);

    // Takes the number of due items at `now`; nullopt while the current window is not over
    // (the first call always samples).
    std::optional<BacklogChange> sample(Clock::time_point now, int64_t due);
    [[nodiscard]] bool behind() const { return m_behind; }

private:
    Clock::duration m_window;
    int m_growing_windows;
    std::optional<Clock::time_point> m_next_sample;
    std::optional<int64_t> m_previous;
    int m_growing = 0;
    bool m_behind = false;
};

} // namespace sillok::daemon
