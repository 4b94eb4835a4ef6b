#include "daemon/service/service_watch.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>

namespace sillok::daemon {
namespace {

constexpr auto k_status_every = std::chrono::seconds(5);
constexpr auto k_metrics_every = std::chrono::seconds(30);
// The queue is compared with itself every window; growing over k_growing_windows in a row
// means the budget is too small for the sections: warn, and give up revisits this late while
// it stays behind (BacklogTrend).
constexpr auto k_backlog_window = std::chrono::minutes(10);
constexpr int k_growing_windows = 3;
constexpr auto k_late_revisit = std::chrono::hours(6);

// Written beside the target and renamed, so the collector never reads half a file.
void write_metrics(const std::string& path, const std::string& text)
{
    auto temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << text;
        if (!out) {
            spdlog::warn("cannot write metrics file {}", temp);
            return;
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        spdlog::warn("cannot write metrics file {}", path);
    }
}

} // namespace

ServiceWatch::ServiceWatch(const Config& config, Frontier& frontier, Notifier& notifier)
    : m_config(config), m_frontier(frontier), m_notifier(notifier), m_backlog(k_backlog_window, k_growing_windows),
      m_ledger_file(LedgerFileIdentity::of(config.ledger_path()))
{
}

void ServiceWatch::tick()
{
    if (Steady::now() >= m_next_status) {
        publish();
        m_next_status = Steady::now() + k_status_every;
    }
}

void ServiceWatch::publish()
{
    if (auto in_place = m_ledger_file.still_in_place(); !in_place && !m_lost_ledger) {
        spdlog::error("{}", in_place.error());
        m_lost_ledger = in_place.error();
        return;
    }
    auto now = wall_now();
    auto stats = read_stats(m_config.ledger_path(), now);
    if (!stats) {
        spdlog::warn("{}", stats.error().message);
        return;
    }
    watch_backlog(*stats, now);
    const ServiceLoad load{capacity(*stats, m_config.rate, m_config.revisit_after.size()), m_backlog.behind()};
    m_notifier.status(status_line(*stats, load));
    if (!m_config.metrics_file.empty() && Steady::now() >= m_next_metrics) {
        write_metrics(m_config.metrics_file, render_prometheus(*stats, now, load));
        m_next_metrics = Steady::now() + k_metrics_every;
    }
}

// Warns when the due part of the queue grows window after window, and sheds the least
// valuable work first while it stays behind: revisits long overdue, so that new articles
// keep their place.
void ServiceWatch::watch_backlog(const LedgerStats& stats, WallClock::time_point now)
{
    auto change = m_backlog.sample(Steady::now(), stats.due_pending);
    if (!change) {
        return;
    }
    if (*change == BacklogChange::caught_up) {
        spdlog::info("the queue drains again: {} items due", stats.due_pending);
    }
    if (!m_backlog.behind()) {
        return;
    }
    if (*change != BacklogChange::steady) {
        auto need = capacity(stats, m_config.rate, m_config.revisit_after.size());
        spdlog::warn("the queue grows faster than it drains: {} items due, the oldest waiting {} s; the sections "
                     "need about {:.0f} requests/h against a budget of {:.0f}/h",
                     stats.due_pending, stats.queue_lag_seconds.value_or(0), need.demand_per_hour(),
                     need.budget_per_hour);
    }
    if (auto shed = m_frontier.shed_late_revisits(now, k_late_revisit); shed && *shed > 0) {
        spdlog::warn("shed {} revisits more than {} h late", *shed, k_late_revisit.count());
    } else if (!shed) {
        spdlog::error("{}", shed.error().message);
    }
}

} // namespace sillok::daemon
