// `sillok run` discovers every article of its section from the complete sources, not from the
// personalised section page: a stand-in day of section 100 (see discovery_stand_in.hpp) on which
// articles are published while the service runs and one source then goes silent. Every article
// is archived once, within a poll interval and a fetch allowance of its listing; the silent
// source raises the stall warning (log, status) and the other complete source keeps discovery
// complete. A run across KST midnight (the service's clock shifted) finishes yesterday's list
// and waits for today's without a false stall.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/discovery_stand_in.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;
using sillok::parsers::ArticleRef;

constexpr auto k_archive_timeout = 60s;
// The service polls every second in these tests. Archiving an article after its listing takes
// at most one poll interval (until the next poll lists it) plus the fetch time: one listing
// page and one article from a local server, a parse and one ledger transaction, tens of
// milliseconds on an idle machine. CI runs these tests under ASan+UBSan on two shared cores,
// where each of those steps can wait seconds for the CPU, so the allowance is 10 s: what it
// catches is an article left to a much later poll (or to the nightly backfill), not a slow one.
constexpr auto k_poll_interval = 1s;
constexpr auto k_fetch_allowance = 10s;
constexpr std::string_view k_endpoint = "/section/template/SECTION_ARTICLE_LIST_FOR_LATEST";

// Today in Korea (UTC+9), YYYYMMDD, computed here rather than by sillok.
std::string korean_today()
{
    std::time_t t = std::time(nullptr) + 9 * 3600;
    std::tm parts{};
    gmtime_r(&t, &parts);
    std::array<char, 16> text{};
    std::strftime(text.data(), text.size(), "%Y%m%d", &parts);
    return text.data();
}

bool all_archived(const fs::path& ledger, size_t count)
{
    auto frontier = frontier_counts(ledger);
    return archived_count(ledger) == static_cast<std::int64_t>(count) && frontier.pending == 0
           && frontier.in_flight == 0;
}

// Every published article fetched exactly once and archived with one version; nothing else.
void check_archived_once(const NaverStandIn& server, const fs::path& ledger, const std::vector<ArticleRef>& published)
{
    for (const auto& ref : published) {
        CAPTURE(ref.id());
        CHECK(server.count(k_article_host, canonical_path(ref.oid, ref.aid)) == 1);
    }
    CHECK(static_cast<size_t>(std::ranges::count_if(
              server.requests(),
              [](const SeenRequest& r) { return r.host == k_article_host && r.path != "/robots.txt"; }))
          == published.size());
    CHECK(ledger_number(ledger, "SELECT count(*) FROM versions") == static_cast<std::int64_t>(published.size()));
}

// The paging endpoint was asked only with a Referer from news.naver.com.
void check_referers(const NaverStandIn& server)
{
    for (const auto& request : server.requests()) {
        if (request.path == k_endpoint) {
            CAPTURE(request.query);
            auto referer = request.headers.find("referer");
            REQUIRE(referer != request.headers.end());
            CHECK(referer->second.starts_with("https://news.naver.com/"));
        }
    }
}

// Each of `refs` was archived (its first version) at most `bound` after the stand-in began
// listing it. The ledger keeps the archive time in whole seconds, by the service's clock, which
// the stand-in's listing times share (shifted alike when the test shifts it).
void check_archived_within(const fs::path& ledger, const DiscoveryStandIn& day, const std::vector<ArticleRef>& refs,
                           std::chrono::seconds bound)
{
    for (const auto& ref : refs) {
        CAPTURE(ref.id());
        auto archived = ledger_number(ledger,
                                      "SELECT CAST(strftime('%s', v.first_seen) AS INTEGER) FROM versions v"
                                      " JOIN articles a ON a.id = v.article_id"
                                      " WHERE a.oid = ?1 AND a.aid = ?2 AND v.version = 1",
                                      {ref.oid, ref.aid});
        auto listed = day.listed_at(ref);
        REQUIRE(archived.has_value());
        REQUIRE(listed.has_value());
        const auto latency = std::chrono::sys_seconds(std::chrono::seconds(*archived)) - *listed;
        CAPTURE(std::chrono::duration_cast<std::chrono::milliseconds>(latency).count());
        CHECK(latency > -1s); // the archive time is cut to whole seconds
        CHECK(latency <= bound);
    }
}

std::string status_of(const fs::path& archive)
{
    auto status = run_command({SILLOK_BINARY, "status", "--archive", archive.string()});
    REQUIRE(status.exit_code == 0);
    return status.out;
}

} // namespace

