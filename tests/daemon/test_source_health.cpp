// Discovery's sources in the ledger: each walk recorded, consecutive empty polls counted from
// the last success, and what `status`, STATUS= and the metrics say of a stalled source.
#include "daemon/discovery/robots.hpp"
#include "daemon/discovery/source_health.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/service/status.hpp"
#include "daemon/util/kst.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

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

    REQUIRE(
        health->record(SourcePoll{"date 100", "https://news.naver.com/main/list.naver", 40, 12, std::nullopt}, now));
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
    CHECK(render_prometheus(*stats, now).find("sillok_source_stalled{source=\"latest 100/264\"} 1")
          != std::string::npos);

    // A success ends the stall.
    REQUIRE(health->record(SourcePoll{"latest 100/264", url, 36, 0, std::nullopt}, now));
    CHECK(health->consecutive_empty("latest 100/264") == 0);
}

TEST_CASE("daemon::capacity: demand against the budget, and late revisits shed first")
{
    LedgerStats stats;
    stats.listing_fetches_last_24h = 24 * 60; // 60 an hour
    stats.articles_last_24h = 24 * 830;       // the six sections' order of magnitude
    stats.due_pending = 120;
    stats.queue_lag_seconds = 900;
    auto need = capacity(stats, 1.0, 3);
    CHECK(need.listings_per_hour == doctest::Approx(60));
    CHECK(need.articles_per_hour == doctest::Approx(830));
    CHECK(need.revisits_per_hour == doctest::Approx(2490));
    CHECK(need.budget_per_hour == doctest::Approx(3600));
    CHECK_FALSE(need.over_budget());
    auto text = render_capacity(stats, need);
    CHECK(text.contains("capacity: demand 3380 requests/h (60 listings, 830 new articles, 2490 revisits"));
    CHECK(text.contains("against a budget of 3600 requests/h"));
    CHECK(text.contains("queue lag: 120 items due, the oldest waiting 900 s"));
    CHECK_FALSE(text.contains("WARNING"));
    stats.listing_fetches_last_24h = 24 * 300;
    CHECK(render_capacity(stats, capacity(stats, 1.0, 3)).contains("capacity: WARNING"));
    CHECK(render_capacity(stats, capacity(stats, 0.0, 3)).contains("against a budget of no limit (rate 0)"));

    sillok::test::ScratchDir scratch;
    const auto path = scratch.path() / "ledger.sqlite3";
    REQUIRE(Ledger::open(path).has_value());
    auto frontier = Frontier::open(path);
    REQUIRE(frontier.has_value());
    const auto now = WallClock::now();
    REQUIRE(frontier->enqueue({{"001", "0000000001"}, {"001", "0000000002"}}, QueueSource::revisit,
                              now - std::chrono::hours(7)));
    REQUIRE(frontier->enqueue({{"001", "0000000003"}}, QueueSource::revisit, now - std::chrono::hours(1)));
    REQUIRE(frontier->enqueue({{"001", "0000000004"}}, QueueSource::discovery, now - std::chrono::hours(9)));
    auto shed = frontier->shed_late_revisits(now, std::chrono::hours(6));
    REQUIRE(shed.has_value());
    CHECK(*shed == 2);
    auto counts = frontier->counts_by_state();
    REQUIRE(counts.has_value());
    CHECK(counts->at("pending") == 2); // the recent revisit and the new article
    CHECK(counts->at("done") == 2);
}

TEST_CASE("daemon::status counts rates over the archive's real age, in-flight items of live owners only, and a "
          "robots.txt 404 as no rules")
{
    sillok::test::ScratchDir scratch;
    const auto path = scratch.path() / "ledger.sqlite3";
    REQUIRE(Ledger::open(path).has_value());
    const auto now = WallClock::now();
    {
        auto db = sql::open_connection(path, sql::k_state);
        REQUIRE(db.has_value());
        const auto hour_ago = kst_iso(now - std::chrono::hours(1));
        const auto minute_ago = kst_iso(now - std::chrono::minutes(1));
        auto insert = sql::prepare(db->get(), "INSERT INTO fetches (url, started_at, status, error)"
                                              " VALUES (?1, ?2, ?3, ?4)");
        REQUIRE(insert);
        auto add = [&](const std::string& url, const std::string& at, int status, const char* error) {
            sql::Bound bound(insert.get());
            bound.text(url).text(at).integer(status);
            if (error != nullptr) {
                bound.text(error);
            }
            REQUIRE(bound.step() == SQLITE_DONE);
        };
        for (int i = 0; i < 6; ++i) {
            add("https://news.naver.com/main/list.naver?page=" + std::to_string(i), hour_ago, 200, nullptr);
        }
        add("https://n.news.naver.com/robots.txt", minute_ago, 404, "http_status: HTTP 404");
        add("https://n.news.naver.com/mnews/article/001/0000000009", minute_ago, 500, "http_status: HTTP 500");
    }
    auto robots = RobotsLedger::open(path);
    REQUIRE(robots.has_value());
    REQUIRE(robots->record("n.news.naver.com", 404, "", "sillok", now).has_value());
    auto frontier = Frontier::open(path);
    REQUIRE(frontier.has_value());
    REQUIRE(frontier->enqueue({{"001", "0000000001"}, {"001", "0000000002"}, {"001", "0000000003"}},
                              QueueSource::discovery, now - std::chrono::minutes(5)));
    REQUIRE(frontier->claim(3, now).has_value()); // in flight in this process, which runs
    // One of them belongs to a process that has stopped.
    const pid_t stopped = ::fork();
    if (stopped == 0) {
        ::_exit(0);
    }
    REQUIRE(stopped > 0);
    ::waitpid(stopped, nullptr, 0);
    {
        auto db = sql::open_connection(path, sql::k_state);
        REQUIRE(db.has_value());
        auto moved = sql::prepare(db->get(), "UPDATE frontier SET owner_pid = ?1 WHERE aid = '0000000003'");
        REQUIRE(moved);
        REQUIRE(sql::Bound(moved.get()).integer(stopped).step() == SQLITE_DONE);
    }

    auto stats = read_stats(path, now);
    REQUIRE(stats.has_value());
    CHECK(stats->observed_hours == doctest::Approx(1.0).epsilon(0.05));
    CHECK(stats->fetches_last_24h == 8);
    CHECK(stats->failed_fetches_last_24h == 1); // the 500; the robots.txt 404 is no rules
    const auto text = render_status(*stats, now);
    INFO(text);
    CHECK(text.contains("queue: 1 pending, 2 in flight,"));
    CHECK(text.contains("queue: 1 of the pending were in flight in a process that stopped"));
    CHECK(text.contains("robots.txt n.news.naver.com: HTTP 404, fetched "));
    CHECK(text.contains("no robots.txt, so no rules (RFC 9309)"));
    CHECK_FALSE(text.contains("recent error: " + kst_iso(now - std::chrono::minutes(1))
                              + " https://n.news.naver.com/robots.txt"));
    CHECK(text.contains("/mnews/article/001/0000000009: http_status: HTTP 500"));
    const auto capacity_text = render_capacity(*stats, capacity(*stats, 1.0, 3));
    INFO(capacity_text);
    // Six listing requests in the hour the archive has existed: 6 an hour, not 6 / 24.
    CHECK(capacity_text.contains("(6 listings,"));
    CHECK(capacity_text.contains("at the rates of the 1.0 h since the first fetch"));
}
