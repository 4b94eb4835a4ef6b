// The service's discovery over a real ledger, with the time given: which lists a poll walks
// before and after KST midnight, what a walk of the saved 2026 per-date list queues and
// learns, and the fallback to the sub-sections' latest lists when the per-date list is silent.
#include "daemon/discovery/discovery.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/service/status.hpp"
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
    CHECK(next_url(list.walk)
          == "https://news.naver.com/main/list.naver?mode=LSD&mid=sec&sid1=100&date=20260530&page=1");

    // The saved page: 20 articles, all new, and a next page.
    const auto page =
        sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "list" / "legacy_LSD_100_20260530.cp949.html");
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
    // Yesterday's is walked for ten minutes after midnight; then today's only.
    CHECK(walked(discovery.poll(kst(31, 0, 9)))
          == std::set<std::string>{"date 100 20260531", "date 100 20260530", "home 100 "});
    auto later = discovery.poll(kst(31, 1, 2));
    CHECK(walked(later) == std::set<std::string>{"date 100 20260531", "home 100 "});

    // Today's per-date list is silent (a page without articles) an hour after midnight: a typed
    // failure, and the next poll also walks the latest lists of the sub-sections learned from
    // the saved page's menu.
    const auto& today = task_of(later, "date 100");
    CHECK_FALSE(discovery.page_done(today, answer(today, "<html><body><p>x</p></body></html>")).has_value());
    CHECK(health->consecutive_empty("date 100") == 1);
    auto fallback = discovery.poll(kst(31, 1, 4));
    CHECK(walked(fallback)
          == std::set<std::string>{"date 100 20260531", "home 100 ", "latest 100/264 20260531",
                                   "latest 100/265 20260531", "latest 100/266 20260531", "latest 100/267 20260531",
                                   "latest 100/268 20260531", "latest 100/269 20260531"});
    const auto& latest = task_of(fallback, "latest 100/264");
    CHECK(next_url(latest.walk) == "https://news.naver.com/breakingnews/section/100/264");
}

TEST_CASE("daemon::dates_to_walk finishes yesterday's list after KST midnight")
{
    CHECK(dates_to_walk("", kst(30, 12, 0)) == std::vector<std::string>{"20260530"});
    CHECK(dates_to_walk("20260530", kst(30, 23, 59)) == std::vector<std::string>{"20260530"});
    CHECK(dates_to_walk("20260530", kst(31, 0, 0)) == std::vector<std::string>{"20260531", "20260530"});
    CHECK(dates_to_walk("20260531", kst(31, 0, 9)) == std::vector<std::string>{"20260531", "20260530"});
    CHECK(dates_to_walk("20260531", kst(31, 0, 10)) == std::vector<std::string>{"20260531"});
    // Not polled at midnight: the previous poll's list is finished once.
    CHECK(dates_to_walk("20260529", kst(31, 3, 0)) == std::vector<std::string>{"20260531", "20260529"});
    // Across a year: 2026-12-31 23:59 KST, then 2027-01-01 00:05 KST.
    using namespace std::chrono;
    const auto new_year = sys_days{year{2026} / December / 31} + hours(15);
    CHECK(dates_to_walk("20261231", new_year - minutes(1)) == std::vector<std::string>{"20261231"});
    CHECK(dates_to_walk("20261231", new_year + minutes(5)) == std::vector<std::string>{"20270101", "20261231"});
}

TEST_CASE("daemon::Discovery does not count the empty list of a day just begun as a stall")
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
    const auto page =
        sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "list" / "legacy_LSD_100_20260530.cp949.html");
    const std::string served = "https://news.naver.com/main/main.naver?mode=LSD&mid=shm&sid1=100";
    // The list page as it looks on a day without articles yet: no article link.
    const std::string empty_list = "<html><body><div class=\"list_body newsflash_body\">"
                                   "<ul class=\"type06_headline\"></ul></div></body></html>";
    // Walks today's per-date list of a poll at `at`, answered with `body` (the saved page
    // ends its walk at once: its page past the last repeats it).
    auto poll_today = [&](WallClock::time_point at, const std::string& body) {
        auto tasks = discovery.poll(at);
        auto task = task_of(tasks, "date 100");
        REQUIRE(task.walk.date == yyyymmdd(kst_today(at)));
        if (body == page) {
            task.walk.state.page = 40;
        }
        CHECK_FALSE(discovery.page_done(task, answer(task, body, served)).has_value());
        return walked(discovery.poll(at + std::chrono::seconds(1)));
    };

    // Healthy on the 30th; after midnight the 31st's list is empty for a while: no stall, but
    // the latest lists (learned from the saved page) are walked in case the list is broken.
    poll_today(kst(30, 23, 58), page);
    for (int minute = 11; minute < 20; minute += 2) {
        auto next = poll_today(kst(31, 0, minute), empty_list);
        CHECK(next.contains("latest 100/264 20260531"));
    }
    CHECK(health->consecutive_empty("date 100") == 0);
    auto stats = sillok::daemon::read_stats(path, kst(31, 0, 20));
    REQUIRE(stats.has_value());
    CHECK(stats->sources.front().day_not_begun);
    CHECK_FALSE(stats->sources.front().stalled());
    CHECK(render_status(*stats, kst(31, 0, 20))
              .contains("0 empty polls in a row (the new day's list has no article yet)"));

    SUBCASE("once the day's list has shown articles, an empty list is silence")
    {
        poll_today(kst(31, 0, 21), page);
        poll_today(kst(31, 0, 23), empty_list);
        CHECK(health->consecutive_empty("date 100") == 1);
    }
    SUBCASE("an hour after midnight, an empty list is silence")
    {
        for (int minute = 0; minute < 6; minute += 2) {
            poll_today(kst(31, 1, minute), empty_list);
        }
        CHECK(health->consecutive_empty("date 100") == 3);
    }
    SUBCASE("after a failed poll, empty lists count again")
    {
        auto tasks = discovery.poll(kst(31, 0, 21));
        const auto& task = task_of(tasks, "date 100");
        auto failed = answer(task, "");
        failed.status = 503;
        failed.error = FetchError{FetchErrorKind::http_status, "HTTP 503"};
        CHECK_FALSE(discovery.page_done(task, failed).has_value());
        CHECK(health->consecutive_empty("date 100") == 1);
        poll_today(kst(31, 0, 23), empty_list);
        poll_today(kst(31, 0, 25), empty_list);
        CHECK(health->consecutive_empty("date 100") == 3);
    }
}
