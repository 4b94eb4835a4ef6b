#include "daemon/fetch/host_schedule.hpp"

#include <spdlog/spdlog.h>

namespace sillok::daemon {
namespace {

// A slot missed by more than this (the loop was busy) is given up for a fresh one.
constexpr auto k_late_start = std::chrono::milliseconds(100);
// When the shared budget cannot reserve a slot, the request asks again this much later.
constexpr auto k_budget_retry = std::chrono::seconds(1);

} // namespace

HostSchedule::HostSchedule(Politeness& politeness, const FetchClock& clock, int concurrency)
    : m_politeness(politeness), m_clock(clock), m_concurrency(concurrency)
{
}

SteadyClock::time_point HostSchedule::steady_at(WallClock::time_point slot, WallClock::time_point wall,
                                                SteadyClock::time_point now) const
{
    return now + std::chrono::duration_cast<SteadyClock::duration>(slot - wall);
}

bool HostSchedule::try_start(SlotTicket& ticket)
{
    auto now = m_clock.steady();
    if (ticket.ready_at > now) {
        return false;
    }
    auto& load = m_hosts[ticket.host];
    if (!ticket.has_slot) {
        if (load.in_flight >= m_concurrency) {
            return false;
        }
        auto wall = m_clock.wall();
        auto slot = m_politeness.reserve(ticket.host, wall);
        if (!slot) {
            ticket.ready_at = now + k_budget_retry; // never a start without a slot
            return false;
        }
        ++load.in_flight;
        ticket.has_slot = true;
        if (*slot > wall) {
            ticket.ready_at = steady_at(*slot, wall, now);
            announce_wait(ticket.host, load, *slot, wall);
            return false;
        }
        ticket.ready_at = now; // its slot is now
    }
    // A late start takes a fresh slot, so that every start keeps close to a reserved slot
    // and no two starts, of this process or another, come closer than the spacing.
    if (now - ticket.ready_at > k_late_start) {
        auto wall = m_clock.wall();
        auto slot = m_politeness.reserve(ticket.host, wall);
        if (!slot) {
            give_up(ticket); // the missed slot is stale: the next try reserves afresh
            ticket.ready_at = now + k_budget_retry;
            return false;
        }
        if (*slot > wall) {
            ticket.ready_at = steady_at(*slot, wall, now);
            return false;
        }
    }
    // Within this process, the next start also keeps one spacing after the last one.
    auto spacing = m_politeness.spacing();
    if (spacing.count() > 0 && load.last_start + spacing > now) {
        ticket.ready_at = load.last_start + spacing;
        return false;
    }
    load.last_start = now;
    ticket.has_slot = false; // the slot is used; in_flight now counts the running request
    return true;
}

// A request that must wait long for a held host says so at once, once per hold: which host,
// until when and why (a hold recorded by this or another process, read from the ledger), rather
// than leaving the run silent for minutes. A wait that is only the rate's spacing is not a hold.
void HostSchedule::announce_wait(const std::string& host, HostLoad& load, WallClock::time_point slot,
                                 WallClock::time_point wall)
{
    if (slot - wall <= k_announced_wait) {
        return;
    }
    for (const auto& paused : m_politeness.paused(wall)) {
        if (paused.host != host || paused.until <= load.announced_until) {
            continue;
        }
        load.announced_until = paused.until;
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(paused.until - wall).count();
        spdlog::warn("{} is held until {} ({} s from now): {}; its requests wait until then", host,
                     kst_iso(paused.until), seconds, paused.reason.empty() ? "no reason recorded" : paused.reason);
    }
}

void HostSchedule::finished(const std::string& host) { --m_hosts[host].in_flight; }

void HostSchedule::give_up(SlotTicket& ticket)
{
    if (ticket.has_slot) {
        --m_hosts[ticket.host].in_flight;
        ticket.has_slot = false;
    }
}

SteadyClock::time_point HostSchedule::hold(const std::string& host, WallClock::time_point until, const std::string& why)
{
    auto wall = m_clock.wall();
    m_politeness.hold(host, until, why, wall);
    return steady_at(until, wall, m_clock.steady());
}

std::optional<WallClock::time_point> HostSchedule::record_answer(const std::string& host, long status)
{
    return m_politeness.record_answer(host, status, m_clock.wall());
}

int HostSchedule::in_flight(const std::string& host) const
{
    auto found = m_hosts.find(host);
    return found == m_hosts.end() ? 0 : found->second.in_flight;
}

} // namespace sillok::daemon
