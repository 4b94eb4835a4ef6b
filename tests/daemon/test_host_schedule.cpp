#include "daemon/fetch/host_schedule.hpp"
#include "tests/support/fake_clock.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <vector>

using namespace std::chrono_literals;
using sillok::daemon::HostSchedule;
using sillok::daemon::Politeness;
using sillok::daemon::PolitenessOptions;
using sillok::daemon::SlotTicket;
using sillok::daemon::SteadyClock;
using sillok::daemon::WallClock;
using sillok::test::FakeClock;

namespace {

const WallClock::time_point k_now = sillok::daemon::from_unix_ms(1'780'000'000'000);
constexpr const char* k_host = "n.news.naver.com";

// Starts every ticket as soon as it may, moving the clock to the next time one is ready;
// the steady times of the starts, in order.
std::vector<SteadyClock::time_point> start_all(HostSchedule& schedule, FakeClock& clock,
                                               std::vector<SlotTicket>& tickets)
{
    std::vector<SteadyClock::time_point> starts;
    std::vector<bool> started(tickets.size(), false);
    while (starts.size() < tickets.size()) {
        for (size_t i = 0; i < tickets.size(); ++i) {
            if (!started[i] && schedule.try_start(tickets[i])) {
                started[i] = true;
                starts.push_back(clock.steady());
                schedule.finished(tickets[i].host); // an instant answer
            }
        }
        // Tickets that wait for room (not for a time) are asked again on the next turn.
        auto next = SteadyClock::time_point::max();
        for (size_t i = 0; i < tickets.size(); ++i) {
            if (!started[i] && tickets[i].ready_at > clock.steady()) {
                next = std::min(next, tickets[i].ready_at);
            }
        }
        if (next == SteadyClock::time_point::max()) {
            break;
        }
        clock.advance_to(next);
    }
    return starts;
}

// Captures what is logged while it lives.
class LogCapture {
public:
    LogCapture()
    {
        spdlog::set_default_logger(
            std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(m_log)));
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    ~LogCapture() { spdlog::set_default_logger(m_previous); }
    [[nodiscard]] std::string text() const { return m_log.str(); }

private:
    std::shared_ptr<spdlog::logger> m_previous = spdlog::default_logger();
    std::ostringstream m_log;
};

} // namespace

TEST_CASE("daemon::HostSchedule paces the starts to one host at its rate, with at most 10% jitter")
{
    FakeClock clock(k_now);
    Politeness politeness(PolitenessOptions{2.0});
    HostSchedule schedule(politeness, clock, 4);
    auto t0 = clock.steady();

    std::vector<SlotTicket> tickets(6, SlotTicket{k_host});
    auto starts = start_all(schedule, clock, tickets);
    REQUIRE(starts.size() == 6);
    CHECK(starts.front() == t0);
    for (size_t i = 1; i < starts.size(); ++i) {
        CAPTURE(i);
        CHECK(starts[i] - starts[i - 1] >= 500ms);
        CHECK(starts[i] - starts[i - 1] <= 550ms);
    }

    SUBCASE("a ticket asked before its slot is told when, and does not start early")
    {
        SlotTicket early{k_host};
        CHECK_FALSE(schedule.try_start(early));
        CHECK(early.ready_at > clock.steady());
        CHECK(schedule.in_flight(k_host) == 1); // its reserved slot counts
        clock.advance_to(early.ready_at - 1ms);
        CHECK_FALSE(schedule.try_start(early));
        clock.advance_to(early.ready_at);
        CHECK(schedule.try_start(early));
    }
}

TEST_CASE("daemon::HostSchedule keeps each host within its concurrency, hosts apart")
{
    FakeClock clock(k_now);
    Politeness unlimited(PolitenessOptions{0.0});
    HostSchedule schedule(unlimited, clock, 2);
    SlotTicket a1{k_host}, a2{k_host}, a3{k_host}, b1{"news.naver.com"};
    CHECK(schedule.try_start(a1));
    CHECK(schedule.try_start(a2));
    CHECK(schedule.in_flight(k_host) == 2);
    // The third waits for room, not for a time.
    auto before = a3.ready_at;
    CHECK_FALSE(schedule.try_start(a3));
    CHECK(a3.ready_at == before);
    CHECK(schedule.in_flight(k_host) == 2);
    // Another host has its own room.
    CHECK(schedule.try_start(b1));
    CHECK(schedule.in_flight("news.naver.com") == 1);
    // A finished request makes room.
    schedule.finished(k_host);
    CHECK(schedule.try_start(a3));
    CHECK(schedule.in_flight(k_host) == 2);
}

