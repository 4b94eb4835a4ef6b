#pragma once
// What a backfill tells its operator: on a terminal, a progress bar (days walked, articles
// queued/archived/failed, rate, ETA); without one (cron, journald), a log line per day
// walked; at the end, a one-line summary.
#include "daemon/pipeline/crawl.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace sillok::daemon {

class BackfillProgress {
public:
    BackfillProgress(size_t days, size_t walks, size_t already_walked, std::string first_day);

    // Loop thread.
    void tick();
    void listing_done(size_t day);
    void found(size_t n) { m_found += n; }
    void queued(size_t n) { m_queued += n; }
    void finish();
    // Any thread.
    void article(Outcome outcome);

    [[nodiscard]] std::string summary(bool dry_run, bool complete) const;

private:
    void draw();
    [[nodiscard]] std::string day_name(size_t day) const;

    size_t m_days;
    size_t m_walks;
    size_t m_already_walked;
    std::string m_first_day;
    std::vector<size_t> m_walks_left; // per day
    size_t m_walks_done = 0;
    size_t m_days_done = 0;
    std::atomic<size_t> m_found{0};
    std::atomic<size_t> m_queued{0};
    std::atomic<size_t> m_archived{0};
    std::atomic<size_t> m_gone_or_skipped{0};
    std::atomic<size_t> m_failed{0};
    bool m_terminal;
    std::chrono::steady_clock::time_point m_started;
    std::chrono::steady_clock::time_point m_next_draw{};
};

} // namespace sillok::daemon
