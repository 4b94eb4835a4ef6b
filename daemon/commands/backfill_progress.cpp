#include "daemon/commands/backfill_progress.hpp"

#include "daemon/util/kst.hpp"
#include "daemon/util/progress_line.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>

namespace sillok::daemon {
namespace {

using Steady = std::chrono::steady_clock;
constexpr auto k_draw_every = std::chrono::milliseconds(500);

std::string duration_text(double seconds)
{
    auto total = static_cast<long>(seconds);
    return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
}

} // namespace

BackfillProgress::BackfillProgress(size_t days, size_t walks, size_t already_walked, std::string first_day)
    : m_days(days), m_walks(walks), m_already_walked(already_walked), m_first_day(std::move(first_day)),
      m_walks_left(days, days == 0 ? 0 : walks / days), m_terminal(::isatty(STDERR_FILENO) == 1),
      m_started(Steady::now())
{
}

std::string BackfillProgress::day_name(size_t day) const
{
    auto first = parse_kst_date(m_first_day, wall_now());
    if (!first) {
        return m_first_day + "+" + std::to_string(day);
    }
    return iso_date(std::chrono::year_month_day{std::chrono::sys_days{*first} + std::chrono::days(day)});
}

void BackfillProgress::listing_done(size_t day)
{
    ++m_walks_done;
    if (day >= m_walks_left.size() || m_walks_left[day] == 0 || --m_walks_left[day] > 0) {
        return;
    }
    ++m_days_done;
    if (!m_terminal) {
        spdlog::info("{}: listings walked ({}/{} days); {} articles listed, {} queued, {} archived, {} failed so far",
                     day_name(day), m_days_done, m_days, m_found.load(), m_queued.load(), m_archived.load(),
                     m_failed.load());
    }
}

void BackfillProgress::article(Outcome outcome)
{
    switch (outcome) {
    case Outcome::saved:
    case Outcome::updated:
    case Outcome::unchanged:
        ++m_archived;
        break;
    case Outcome::gone:
    case Outcome::skipped:
        ++m_gone_or_skipped;
        break;
    case Outcome::failed:
        ++m_failed;
        break;
    }
}

void BackfillProgress::tick()
{
    if (!m_terminal || Steady::now() < m_next_draw) {
        return;
    }
    m_next_draw = Steady::now() + k_draw_every;
    draw();
}

void BackfillProgress::draw()
{
    double elapsed = std::chrono::duration<double>(Steady::now() - m_started).count();
    size_t processed = m_archived + m_gone_or_skipped + m_failed;
    double rate = elapsed > 0 ? static_cast<double>(processed) / elapsed : 0;
    // Remaining: the articles queued but not done, plus the days not walked at this run's pace.
    double days_left = static_cast<double>(m_days - m_days_done);
    double per_day = m_days_done > 0 ? elapsed / static_cast<double>(m_days_done) : 0;
    double eta = std::max(rate > 0 ? static_cast<double>(m_queued - std::min<size_t>(m_queued, processed)) / rate : 0,
                          per_day * days_left);
    constexpr int k_width = 20;
    auto filled = m_days == 0 ? k_width : static_cast<int>(k_width * m_days_done / m_days);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(k_width, '.');
    draw_progress_line(fmt::format("[{}] days {}/{}  queued {}  archived {}  failed {}  {:.1f} articles/s  ETA {}", bar,
                                   m_days_done, m_days, m_queued.load(), m_archived.load(), m_failed.load(), rate,
                                   (m_days_done == 0 && processed == 0) ? "?" : duration_text(eta)));
}

void BackfillProgress::finish()
{
    if (m_terminal) {
        draw();
        end_progress_line();
    }
}

std::string BackfillProgress::summary(bool dry_run, bool complete) const
{
    double elapsed = std::chrono::duration<double>(Steady::now() - m_started).count();
    size_t processed = m_archived + m_gone_or_skipped + m_failed;
    if (complete && m_already_walked == m_walks && processed == 0 && m_queued == 0) {
        return fmt::format("summary\tnothing left: all {} listings of the {} days were walked before and no article "
                           "is waiting",
                           m_walks, m_days);
    }
    if (dry_run) {
        return fmt::format("summary\tdry run: {}/{} days walked, {} articles listed, {} would be queued", m_days_done,
                           m_days, m_found.load(), m_queued.load());
    }
    return fmt::format("summary\t{}: {}/{} days walked, {} articles listed, {} queued, {} archived, {} gone or "
                       "skipped, {} failed, in {}",
                       complete ? "complete" : "incomplete (run again to resume)", m_days_done, m_days, m_found.load(),
                       m_queued.load(), m_archived.load(), m_gone_or_skipped.load(), m_failed.load(),
                       duration_text(elapsed));
}

} // namespace sillok::daemon
