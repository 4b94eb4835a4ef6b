#include "daemon/service/backlog_trend.hpp"

namespace sillok::daemon {

BacklogTrend::BacklogTrend(Clock::duration window, int growing_windows)
    : m_window(window), m_growing_windows(growing_windows)
{
}

std::optional<BacklogChange> BacklogTrend::sample(Clock::time_point now, int64_t due)
{
    if (m_next_sample && now < *m_next_sample) {
        return std::nullopt;
    }
    m_next_sample = now + m_window;
    const bool grew = m_previous && due > *m_previous;
    const bool shrank = m_previous && due < *m_previous;
    m_previous = due;
    m_growing = grew ? m_growing + 1 : 0;
    if (m_behind) {
        if (shrank || due == 0) {
            m_behind = false;
            return BacklogChange::caught_up;
        }
        return grew ? BacklogChange::still_growing : BacklogChange::steady;
    }
    if (m_growing >= m_growing_windows) {
        m_behind = true;
        return BacklogChange::fell_behind;
    }
    return BacklogChange::steady;
}

} // namespace sillok::daemon