TEST_CASE("daemon::HostSchedule counts a reserved slot as in flight until it is used or given up")
{
    FakeClock clock(k_now);
    Politeness politeness(PolitenessOptions{1.0});
    HostSchedule schedule(politeness, clock, 1);
    SlotTicket first{k_host}, second{k_host}, third{k_host};
    CHECK(schedule.try_start(first));
    schedule.finished(k_host);
    CHECK_FALSE(schedule.try_start(second)); // its slot is a second away
    CHECK(second.has_slot);
    CHECK_FALSE(schedule.try_start(third)); // no room: the slot holds it
    CHECK_FALSE(third.has_slot);
    schedule.give_up(second);
    CHECK(schedule.in_flight(k_host) == 0);
    CHECK_FALSE(second.has_slot);
}

TEST_CASE("daemon::HostSchedule gives up a slot missed by more than 100 ms for a fresh one")
{
    FakeClock clock(k_now);
    Politeness politeness(PolitenessOptions{1.0});
    HostSchedule schedule(politeness, clock, 2);
    SlotTicket first{k_host}, late{k_host};
    CHECK(schedule.try_start(first));
    CHECK_FALSE(schedule.try_start(late));
    auto slot = late.ready_at;
    // The loop was busy: the ticket is asked again well after its slot, when the shared
    // budget has given the next slot to another process meanwhile.
    REQUIRE(politeness.reserve(k_host, clock.wall() + 1s));
    clock.advance_to(slot + 300ms);
    CHECK_FALSE(schedule.try_start(late));
    CHECK(late.ready_at > clock.steady());
    clock.advance_to(late.ready_at);
    CHECK(schedule.try_start(late));
}

TEST_CASE("daemon::HostSchedule holds a host: no start before the hold ends")
{
    FakeClock clock(k_now);
    Politeness politeness(PolitenessOptions{0.0});
    HostSchedule schedule(politeness, clock, 2);
    auto until = schedule.hold(k_host, clock.wall() + 20s, "Retry-After");
    CHECK(until == clock.steady() + 20s);
    SlotTicket ticket{k_host};
    CHECK_FALSE(schedule.try_start(ticket));
    CHECK(ticket.ready_at == clock.steady() + 20s);
    clock.advance_to(ticket.ready_at);
    CHECK(schedule.try_start(ticket));
    // Other hosts go on meanwhile.
    schedule.hold(k_host, clock.wall() + 20s, "Retry-After");
    SlotTicket other{"news.naver.com"};
    CHECK(schedule.try_start(other));
}

TEST_CASE("daemon::HostSchedule says at once which host is held, until when and why, once per hold")
{
    LogCapture log;
    FakeClock clock(k_now);
    Politeness politeness(PolitenessOptions{1.0});
    HostSchedule schedule(politeness, clock, 2);
    // An earlier run was asked to wait 5 minutes: the hold is in the shared budget.
    const auto until = clock.wall() + 300s;
    politeness.hold(k_host, until, "asked to wait (Retry-After 300 s, held 300 s)", clock.wall());
    SlotTicket first{k_host};
    SlotTicket second{k_host};
    CHECK_FALSE(schedule.try_start(first));
    CHECK_FALSE(schedule.try_start(second));
    CHECK(first.ready_at >= clock.steady() + 299s);

    const auto text = log.text();
    INFO(text);
    const auto expected =
        std::string(k_host) + " is held until " + sillok::daemon::kst_iso(until)
        + " (300 s from now): asked to wait (Retry-After 300 s, held 300 s); its requests wait until then";
    CHECK(text.contains(expected));
    // Said once, not once per waiting request.
    CHECK(text.find(" is held until ") == text.rfind(" is held until "));
}

TEST_CASE("daemon::HostSchedule does not call the rate's own spacing a hold")
{
    LogCapture log;
    FakeClock clock(k_now);
    Politeness politeness(PolitenessOptions{0.01}); // one request per 100 s
    HostSchedule schedule(politeness, clock, 1);
    SlotTicket first{k_host};
    CHECK(schedule.try_start(first));
    schedule.finished(k_host);
    SlotTicket second{k_host};
    CHECK_FALSE(schedule.try_start(second));
    CHECK_FALSE(log.text().contains("is held"));
}