TEST_CASE("e2e::run archives every article of its section while the per-date list goes silent")
{
    ScratchDir scratch;
    NaverStandIn server;
    DiscoveryStandIn day(server, korean_today(), article_page("003_0012577249"));
    // news.naver.com asks generic crawlers to stay away; n.news.naver.com has no robots.txt.
    server.serve_html(std::string(k_section_host), "/robots.txt",
                      "User-agent: Yeti\nAllow: /\n\nUser-agent: *\nDisallow: /\n");
    day.publish(45); // three pages of the per-date list
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    ServiceProcess service(run_args(server, archive, {"--section", "100", "--poll-interval", "1", "--rate", "0"}),
                           scratch.path());
    INFO("service log:\n" << service.log());

    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 45); }, k_archive_timeout),
                    "the day's first 45 articles were not archived");
    // The personalised page shows two of them: the others came from the complete sources.
    CHECK(server.count(k_section_host, "/main/list.naver") >= 3);

    // Articles arrive while the service runs: more than a page of them at once.
    const auto later = day.publish(25);
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 70); }, k_archive_timeout),
                    "the 25 articles published later were not archived");
    check_archived_within(ledger, day, later, k_poll_interval + k_fetch_allowance);

    // The per-date list goes silent: the sub-sections' latest lists, learned from the pages and
    // paged through the Referer-gated endpoint, keep discovery complete.
    day.silence_per_date_list(true);
    const auto endpoint_before = server.count(k_section_host, k_endpoint);
    const auto while_silent = day.publish(10);
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 80); }, k_archive_timeout),
                    "the articles published while the per-date list was silent were not archived");
    // One poll more: the poll that finds the list silent, then the one that walks the fallback.
    check_archived_within(ledger, day, while_silent, 2 * k_poll_interval + k_fetch_allowance);
    CHECK(server.count(k_section_host, k_endpoint) > endpoint_before);
    REQUIRE_MESSAGE(wait_until([&] { return service.log().contains("discovery of date 100 has stalled"); }, 30s),
                    "no stall warning for the silent per-date list");
    CHECK(service.log().contains("listing date 100 (https://news.naver.com/main/list.naver?mode=LSD&mid=sec&sid1=100"));
    CHECK(service.log().contains("failed: no_articles"));
    const auto status = status_of(archive);
    INFO("status:\n" << status);
    CHECK(status.contains("source date 100: last success"));
    CHECK(status.contains("(STALLED)"));
    CHECK(status.contains("source latest 100/264: last success"));
    CHECK(status.contains("source home 100: last success"));
    // robots.txt is fetched once a day per host, kept in the ledger and reported.
    CHECK(status.contains("robots.txt news.naver.com: HTTP 200, fetched "));
    CHECK(status.contains("asks of sillok: Disallow: /\n"));
    CHECK(status.contains("robots.txt n.news.naver.com: HTTP 404, fetched "));
    CHECK(status.contains("no robots.txt, so no rules (RFC 9309)"));
    CHECK(service.log().contains("robots.txt of n.news.naver.com: HTTP 404: no robots.txt, so no rules (RFC 9309)"));
    CHECK(service.log().contains("robots.txt of news.naver.com: HTTP 200; asks of sillok: Disallow: /"));
    CHECK(
        ledger_number(ledger, "SELECT count(*) FROM source_polls WHERE source = 'date 100' AND failure = 'no_articles'")
            .value_or(0)
        >= 3);

    service.signal(SIGTERM);
    REQUIRE(service.wait(10s) == 0);
    check_archived_once(server, ledger, day.published());
    check_referers(server);
    CHECK(server.count(k_section_host, "/robots.txt") == 1);
    CHECK(server.count(k_article_host, "/robots.txt") == 1);
}

TEST_CASE("e2e::run with the latest lists first falls back to the per-date list when the endpoint sends empty shells")
{
    ScratchDir scratch;
    NaverStandIn server;
    DiscoveryStandIn day(server, korean_today(), article_page("003_0012577249"));
    day.publish(30);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto config = scratch.path() / "sillok.toml";
    write_file(config, "sections = [\"100\"]\npoll_interval = 1\nrate = 0\ndiscovery = \"latest\"\n");
    ServiceProcess service(run_args(server, archive, {"--config", config.string()}), scratch.path());
    INFO("service log:\n" << service.log());

    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 30); }, k_archive_timeout),
                    "the day's first 30 articles were not archived");
    REQUIRE(wait_until([&] { return service.log().contains("sub-section 100/265 learned"); }, 10s));
    // Six new in each sub-section: more than the first page of its list (4), the rest behind
    // the cursor.
    const auto later = day.publish(12);
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 42); }, k_archive_timeout),
                    "the 12 articles published later were not archived");
    check_archived_within(ledger, day, later, k_poll_interval + k_fetch_allowance);
    CHECK(server.count(k_section_host, k_endpoint) >= 2);

    // The endpoint switches to empty shells while articles keep arriving faster than a first
    // page holds: every poll of the latest lists fails, and the per-date list takes over.
    day.silence_endpoint(true);
    std::vector<ArticleRef> while_silent;
    for (int round = 0; round < 8; ++round) {
        std::ranges::copy(day.publish(10), std::back_inserter(while_silent));
        std::this_thread::sleep_for(700ms);
    }
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 122); }, k_archive_timeout),
                    "the articles published while the endpoint sent empty shells were not archived");
    check_archived_within(ledger, day, while_silent, 2 * k_poll_interval + k_fetch_allowance);
    REQUIRE_MESSAGE(wait_until([&] { return service.log().contains("has stalled"); }, 30s),
                    "no stall warning for the empty shells");
    CHECK(service.log().contains("failed: empty_shell"));
    CHECK(status_of(archive).contains("(STALLED)"));

    service.signal(SIGTERM);
    REQUIRE(service.wait(10s) == 0);
    check_archived_once(server, ledger, day.published());
    check_referers(server);
}

