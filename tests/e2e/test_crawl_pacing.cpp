// `sillok crawl` end to end: how it spreads requests over time. --concurrency lets several be
// in flight at once; --rate spaces their starts, as the server sees them.
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

// Article ids 003_00125772NN for NN in [0, count): the parser takes the id from the URL, so one
// saved page can stand for many articles.
std::vector<std::string> sample_aids(int count)
{
    std::vector<std::string> aids;
    for (int i = 0; i < count; ++i) {
        std::array<char, 16> aid{};
        std::snprintf(aid.data(), aid.size(), "00125772%02d", i);
        aids.emplace_back(aid.data());
    }
    return aids;
}

struct InFlight {
    std::atomic<int> now{0};
    std::atomic<int> most{0};
};

// Serves the 003 page at every aid, each response taking `delay`, and tracks how many
// handlers run at once.
void serve_slowly(NaverStandIn& server, const std::vector<std::string>& aids, std::chrono::milliseconds delay,
                  InFlight& in_flight)
{
    auto page = std::make_shared<const std::string>(article_page("003_0012577249"));
    for (const auto& aid : aids) {
        server.on("n.news.naver.com", canonical_path("003", aid),
                  [&server, &in_flight, page, delay](const httplib::Request&, httplib::Response& response) {
                      int now = ++in_flight.now;
                      int most = in_flight.most.load();
                      while (now > most && !in_flight.most.compare_exchange_weak(most, now)) {
                      }
                      server.sleep_unless_stopped(delay);
                      --in_flight.now;
                      response.set_content(*page, "text/html;charset=UTF-8");
                  });
    }
}

std::vector<std::string> url_args(const std::vector<std::string>& aids)
{
    std::vector<std::string> args;
    for (const auto& aid : aids) {
        args.insert(args.end(), {"--url", canonical_url("003", aid)});
    }
    return args;
}

} // namespace

TEST_CASE("e2e::crawl with --concurrency keeps several requests in flight")
{
    ScratchDir scratch;
    NaverStandIn server;
    InFlight in_flight;
    const auto aids = sample_aids(30);
    serve_slowly(server, aids, 200ms, in_flight);
    auto args = url_args(aids);
    args.insert(args.end(), {"--rate", "0", "--concurrency", "4"});
    const auto archive = scratch.path() / "archive";

    auto run = crawl(server, archive, args);
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.lines.size() == aids.size());
    for (const auto& aid : aids) {
        const auto id = "003_" + aid;
        CAPTURE(id);
        auto line = run.line(id);
        CHECK(line.outcome == "saved");
        CHECK(line.path == "2024/05/30/" + id + ".md");
        CHECK(fs::is_regular_file(archive / line.path));
        CHECK(server.count("n.news.naver.com", canonical_path("003", aid)) == 1);
    }
    CHECK(in_flight.most > 1);
    CHECK(in_flight.most <= 4);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 30);
}

TEST_CASE("e2e::crawl with --rate spaces the starts of requests")
{
    ScratchDir scratch;
    NaverStandIn server;
    InFlight in_flight;
    const auto aids = sample_aids(6);
    serve_slowly(server, aids, 0ms, in_flight);
    auto args = url_args(aids);
    args.insert(args.end(), {"--rate", "5", "--concurrency", "4"});

    auto run = crawl(server, scratch.path() / "archive", args);
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.lines.size() == aids.size());

    std::vector<std::chrono::steady_clock::time_point> starts;
    for (const auto& request : server.requests()) {
        starts.push_back(request.at);
    }
    REQUIRE(starts.size() == aids.size());
    std::ranges::sort(starts);
    // 5 per second is one start per 200 ms.
    CHECK(keeps_pace(starts, 200ms));
}
