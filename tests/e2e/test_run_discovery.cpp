// `sillok run` discovers every article of its section from the complete sources, not from the
// personalised section page: a stand-in day of section 100 (see discovery_stand_in.hpp) on which
// articles are published while the service runs and one source then goes silent. Every article
// is archived once; the silent source raises the stall warning (log, status) and the other
// complete source keeps discovery complete.
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
    CHECK(static_cast<size_t>(std::ranges::count_if(server.requests(), [](const SeenRequest& r) {
              return r.host == k_article_host && r.path != "/robots.txt";
          }))
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
    server.serve_html(std::string(k_section_host), "/robots.txt", "User-agent: Yeti\nAllow: /\n\nUser-agent: *\nDisallow: /\n");
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
    day.publish(25);
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 70); }, k_archive_timeout),
                    "the 25 articles published later were not archived");

    // The per-date list goes silent: the sub-sections' latest lists, learned from the pages and
    // paged through the Referer-gated endpoint, keep discovery complete.
    day.silence_per_date_list(true);
    const auto endpoint_before = server.count(k_section_host, k_endpoint);
    day.publish(10);
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 80); }, k_archive_timeout),
                    "the articles published while the per-date list was silent were not archived");
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
    CHECK(status.contains("asks of sillok: nothing"));
    CHECK(service.log().contains("robots.txt of news.naver.com: HTTP 200; asks of sillok: Disallow: /"));
    CHECK(ledger_number(ledger, "SELECT count(*) FROM source_polls WHERE source = 'date 100' AND failure = 'no_articles'")
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
    day.publish(12);
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 42); }, k_archive_timeout),
                    "the 12 articles published later were not archived");
    CHECK(server.count(k_section_host, k_endpoint) >= 2);

    // The endpoint switches to empty shells while articles keep arriving faster than a first
    // page holds: every poll of the latest lists fails, and the per-date list takes over.
    day.silence_endpoint(true);
    for (int round = 0; round < 8; ++round) {
        day.publish(10);
        std::this_thread::sleep_for(700ms);
    }
    REQUIRE_MESSAGE(wait_until([&] { return all_archived(ledger, 122); }, k_archive_timeout),
                    "the articles published while the endpoint sent empty shells were not archived");
    REQUIRE_MESSAGE(wait_until([&] { return service.log().contains("has stalled"); }, 30s),
                    "no stall warning for the empty shells");
    CHECK(service.log().contains("failed: empty_shell"));
    CHECK(status_of(archive).contains("(STALLED)"));

    service.signal(SIGTERM);
    REQUIRE(service.wait(10s) == 0);
    check_archived_once(server, ledger, day.published());
    check_referers(server);
}