namespace {

// The next midnight in Korea (00:00 UTC+9) after now.
std::chrono::sys_seconds next_korean_midnight()
{
    using namespace std::chrono;
    const auto korean = floor<seconds>(system_clock::now()) + 9h;
    return floor<days>(korean) + days(1) - 9h;
}

// Requests for the per-date list of `date` that arrived in [from, to).
std::size_t per_date_requests(const NaverStandIn& server, const std::string& date,
                              std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to)
{
    return static_cast<std::size_t>(std::ranges::count_if(server.requests(), [&](const SeenRequest& r) {
        return r.path == "/main/list.naver" && r.query.contains("date=" + date) && r.at >= from && r.at < to;
    }));
}

} // namespace

TEST_CASE("e2e::run across KST midnight finishes yesterday's list and waits for today's without a stall")
{
    using std::chrono::steady_clock;
    ScratchDir scratch;
    NaverStandIn server;
    // The service and the stand-in read a clock 10 s before a Korean midnight.
    const auto midnight = next_korean_midnight();
    const auto offset = std::chrono::duration_cast<std::chrono::seconds>(
        midnight - 10s - std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    DiscoveryStandIn day(server, offset, article_page("003_0012577249"));
    const auto yesterday = day.today();
    day.publish(20);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    ServiceProcess service(run_args(server, archive, {"--section", "100", "--poll-interval", "1", "--rate", "0"}),
                           scratch.path(), {{"SILLOK_TEST_CLOCK_OFFSET_S", std::to_string(offset.count())}});
    INFO("service log:\n" << service.log());
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 20); }, 7s),
                    "the evening's first 20 articles were not archived before midnight");

    // The evening goes on until midnight; just after it, three more articles of the day
    // before appear on its list (listed late), while the new day's list is still empty.
    const auto evening = day.publish(5);
    std::this_thread::sleep_until(midnight + 1s - offset);
    const auto today = day.today();
    REQUIRE(today != yesterday);
    const auto late_at = steady_clock::now();
    const auto late = day.publish_on(yesterday, 3);
    std::this_thread::sleep_for(5s);
    const auto morning_at = steady_clock::now();
    const auto morning = day.publish(10);
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 38); }, 20s),
                    "the articles of the two days were not all archived");
    service.signal(SIGTERM);
    REQUIRE(service.wait(10s) == 0);

    check_archived_once(server, ledger, day.published());
    check_archived_within(ledger, day, evening, k_poll_interval + k_fetch_allowance);
    check_archived_within(ledger, day, late, k_poll_interval + k_fetch_allowance);
    check_archived_within(ledger, day, morning, k_poll_interval + k_fetch_allowance);
    // Yesterday's list is walked after midnight, also after its late articles appeared.
    CHECK(service.log().contains("a new day in Korea (" + today + "): finishing the lists of " + yesterday));
    CHECK(per_date_requests(server, yesterday, late_at, steady_clock::now()) >= 1);
    // Today's list was empty in at least as many polls in a row as make a stall; none was
    // raised, and the ledger records those polls as the day not yet begun.
    REQUIRE(per_date_requests(server, today, late_at, morning_at) >= 3);
    CHECK_FALSE(service.log().contains("has stalled"));
    CHECK(service.log().contains("date 100: the list of " + today + " has no article yet"));
    CHECK(ledger_number(ledger, "SELECT count(*) FROM source_polls WHERE source = 'date 100' AND failure = ?1",
                        {"day_not_begun"})
              .value_or(0)
          >= 3);
    CHECK(ledger_number(ledger, "SELECT count(*) FROM source_polls WHERE source = 'date 100' AND failure <> ?1",
                        {"day_not_begun"})
          == 0);
    const auto status = status_of(archive);
    INFO("status:\n" << status);
    CHECK_FALSE(status.contains("STALLED"));
}
