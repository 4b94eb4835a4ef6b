#pragma once
// What the running service tells about itself and watches in itself: STATUS= for systemd and
// the metrics textfile every few seconds, whether the queue falls behind (and the late
// revisits it then sheds), and whether its ledger is still the file it opened.
#include "daemon/config/config.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/ledger/ledger_file.hpp"
#include "daemon/service/backlog_trend.hpp"
#include "daemon/service/status.hpp"
#include "daemon/util/systemd.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace sillok::daemon {

class ServiceWatch {
public:
    // config is the service's own, changed in place on reload.
    ServiceWatch(const Config& config, Frontier& frontier, Notifier& notifier);

    // On every turn of the network loop; does its work when its time has come.
    void tick();
    // Why the service must stop on its own: its ledger was deleted or replaced.
    [[nodiscard]] const std::optional<std::string>& lost_ledger() const { return m_lost_ledger; }

private:
    using Steady = std::chrono::steady_clock;

    void publish();
    void watch_backlog(const LedgerStats& stats, WallClock::time_point now);

    const Config& m_config;
    Frontier& m_frontier;
    Notifier& m_notifier;
    BacklogTrend m_backlog;
    Steady::time_point m_next_status{};
    Steady::time_point m_next_metrics{};
    LedgerFileIdentity m_ledger_file;
    std::optional<std::string> m_lost_ledger;
};

} // namespace sillok::daemon
