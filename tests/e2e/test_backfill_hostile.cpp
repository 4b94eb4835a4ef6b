// `sillok backfill` and `sillok coverage` against listings that never end: a paging endpoint
// whose cursor comes back (A -> B -> A), a per-date list that serves the same articles on every
// page, and an endpoint that always has a next cursor with a new article. Each walk stops and
// says why; a walk stopped by the page limit is reported as not complete.
#include "tests/e2e/backfill_stand_in.hpp"
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <memory>

namespace {

using namespace sillok::test;
using sillok::parsers::ArticleRef;

constexpr std::string_view k_fragment_path = "/section/template/SECTION_ARTICLE_LIST_FOR_LATEST";

std::string query_value(const httplib::Request& request, const std::string& key)
{
    return request.has_param(key) ? request.get_param_value(key) : std::string();
}

size_t listing_requests(const NaverStandIn& server) { return listing_urls(server.requests()).size(); }

} // namespace

TEST_CASE("e2e::backfill stops a walk whose cursor comes back (A -> B -> A) and says why")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    // Three pages of three new articles each; the stand-in serves their article pages.
    auto day = listing_day(ListingKind::section, "101/259", "20240301", 1, {3, 3, 3, 3});
    stand_in.add(day);
    // The endpoint: "" -> page 1 (next A), A -> page 2 (next B), B -> page 3 (next A again).
    const std::string a = "20240301230000";
    const std::string b = "20240301220000";
    const std::string c = "20240301210000";
    auto third = page_body(day, 3);
    REQUIRE(third.contains(c));
    for (auto at = third.find(c); at != std::string::npos; at = third.find(c, at + a.size())) {
        third.replace(at, c.size(), a);
    }
    const std::map<std::string, std::string> answers{{"", page_body(day, 1)}, {a, page_body(day, 2)}, {b, third}};
    REQUIRE(answers.at("").contains(a));
    REQUIRE(answers.at(a).contains(b));
    server.on("news.naver.com", std::string(k_fragment_path),
              [answers](const httplib::Request& request, httplib::Response& response) {
                  auto found = answers.find(query_value(request, "next"));
                  if (found == answers.end()) {
                      response.status = 400;
                      return;
                  }
                  respond_uncompressed(response, std::make_shared<const std::string>(found->second),
                                       "application/json;charset=UTF-8");
              });

    const auto archive = scratch.path() / "archive";
    auto run =
        backfill(server, archive, {"--dry-run", "--section", "101/259", "--from", "2024-03-01", "--to", "2024-03-01"});
    INFO("stdout:\n" << run.result.out << "stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    // Three pages, each fetched once; nine articles, each listed once.
    CHECK(listing_requests(server) == 3);
    CHECK(run.output.would_queue.size() == 9);
    CHECK(run.output.summary.starts_with("dry run: 1/1 days walked, 9 articles listed, 9 would be queued"));
    CHECK(run.result.err.contains("2024-03-01 section 101/259: walk ended: the next cursor was already walked"));
}

TEST_CASE("e2e::backfill stops a per-date list that serves the same articles on every page")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    auto day = listing_day(ListingKind::section, "100", "20240301", 0, {20});
    day.pages = {day.pages[0], day.pages[0], day.pages[0], day.pages[0], day.pages[0]};
    stand_in.add(day);
    const auto archive = scratch.path() / "archive";
    auto run =
        backfill(server, archive, {"--dry-run", "--section", "100", "--from", "2024-03-01", "--to", "2024-03-01"});
    INFO("stdout:\n" << run.result.out << "stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(listing_requests(server) == 2);
    CHECK(run.output.summary.starts_with("dry run: 1/1 days walked, 20 articles listed, 20 would be queued"));
    CHECK(run.result.err.contains("2024-03-01 section 100: walk ended: page 2 lists no article the walk had not "
                                  "already listed"));
}

TEST_CASE("e2e::coverage and backfill report a walk stopped by the page limit as not complete")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    // An endpoint with no end: every page has a new article and a next cursor one second earlier.
    auto day = listing_day(ListingKind::section, "101/259", "20240301", 1, {1, 1});
    stand_in.add(day);
    const auto template_page = page_body(day, 1);
    const std::string first_cursor = "20240301230000";
    const std::string first_aid = day.pages[0][0].aid;
    REQUIRE(template_page.contains(first_cursor));
    REQUIRE(template_page.contains(first_aid));
    server.on("news.naver.com", std::string(k_fragment_path),
              [=](const httplib::Request& request, httplib::Response& response) {
                  const auto next = query_value(request, "next");
                  // Page n (1 for the first) answers cursor 23:59:59 - n seconds and article n.
                  int n = 1;
                  if (!next.empty()) {
                      const int seconds = std::stoi(next.substr(8, 2)) * 3600 + std::stoi(next.substr(10, 2)) * 60
                                          + std::stoi(next.substr(12, 2));
                      n = 86399 - seconds + 1;
                  }
                  const int seconds = 86399 - n;
                  const auto cursor =
                      fmt::format("20240301{:02}{:02}{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
                  const auto aid = first_aid.substr(0, 4) + fmt::format("{:06}", n);
                  auto body = template_page;
                  for (const auto& [from, to] : {std::pair{first_cursor, cursor}, std::pair{first_aid, aid}}) {
                      for (auto at = body.find(from); at != std::string::npos; at = body.find(from, at + to.size())) {
                          body.replace(at, from.size(), to);
                      }
                  }
                  respond_uncompressed(response, std::make_shared<const std::string>(std::move(body)),
                                       "application/json;charset=UTF-8");
              });
    const auto archive = scratch.path() / "archive";

    auto argv = backfill_args(server, archive, {"2024-03-01", "--section", "101/259"});
    argv.front() = "coverage";
    argv.insert(argv.begin(), SILLOK_BINARY);
    auto covered = run_command(argv);
    INFO("stdout:\n" << covered.out << "stderr:\n" << covered.err);
    CHECK(listing_requests(server) == 1000);
    CHECK(covered.exit_code == 1);
    CHECK(covered.out.contains("failed-listing\t2024-03-01 section 101/259\t"));
    CHECK(covered.out.contains("page_limit: stopped at the page limit (1000 pages) before the listing's end: not "
                               "complete"));
    CHECK(covered.out.contains("section 101/259\tlisted 1000\t"));
}
