// `sillok backfill` interrupted again and again (SIGINT and SIGKILL at random moments, against
// a slow server) and run until it completes: it ends with the archive an uninterrupted run
// makes, having fetched no listing page twice (but the one in flight when it was killed).
#include "tests/e2e/backfill_stand_in.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

constexpr auto k_slow_answer = 150ms;
constexpr int k_exit_interrupted = 75;
constexpr int k_exit_killed = 128 + SIGKILL;
const std::vector<std::string> k_range{"--section", "100",        "--section", "101/259",
                                       "--from",    "2024-03-11", "--to",      "2024-03-13"};

// 2024-03-11..13 of section 100 (three legacy pages a day) and 101/259 (two cursor pages).
void serve_days(BackfillStandIn& stand_in)
{
    for (const auto& date : days_from("20240311", 3)) {
        stand_in.add(listing_day(ListingKind::section, "100", date, 0, {2, 2, 1}));
        stand_in.add(listing_day(ListingKind::section, "101/259", date, 1, {2, 1}));
    }
}

// One run of the command: the server's requests [first, end) are its own.
struct Run {
    size_t first = 0;
    size_t end = 0;
    int signal = 0; // 0: not interrupted
    int exit_code = -1;
};

std::vector<SeenRequest> requests_of(const std::vector<SeenRequest>& seen, const Run& run)
{
    return {seen.begin() + static_cast<std::ptrdiff_t>(run.first), seen.begin() + static_cast<std::ptrdiff_t>(run.end)};
}

// Whether `url` was the listing page `run` was fetching when it was interrupted: a run walks
// one listing page at a time, so that is its last one.
bool in_flight_at_interruption(const std::vector<SeenRequest>& seen, const Run& run, const std::string& url)
{
    auto urls = listing_urls(requests_of(seen, run));
    return run.signal != 0 && !urls.empty() && urls.back() == url;
}

// No listing page is fetched twice, except the one in flight when a run was interrupted.
void check_pages_fetched_once(const std::vector<SeenRequest>& seen, const std::vector<Run>& runs)
{
    std::map<std::string, size_t> fetched_by;
    for (size_t r = 0; r < runs.size(); ++r) {
        for (const auto& url : listing_urls(requests_of(seen, runs[r]))) {
            auto earlier = fetched_by.find(url);
            CHECK_MESSAGE((earlier == fetched_by.end()
                           || (earlier->second < r && in_flight_at_interruption(seen, runs[earlier->second], url))),
                          url << " fetched again by run " << r);
            fetched_by[url] = r;
        }
    }
}

// Once the request that completes a listing (its last page) is made, no page of that listing is
// fetched again, except that same page by a later run when it was in flight at an interruption.
void check_nothing_after_completion(const std::vector<SeenRequest>& seen, const std::vector<Run>& runs,
                                    const ListingDay& day)
{
    const auto last = day.page_urls().back();
    std::optional<size_t> completed_by;
    for (size_t r = 0; r < runs.size(); ++r) {
        for (const auto& request : requests_of(seen, runs[r])) {
            if (!is_listing_request(request) || listing_key_of(request) != day.key()) {
                continue;
            }
            const auto url = url_of(request);
            if (completed_by) {
                CHECK_MESSAGE(
                    (url == last && *completed_by < r && in_flight_at_interruption(seen, runs[*completed_by], last)),
                    day.key() << ": " << url << " fetched by run " << r << " after run " << *completed_by
                              << " completed the listing");
            }
            if (url == last) {
                completed_by = r;
            }
        }
    }
    CHECK_MESSAGE(completed_by.has_value(), day.key() << ": its last page was never fetched");
}

// An article is fetched again only when the run that fetched it was killed: a run stopped by
// SIGINT finishes and records what it has in flight.
void check_articles_refetched_only_after_kill(const std::vector<SeenRequest>& seen, const std::vector<Run>& runs)
{
    std::map<std::string, size_t> fetched_by;
    for (size_t r = 0; r < runs.size(); ++r) {
        for (const auto& path : article_paths(requests_of(seen, runs[r]))) {
            auto earlier = fetched_by.find(path);
            CHECK_MESSAGE(
                (earlier == fetched_by.end() || (earlier->second < r && runs[earlier->second].signal == SIGKILL)),
                path << " fetched again by run " << r);
            fetched_by[path] = r;
        }
    }
}

