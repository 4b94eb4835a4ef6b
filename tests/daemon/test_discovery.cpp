// The service's discovery over a real ledger, with the time given: which lists a poll walks
// before and after KST midnight, what a walk of the saved 2026 per-date list queues and
// learns, and the fallback to the sub-sections' latest lists when the per-date list is silent.
#include "daemon/discovery.hpp"
#include "daemon/ledger.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <set>

namespace {

using namespace sillok::daemon;

// 2026-05-30 23:59:30 KST is 14:59:30 UTC.
WallClock::time_point kst(int day, int hour, int minute)
{
    using namespace std::chrono;
    return sys_days{year{2026} / May / day} + hours(hour - 9) + minutes(minute);
}

std::set<std::string> walked(const std::vector<DiscoveryTask>& tasks)
{
    std::set<std::string> out;
    for (const auto& task : tasks) {
        out.insert(task.source + " " + task.walk.date);
    }
    return out;
}

FetchResult answer(const DiscoveryTask& task, std::string body, std::string final_url = {})
{
    FetchResult result;
    result.url = next_url(task.walk);
    result.final_url = final_url.empty() ? result.url : std::move(final_url);
    result.status = 200;
    result.body = std::move(body);
    return result;
}

const DiscoveryTask& task_of(const std::vector<DiscoveryTask>& tasks, std::string_view source)
{
    for (const auto& task : tasks) {
        if (task.source == source) {
            return task;
        }
    }
    FAIL("no task for " << source);
    return tasks.front();
}

} // namespace

TEST_CASE("daemon::Discovery walks the per-date list, finishes yesterday's after midnight and falls back")
{
    sillok::test::ScratchDir scratch;
    const auto path = scratch.path() / "ledger.sqlite3";
    REQUIRE(Ledger::open(path).has_value());
    auto frontier = Frontier::open(path);
    auto health = SourceHealth::open(path);
    REQUIRE(frontier.has_value());
    REQUIRE(health.has_value());
    Discovery discovery(*frontier, *health, /*latest_first=*/false, /*home_pages=*/10);
    discovery.watch({"100"}, {});

    auto evening = discovery.poll(kst(30, 23, 59));
    CHECK(walked(evening) == std::set<std::string>{"date 100 20260530", "home 100 "});
    const auto& list = task_of(evening, "date 100");
    CHECK(next_url(list.walk) == "https://news.naver.com/main/list.naver?mode=LSD&mid=sec&sid1=100&date=20260530&page=1");

    // The saved page: 20 articles, all new, and a next page.
    const auto page = sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "list"
                                              / "legacy_LSD_100_20260530.cp949.html");
    const std::string served = "https://news.naver.com/main/main.naver?mode=LSD&mid=shm&sid1=100";
    auto next = discovery.page_done(list, answer(list, page, served));
    REQUIRE(next.has_value());
    CHECK(next->walk.state.page == 2);
    CHECK(next->added == 20);
    // The page past the last repeats it: the walk ends, a success.
    next->walk.state.page = 40;
    CHECK_FALSE(discovery.page_done(*next, answer(*next, page, served)).has_value());
    CHECK(health->consecutive_empty("date 100") == 0);
    CHECK(frontier->unknown({{"421", "0008974833"}})->empty());

    // After midnight in Korea: today's list and the rest of yesterday's.
    auto night = discovery.poll(kst(31, 0, 0));
    CHECK(walked(night) == std::set<std::string>{"date 100 20260531", "date 100 20260530", "home 100 "});
    // The next poll of the same day walks today's only.
    auto later = discovery.poll(kst(31, 0, 2));
    CHECK(walked(later) == std::set<std::string>{"date 100 20260531", "home 100 "});

    // Today's per-date list is silent (a page without articles): a typed failure, and the next
    // poll also walks the latest lists of the sub-sections learned from the saved page's menu.
    const auto& today = task_of(later, "date 100");
    CHECK_FALSE(discovery.page_done(today, answer(today, "<html><body><p>x</p></body></html>")).has_value());
    CHECK(health->consecutive_empty("date 100") == 1);
    auto fallback = discovery.poll(kst(31, 0, 4));
    CHECK(walked(fallback)
          == std::set<std::string>{"date 100 20260531", "home 100 ", "latest 100/264 20260531", "latest 100/265 20260531",
                                   "latest 100/266 20260531", "latest 100/267 20260531", "latest 100/268 20260531",
                                   "latest 100/269 20260531"});
    const auto& latest = task_of(fallback, "latest 100/264");
    CHECK(next_url(latest.walk) == "https://news.naver.com/breakingnews/section/100/264");
}
