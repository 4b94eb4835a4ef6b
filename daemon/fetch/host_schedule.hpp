#pragma once
// When each waiting request may start: per host, at most `concurrency` requests in flight
// (a reserved slot counts as one), starts at the slots Politeness reserves in the shared
// budget, and within this process one spacing between two starts. Holds (Retry-After, a
// paused host) push a host's waiting requests back.
#include "daemon/fetch/fetch_clock.hpp"
#include "daemon/fetch/politeness.hpp"

#include <optional>
#include <string>
#include <unordered_map>

namespace sillok::daemon {

// A request's place in its host's schedule.
struct SlotTicket {
    std::string host;                   // the budget it draws on
    SteadyClock::time_point ready_at{}; // not asked again before this
    bool has_slot = false;              // a slot is reserved (and counted in the host's in_flight)
};

class HostSchedule {
public:
    HostSchedule(Politeness& politeness, const FetchClock& clock, int concurrency);

    // True when the request starts now (it then counts in its host's in_flight until
    // finished()). False when it must wait: ticket.ready_at says until when, or stays as it
    // was when the host has no room (a finished request makes room). When the shared budget
    // fails, the request waits a second and asks again: it never starts without a slot.
    bool try_start(SlotTicket& ticket);
    // A started request ended.
    void finished(const std::string& host);
    // A waiting request leaves without starting: its reserved slot, if any, is given back.
    void give_up(SlotTicket& ticket);
    // No request to host starts before until; returns that time on the steady clock.
    SteadyClock::time_point hold(const std::string& host, WallClock::time_point until, const std::string& why);
    // Counts a 403/429 streak (Politeness::record_answer): until when the host is paused, if it now is.
    std::optional<WallClock::time_point> record_answer(const std::string& host, long status);

    [[nodiscard]] int in_flight(const std::string& host) const;
    [[nodiscard]] const FetchClock& clock() const { return m_clock; }

private:
    struct HostLoad {
        int in_flight = 0; // running, or holding a reserved slot
        SteadyClock::time_point last_start{};
        WallClock::time_point announced_until{}; // the end of the last wait logged
    };
    // Waits longer than this are logged when they begin.
    static constexpr std::chrono::seconds k_announced_wait{30};
    void announce_wait(const std::string& host, HostLoad& load, WallClock::time_point slot, WallClock::time_point wall);
    // The steady time of a wall-clock slot.
    [[nodiscard]] SteadyClock::time_point steady_at(WallClock::time_point slot, WallClock::time_point wall,
                                                    SteadyClock::time_point now) const;

    Politeness& m_politeness;
    const FetchClock& m_clock;
    int m_concurrency;
    std::unordered_map<std::string, HostLoad> m_hosts;
};

} // namespace sillok::daemon
