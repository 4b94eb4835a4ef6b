#include "daemon/fetch/host_schedule.hpp"
#include "daemon/fetch/politeness.hpp"
#include "daemon/ledger/ledger.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using sillok::daemon::HostSchedule;
using sillok::daemon::Politeness;
using sillok::daemon::PolitenessOptions;
using sillok::daemon::SlotTicket;
using sillok::daemon::SqliteDb;
using sillok::daemon::WallClock;
using sillok::test::FakeClock;

namespace {

const WallClock::time_point k_now = sillok::daemon::from_unix_ms(1'780'000'000'000);
constexpr const char* k_host = "n.news.naver.com";

// Another process's connection to the ledger.
SqliteDb other_connection(const std::filesystem::path& ledger)
{
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(ledger.c_str(), &raw) == SQLITE_OK);
    return SqliteDb(raw);
}

void exec(sqlite3* db, const char* sql)
{
    REQUIRE_MESSAGE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK, sqlite3_errmsg(db));
}

struct SharedBudget {
    sillok::test::ScratchDir dir;
    std::filesystem::path ledger = dir.path() / "ledger.sqlite3";
    std::unique_ptr<Politeness> politeness;

    explicit SharedBudget(double rate)
    {
        REQUIRE(sillok::daemon::Ledger::open(ledger).has_value());
        std::string error;
        politeness = Politeness::shared(ledger, PolitenessOptions{rate}, &error, 50ms);
        REQUIRE_MESSAGE(politeness, error);
    }
};

} // namespace

TEST_CASE("daemon::Politeness fails a reservation it cannot make, and the request waits for one")
{
    SharedBudget budget(0.0);
    FakeClock clock(k_now);
    HostSchedule schedule(*budget.politeness, clock, 2);
    auto other = other_connection(budget.ledger);
    exec(other.get(), "BEGIN IMMEDIATE"); // held beyond the busy timeout

    auto reserved = budget.politeness->reserve(k_host, k_now);
    REQUIRE_FALSE(reserved.has_value());
    CHECK(reserved.error().find("cannot lock the hosts table") != std::string::npos);

    SlotTicket ticket{k_host};
    CHECK_FALSE(schedule.try_start(ticket));
    CHECK_FALSE(ticket.has_slot);
    CHECK(schedule.in_flight(k_host) == 0);
    CHECK(ticket.ready_at == clock.steady() + 1s);

    exec(other.get(), "COMMIT");
    clock.advance_to(ticket.ready_at);
    CHECK(schedule.try_start(ticket));
}

TEST_CASE("daemon::HostSchedule gives up a missed slot it cannot renew, rather than start on it")
{
    SharedBudget budget(1.0);
    FakeClock clock(k_now);
    HostSchedule schedule(*budget.politeness, clock, 2);
    SlotTicket first{k_host}, second{k_host};
    CHECK(schedule.try_start(first));
    CHECK_FALSE(schedule.try_start(second));
    REQUIRE(second.has_slot);
    auto other = other_connection(budget.ledger);
    exec(other.get(), "BEGIN IMMEDIATE");
    clock.advance_to(second.ready_at + 300ms); // late: a fresh slot is needed
    CHECK_FALSE(schedule.try_start(second));
    CHECK_FALSE(second.has_slot);
    CHECK(schedule.in_flight(k_host) == 1); // first only
    clock.advance_to(second.ready_at);
    CHECK_FALSE(schedule.try_start(second)); // still locked: still no start
    exec(other.get(), "COMMIT");
    clock.advance_to(second.ready_at);
    bool started = schedule.try_start(second);
    if (!started) { // the fresh slot lies ahead: it starts there
        clock.advance_to(second.ready_at);
        started = schedule.try_start(second);
    }
    CHECK(started);
}

TEST_CASE("daemon::Politeness reports an unreadable budget as an error, never as a free slot")
{
    SharedBudget budget(1.0);
    auto other = other_connection(budget.ledger);
    exec(other.get(), "DROP TABLE hosts");

    auto reserved = budget.politeness->reserve(k_host, k_now);
    REQUIRE_FALSE(reserved.has_value());
    CHECK(reserved.error().find("no such table: hosts") != std::string::npos);
    // The other calls log and carry on: no pause is invented, none is lost silently.
    budget.politeness->hold(k_host, k_now + 20s, "Retry-After", k_now);
    CHECK_FALSE(budget.politeness->record_answer(k_host, 429, k_now).has_value());
    CHECK(budget.politeness->paused(k_now).empty());
    CHECK(budget.politeness->available_at(k_host, k_now) == k_now);
}