// The archive of one uninterrupted run on a fresh archive, from its own stand-in.
std::map<std::string, std::string> uninterrupted_archive(const fs::path& dir)
{
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    serve_days(stand_in);
    auto run = backfill(server, dir / "archive", k_range);
    REQUIRE(run.result.exit_code == 0);
    return archive_snapshot(dir / "archive");
}

} // namespace

TEST_CASE("e2e::backfill interrupted by SIGINT and SIGKILL resumes to the archive of an uninterrupted run")
{
    ScratchDir scratch;
    const auto expected = uninterrupted_archive(scratch.path() / "reference");
    REQUIRE(expected.size() == 24);

    NaverStandIn server;
    BackfillStandIn stand_in(server);
    serve_days(stand_in);
    stand_in.set_delay(k_slow_answer);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto logs = scratch.path() / "logs";
    const auto args = backfill_args(server, archive, k_range);

    const auto seed = std::random_device{}();
    CAPTURE(seed);
    std::mt19937 random(seed);
    std::vector<int> signals{SIGINT, SIGINT, SIGINT, SIGINT, SIGKILL, SIGKILL, SIGKILL, SIGKILL};
    std::ranges::shuffle(signals, random);
    // Each run is interrupted after a random number of requests and a random part of an answer's
    // time, so that the interruptions fall all over the walk, in flight and between requests.
    std::uniform_int_distribution<size_t> requests_before(1, 4);
    std::uniform_int_distribution<int> pause_ms(0, 200);

    std::vector<Run> runs;
    for (int signal : signals) {
        Run run{server.requests().size(), 0, signal, -1};
        ServiceProcess process(args, logs);
        INFO("log of run " << runs.size() << ":\n" << process.log());
        // By its first request the process has its signal handlers in place.
        const auto enough = run.first + requests_before(random);
        REQUIRE(wait_until([&] { return server.requests().size() >= enough || process.wait(0s); }, 20s));
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
        if (process.wait(0s)) {
            run.signal = 0;
        } else {
            process.signal(signal);
        }
        auto code = process.wait(10s);
        REQUIRE_MESSAGE(code.has_value(), "run " << runs.size() << " did not end after signal " << signal);
        run.exit_code = *code;
        run.end = server.requests().size();
        runs.push_back(run);
        if (run.signal == 0) {
            break;
        }
        CHECK(run.exit_code == (signal == SIGINT ? k_exit_interrupted : k_exit_killed));
    }
    const auto interrupted = std::ranges::count_if(runs, [](const Run& run) { return run.signal != 0; });
    CHECK_MESSAGE(interrupted >= 6, "the backfill completed before six interruptions");

    while (runs.empty() || runs.back().signal != 0 || runs.back().exit_code != 0) {
        REQUIRE_MESSAGE(runs.size() < signals.size() + 3, "the backfill does not complete");
        Run run{server.requests().size(), 0, 0, -1};
        ServiceProcess process(args, logs);
        INFO("log of run " << runs.size() << ":\n" << process.log());
        auto code = process.wait(60s);
        REQUIRE_MESSAGE(code.has_value(), "an uninterrupted run did not end in 60 s");
        CHECK(process.log().contains("summary\tcomplete"));
        CHECK_FALSE(process.log().contains("\nfailed"));
        run.exit_code = *code;
        run.end = server.requests().size();
        runs.push_back(run);
        CHECK(run.exit_code == 0);
    }

    CHECK(archive_snapshot(archive) == expected);
    const auto refs = stand_in.refs();
    const auto count = static_cast<std::int64_t>(refs.size());
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == count);
    CHECK(articles_with_several_versions(ledger) == 0);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM frontier WHERE state = 'done'") == count);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM listings WHERE done = 1") == 6);

    const auto seen = server.requests();
    const auto days = stand_in.days();
    const auto urls = listing_urls(seen);
    CHECK(std::set<std::string>(urls.begin(), urls.end()) == [&] {
        auto expected_urls = sorted_page_urls(days);
        return std::set<std::string>(expected_urls.begin(), expected_urls.end());
    }());
    const auto paths = article_paths(seen);
    CHECK(std::set<std::string>(paths.begin(), paths.end()).size() == refs.size());
    check_pages_fetched_once(seen, runs);
    for (const auto& day : days) {
        check_nothing_after_completion(seen, runs, day);
    }
    check_articles_refetched_only_after_kill(seen, runs);

    stand_in.set_delay(0ms);
    auto last = backfill(server, archive, k_range);
    CHECK(last.result.exit_code == 0);
    CHECK(last.output.summary.starts_with("nothing left"));
    CHECK(server.requests().size() == seen.size());
}
