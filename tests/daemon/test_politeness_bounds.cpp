// Holds and reserved slots are bounded: one answer asking for a long wait, or a slot stored
// far ahead, never freezes a host for later processes, and a hold shows as a pause.
#include "daemon/fetch/politeness.hpp"
#include "daemon/ledger/ledger.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace std::chrono_literals;
using sillok::daemon::Politeness;
using sillok::daemon::PolitenessOptions;
using sillok::daemon::WallClock;

TEST_CASE("daemon::Politeness bounds holds and shows them as pauses")
{
    sillok::test::ScratchDir scratch;
    const auto ledger = scratch.path() / "ledger.sqlite3";
    REQUIRE(sillok::daemon::Ledger::open(ledger).has_value());
    std::string error;
    auto first = Politeness::shared(ledger, PolitenessOptions{0.0, 5, 600s}, &error);
    REQUIRE(first);
    const auto now = WallClock::now();

    first->hold("n.news.naver.com", now + 100'000s, "asked to wait (Retry-After 100000 s)");
    auto later = Politeness::shared(ledger, PolitenessOptions{0.0, 5, 600s}, &error);
    REQUIRE(later);
    CHECK(later->available_at("n.news.naver.com", now) <= now + 601s);
    auto paused = later->paused(now);
    REQUIRE(paused.size() == 1);
    CHECK(paused[0].reason.find("Retry-After") != std::string::npos);
    CHECK(paused[0].until <= now + 601s);
    // Once the hold is over it is gone: it never outlives its reason.
    CHECK(later->paused(now + 602s).empty());
    CHECK(*later->reserve("n.news.naver.com", now + 602s) <= now + 602s);
}

TEST_CASE("daemon::Politeness ignores a stored slot or pause far in the future")
{
    sillok::test::ScratchDir scratch;
    const auto ledger = scratch.path() / "ledger.sqlite3";
    REQUIRE(sillok::daemon::Ledger::open(ledger).has_value());
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(ledger.c_str(), &raw) == SQLITE_OK);
        sillok::daemon::SqliteDb db(raw);
        // A slot 12 days ahead (rate 1e-6) and a pause until 2100.
        REQUIRE(sqlite3_exec(db.get(),
                             "INSERT INTO hosts (host, next_slot_ms, paused_until, pause_reason, strikes) VALUES"
                             " ('n.news.naver.com', strftime('%s','now') * 1000 + 1036800000, 0, '', 0),"
                             " ('news.naver.com', 0, 4102444800000, 'Retry-After', 0)",
                             nullptr, nullptr, nullptr)
                == SQLITE_OK);
    }
    std::string error;
    auto politeness = Politeness::shared(ledger, PolitenessOptions{0.0, 5, 600s}, &error);
    REQUIRE(politeness);
    const auto now = WallClock::now();
    CHECK(*politeness->reserve("n.news.naver.com", now) <= now + Politeness::k_longest_queue);
    CHECK(politeness->available_at("news.naver.com", now) <= now + 600s);
}
