// `sillok backfill` next to other sillok processes on the same archive: beside `sillok run`
// the two share one politeness budget per host, and beside another backfill over overlapping
// dates no article is fetched or archived twice.
#include "tests/e2e/backfill_stand_in.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;
using sillok::parsers::ArticleRef;

constexpr auto k_process_timeout = 60s;
// --rate 5 is one start per 200 ms (plus up to 10% jitter, never less). The server sees a start
// when the request arrives, tens of milliseconds late on a busy machine, which shortens the gap
// to the next one; so the rate is checked over windows of ten gaps, with 150 ms for that noise.
constexpr size_t k_window = 10;
constexpr auto k_window_span = k_window * 200ms - 150ms;

// The saved section 100 page with its 36 listed articles folded onto `refs` (the first listed
// link becomes refs[0], the second refs[1], ...), so the service has a few articles to archive.
std::string section_page_listing(const std::vector<ArticleRef>& refs)
{
    const auto page = section_page();
    const auto listed = listed_refs(page);
    std::vector<ArticleRef> onto;
    for (size_t i = 0; i < listed.size(); ++i) {
        onto.push_back(refs[i % refs.size()]);
    }
    auto folded = with_refs_replaced(page, listed, onto);
    REQUIRE(listed_refs(folded) == refs);
    return folded;
}

// The rate seen at `host`: every k_window consecutive gaps between arrivals span k_window_span.
void check_rate_five(const NaverStandIn& server, std::string_view host)
{
    const auto between = gaps(arrivals(server, host));
    std::string listed;
    for (auto gap : between) {
        listed += std::to_string(gap.count()) + " ";
    }
    INFO(host << ": gaps (ms) " << listed);
    REQUIRE(between.size() >= k_window);
    for (size_t first = 0; first + k_window <= between.size(); ++first) {
        auto span = std::accumulate(between.begin() + static_cast<std::ptrdiff_t>(first),
                                    between.begin() + static_cast<std::ptrdiff_t>(first + k_window), 0ms);
        CHECK_MESSAGE(span >= k_window_span,
                      k_window << " gaps from the " << first << "th span " << span.count() << " ms");
    }
}

void check_each_archived_once(const NaverStandIn& server, const fs::path& archive, const std::vector<ArticleRef>& refs)
{
    const auto ledger = archive / "ledger.sqlite3";
    CHECK(sorted(article_paths(server.requests())) == sorted_paths(refs));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == static_cast<std::int64_t>(refs.size()));
    CHECK(articles_with_several_versions(ledger) == 0);
}

} // namespace

TEST_CASE("e2e::backfill beside sillok run shares the rate per host and archives nothing twice")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto run_refs = made_up_refs(8);
    serve_uncompressed(server, "news.naver.com", "/section/100", section_page_listing(run_refs));
    // The page behind the saved page's cursor, which the service reads when the list is all new.
    serve_uncompressed(server, "news.naver.com",
                       "/section/template/SECTION_ARTICLE_LIST_FOR_LATEST?sid=100&sid2=&cluid=&pageNo=2&date="
                       "&next=20260530010909",
                       next_page_json({}));
    for (const auto& ref : run_refs) {
        serve_uncompressed(server, "n.news.naver.com", canonical_path(ref.oid, ref.aid),
                           article_page("003_0012577249"));
    }

    // Two days of the backfill's own articles; its first page also lists two of the service's.
    BackfillStandIn stand_in(server);
    for (const auto& date : days_from("20240301", 2)) {
        auto day = listing_day(ListingKind::section, "100", date, 0, {3, 2});
        if (date == "20240301") {
            day.pages[0].insert(day.pages[0].end(), run_refs.begin(), run_refs.begin() + 2);
        }
        stand_in.add(day);
        stand_in.add(listing_day(ListingKind::section, "101/259", date, 1, {3}));
    }
    std::set<ArticleRef> all(run_refs.begin(), run_refs.end());
    for (const auto& ref : stand_in.refs()) {
        all.insert(ref);
    }
    const std::vector<ArticleRef> refs(all.begin(), all.end());
    REQUIRE(refs.size() == 24);

    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    ServiceProcess service(run_args(server, archive, {"--section", "100", "--poll-interval", "1", "--rate", "5"}),
                           scratch.path() / "run");
    INFO("service log:\n" << service.log());
    REQUIRE(wait_until([&] { return server.count("news.naver.com") > 0; }, 10s));

    ServiceProcess backfill_process(backfill_args(server, archive,
                                                  {"--section", "100", "--section", "101/259", "--from", "2024-03-01",
                                                   "--to", "2024-03-02", "--rate", "5"}),
                                    scratch.path() / "backfill");
    INFO("backfill log:\n" << backfill_process.log());
    CHECK(backfill_process.wait(k_process_timeout) == 0);
    CHECK(backfill_process.log().contains("summary\tcomplete"));
    CHECK(wait_until(
        [&] {
            auto counts = frontier_counts(ledger);
            return archived_count(ledger) == static_cast<std::int64_t>(refs.size()) && counts.pending == 0
                   && counts.in_flight == 0;
        },
        30s));
    service.signal(SIGTERM);
    CHECK(service.wait(10s) == 0);

    check_rate_five(server, "news.naver.com");
    check_rate_five(server, "n.news.naver.com");
    check_each_archived_once(server, archive, refs);
    std::vector<std::string> expected_files;
    for (const auto& ref : refs) {
        bool backfill_served = std::ranges::find(run_refs.begin() + 2, run_refs.end(), ref) == run_refs.end();
        expected_files.push_back(backfill_served ? archive_path(ref) : "2024/05/30/" + ref.id() + ".md");
    }
    CHECK(archive_files(archive) == sorted(expected_files));
}

TEST_CASE("e2e::backfill twice at once over overlapping dates archives each article once")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    for (const auto& date : days_from("20240301", 4)) {
        stand_in.add(listing_day(ListingKind::section, "100", date, 0, {4, 4}));
        stand_in.add(listing_day(ListingKind::section, "101/259", date, 1, {3}));
    }
    // A little slowness keeps both walking the shared days at the same time.
    stand_in.set_delay(20ms);
    const auto refs = stand_in.refs();
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> sections{"--section", "100", "--section", "101/259"};
    auto range = [&](std::string from, std::string to) {
        auto args = sections;
        args.insert(args.end(), {"--from", std::move(from), "--to", std::move(to)});
        return backfill_args(server, archive, args);
    };

    ServiceProcess first(range("2024-03-01", "2024-03-03"), scratch.path() / "first");
    ServiceProcess second(range("2024-03-02", "2024-03-04"), scratch.path() / "second");
    INFO("first log:\n" << first.log() << "\nsecond log:\n" << second.log());
    CHECK(first.wait(k_process_timeout) == 0);
    CHECK(second.wait(k_process_timeout) == 0);

    check_each_archived_once(server, archive, refs);
    CHECK(archive_files(archive) == archive_paths(refs));
    const auto urls = listing_urls(server.requests());
    const std::set<std::string> distinct(urls.begin(), urls.end());
    CHECK(distinct.size() == sorted_page_urls(stand_in.days()).size());
}
