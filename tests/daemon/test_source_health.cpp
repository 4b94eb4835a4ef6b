// Discovery's sources in the ledger: each walk recorded, consecutive empty polls counted from
// the last success, and what `status`, STATUS= and the metrics say of a stalled source.
#include "daemon/ledger.hpp"
#include "daemon/source_health.hpp"
#include "daemon/status.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace sillok::daemon;

TEST_CASE("daemon::SourceHealth counts empty polls and reports stalls")
{
    sillok::test::ScratchDir scratch;
    const auto path = scratch.path() / "ledger.sqlite3";
    REQUIRE(Ledger::open(path).has_value());
    auto health = SourceHealth::open(path);
    REQUIRE(health.has_value());
    const auto now = WallClock::now();
    const std::string url = "https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST?sid=100";
    const ListingFailure shell{ListingFailureKind::empty_shell, url, "an empty shell"};

    REQUIRE(health->record(SourcePoll{"date 100", "https://news.naver.com/main/list.naver", 40, 12, std::nullopt}, now));
    REQUIRE(health->record(SourcePoll{"latest 100/264", url, 36, 5, std::nullopt}, now));
    for (int i = 0; i < 2; ++i) {
        REQUIRE(health->record(SourcePoll{"latest 100/264", url, 0, 0, shell}, now));
    }
    CHECK(health->consecutive_empty("latest 100/264") == 2);
    CHECK(health->consecutive_empty("date 100") == 0);
    CHECK(health->consecutive_empty("never polled") == 0);

    auto stats = read_stats(path, now);
    REQUIRE(stats.has_value());
    REQUIRE(stats->sources.size() == 2);
    CHECK(stats->sources[0].source == "date 100");
    CHECK(stats->sources[0].new_last_24h == 12);
    CHECK_FALSE(stats->sources[1].stalled());
    CHECK(status_line(*stats).find("stalled") == std::string::npos);

    REQUIRE(health->record(SourcePoll{"latest 100/264", url, 0, 0, shell}, now));
    stats = read_stats(path, now);
    REQUIRE(stats.has_value());
    const auto& latest = stats->sources[1];
    CHECK(latest.consecutive_empty == 3);
    CHECK(latest.stalled());
    CHECK(latest.new_last_24h == 5);
    CHECK(latest.last_failure == "empty_shell " + url + ": an empty shell");
    const auto text = render_status(*stats, now);
    CHECK(text.find("source latest 100/264: last success") != std::string::npos);
    CHECK(text.find("3 empty polls in a row (STALLED)") != std::string::npos);
    CHECK(status_line(*stats).find("discovery stalled: latest 100/264") != std::string::npos);
    CHECK(render_prometheus(*stats, now).find("sillok_source_stalled{source=\"latest 100/264\"} 1") != std::string::npos);

    // A success ends the stall.
    REQUIRE(health->record(SourcePoll{"latest 100/264", url, 36, 0, std::nullopt}, now));
    CHECK(health->consecutive_empty("latest 100/264") == 0);
}
