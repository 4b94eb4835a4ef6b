#include "daemon/fetch/politeness.hpp"
#include "daemon/ledger/ledger.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using sillok::daemon::Politeness;
using sillok::daemon::PolitenessOptions;
using sillok::daemon::WallClock;

namespace {

const WallClock::time_point k_now = sillok::daemon::from_unix_ms(1'780'000'000'000);

} // namespace

TEST_CASE("daemon::Politeness spaces request starts per host, with at most 10% jitter")
{
    Politeness politeness(PolitenessOptions{2.0});
    auto first = *politeness.reserve("n.news.naver.com", k_now);
    auto second = *politeness.reserve("n.news.naver.com", k_now);
    auto third = *politeness.reserve("n.news.naver.com", k_now);
    CHECK(first == k_now);
    CHECK(second - first >= 500ms);
    CHECK(second - first <= 550ms);
    CHECK(third - second >= 500ms);
    // Another host has its own budget.
    CHECK(politeness.reserve("news.naver.com", k_now) == k_now);
    // Unlimited: every slot is now.
    Politeness unlimited(PolitenessOptions{0.0});
    CHECK(unlimited.reserve("n.news.naver.com", k_now) == k_now);
    CHECK(unlimited.reserve("n.news.naver.com", k_now) == k_now);
}

TEST_CASE("daemon::Politeness shares one budget between processes through the ledger")
{
    sillok::test::ScratchDir dir;
    auto ledger_path = dir.path() / "ledger.sqlite3";
    REQUIRE(sillok::daemon::Ledger::open(ledger_path).has_value());
    std::string error;
    auto service = Politeness::shared(ledger_path, PolitenessOptions{1.0}, &error);
    auto backfill = Politeness::shared(ledger_path, PolitenessOptions{1.0}, &error);
    REQUIRE(service);
    REQUIRE(backfill);
    auto a = *service->reserve("n.news.naver.com", k_now);
    auto b = *backfill->reserve("n.news.naver.com", k_now);
    auto c = *service->reserve("n.news.naver.com", k_now);
    CHECK(a == k_now);
    CHECK(b - a >= 1000ms);
    CHECK(c - b >= 1000ms);

    // Retry-After seen by one process holds the other too.
    backfill->hold("news.naver.com", k_now + 30s);
    CHECK(*service->reserve("news.naver.com", k_now) >= k_now + 30s);
}

TEST_CASE("daemon::Politeness pauses a host after repeated 403/429 and says so")
{
    Politeness politeness(PolitenessOptions{1.0, 3, 600s});
    const std::string host = "n.news.naver.com";
    politeness.record_answer(host, 429, k_now);
    politeness.record_answer(host, 429, k_now);
    politeness.record_answer(host, 200, k_now); // a success resets the count
    politeness.record_answer(host, 403, k_now);
    politeness.record_answer(host, 429, k_now);
    CHECK(politeness.paused(k_now).empty());
    politeness.record_answer(host, 429, k_now);
    auto paused = politeness.paused(k_now);
    REQUIRE(paused.size() == 1);
    CHECK(paused[0].host == host);
    CHECK(paused[0].until == k_now + 600s);
    CHECK(paused[0].reason.find("403/429") != std::string::npos);
    CHECK(*politeness.reserve(host, k_now) >= k_now + 600s);
    CHECK(politeness.paused(k_now + 601s).empty());
}
