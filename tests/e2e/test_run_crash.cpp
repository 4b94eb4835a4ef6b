// `sillok run` end to end: killed without warning (SIGKILL) at random moments, again and
// again, the service loses nothing and duplicates nothing. Work left in flight returns to the
// queue on the next start, half-written files never reach the archive, the ledger stays sound.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <cstdlib>
#include <random>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

constexpr int k_kills = 12;
constexpr std::string_view k_recovery_message = "left in flight by a stopped process";

} // namespace

TEST_CASE("e2e::run killed at random moments archives every listed article exactly once")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto articles = listed_refs(page);
    serve_section(server, page);
    // Slow answers (100 to 300 ms) so that kills land while requests are in flight.
    serve_articles(server, articles, article_page("003_0012577249"),
                   [](int n) { return std::chrono::milliseconds(100 + (n * 73) % 200); });
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto args = run_args(server, archive, {"--section", "100", "--poll-interval", "1", "--rate", "0"});

    // SILLOK_CRASH_SEED replays a failed run's kill moments.
    const char* given_seed = std::getenv("SILLOK_CRASH_SEED");
    const auto seed = given_seed != nullptr ? static_cast<unsigned>(std::stoul(given_seed)) : std::random_device{}();
    INFO("random seed (SILLOK_CRASH_SEED): " << seed);
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_ms(100, 1500);
    std::int64_t left_in_flight = 0;
    bool recovery_logged = false;
    for (int kill = 0; kill < k_kills; ++kill) {
        ServiceProcess service(args, scratch.path());
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
        CHECK_MESSAGE(!service.wait(0s).has_value(), "the service ended before it was killed:\n" << service.log());
        CHECK(service.kill() == 128 + SIGKILL);
        left_in_flight += frontier_counts(ledger).in_flight;
        recovery_logged = recovery_logged || service.log().contains(k_recovery_message);
    }
    MESSAGE("after " << k_kills << " kills: " << archived_count(ledger) << " of " << articles.size()
                     << " archived; items found in flight after kills: " << left_in_flight);

    ServiceProcess last(args, scratch.path());
    INFO("log of the last run:\n" << last.log());
    // SIGTERM before the service handles it would end the process by default.
    REQUIRE(wait_until([&] { return last.log().contains("running: archive"); }, 10s));
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                            auto counts = frontier_counts(ledger);
                            return counts.pending == 0 && counts.in_flight == 0
                                   && archived_count(ledger) == static_cast<std::int64_t>(articles.size());
                        },
                        40s),
                    "the last run did not finish the queue");
    last.signal(SIGTERM);
    REQUIRE(last.wait(10s) == 0);

    std::vector<std::string> expected_files;
    for (const auto& ref : articles) {
        expected_files.push_back("2024/05/30/" + ref.id() + ".md");
    }
    std::ranges::sort(expected_files);
    CHECK(article_files(archive) == expected_files);
    CHECK(files_under(archive / ".tmp").empty());
    CHECK(ledger_number(ledger, "SELECT count(*) FROM articles") == static_cast<std::int64_t>(articles.size()));
    CHECK(ledger_number(ledger, "SELECT count(*) FROM versions") == static_cast<std::int64_t>(articles.size()));
    CHECK(ledger_number(ledger, "SELECT count(DISTINCT article_id) FROM versions")
          == static_cast<std::int64_t>(articles.size()));
    const auto counts = frontier_counts(ledger);
    CHECK(counts.done == static_cast<std::int64_t>(articles.size()));
    CHECK(counts.failed == 0);
    CHECK(counts.gone == 0);
    CHECK(ledger_text(ledger, "PRAGMA integrity_check") == "ok");
    recovery_logged = recovery_logged || last.log().contains(k_recovery_message);
    CHECK((left_in_flight == 0 || recovery_logged));
}
