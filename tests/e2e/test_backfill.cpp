// `sillok backfill` end to end: it walks every listing of every day of a range, page by page
// (legacy lists) or cursor by cursor (a section with sid2), archives each listed article once
// and records its progress; --dry-run changes nothing and --limit stops early, resumably.
#include "tests/e2e/backfill_stand_in.hpp"
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;
using sillok::parsers::ArticleRef;

const std::vector<std::string> k_three_days{"--section", "100",    "--section",  "101/259", "--press",
                                            "015",       "--from", "2024-03-01", "--to",    "2024-03-03"};

std::vector<ArticleRef> with_oid(const std::vector<ArticleRef>& refs, std::string_view oid)
{
    std::vector<ArticleRef> kept;
    std::ranges::copy_if(refs, std::back_inserter(kept), [&](const ArticleRef& ref) { return ref.oid == oid; });
    return kept;
}

// 2024-03-01..03 of section 100 (legacy pages: three pages, one page, and two pages whose last
// links a third, which answers with the second again), section 101/259 (cursor pages: two,
// three, one) and press 015 (legacy pages). As on Naver, an article can be listed twice: under
// its press and its section, or under two sections.
void serve_three_days(BackfillStandIn& stand_in)
{
    const auto dates = days_from("20240301", 3);
    auto first_day = listing_day(ListingKind::section, "100", dates[0], 0, {5, 5, 3});
    stand_in.add(first_day);
    stand_in.add(listing_day(ListingKind::section, "100", dates[1], 0, {4}));
    auto group_end = listing_day(ListingKind::section, "100", dates[2], 0, {5, 2});
    group_end.links_past_last = true;
    stand_in.add(group_end);

    auto sub_section = listing_day(ListingKind::section, "101/259", dates[0], 1, {4, 3});
    sub_section.pages[1].push_back(first_day.pages[1][0]);
    stand_in.add(sub_section);
    stand_in.add(listing_day(ListingKind::section, "101/259", dates[1], 1, {3, 3, 1}));
    stand_in.add(listing_day(ListingKind::section, "101/259", dates[2], 1, {2}));

    auto press = listing_day(ListingKind::press, "015", dates[0], 2, {3, 2});
    const auto also_in_section = with_oid(first_day.pages[0], "015");
    REQUIRE(also_in_section.size() == 2);
    press.pages[0].insert(press.pages[0].begin() + 1, also_in_section.begin(), also_in_section.end());
    stand_in.add(press);
    stand_in.add(listing_day(ListingKind::press, "015", dates[1], 2, {2}));
    stand_in.add(listing_day(ListingKind::press, "015", dates[2], 2, {2}));
}

// Listing requests per listing, in arrival order.
std::map<std::string, std::vector<std::string>> by_listing(const std::vector<SeenRequest>& requests)
{
    std::map<std::string, std::vector<std::string>> walked;
    for (const auto& request : requests) {
        if (is_listing_request(request)) {
            walked[listing_key_of(request)].push_back(url_of(request));
        }
    }
    return walked;
}

std::vector<std::string> ids(const std::vector<ArticleRef>& refs)
{
    std::vector<std::string> out;
    for (const auto& ref : refs) {
        out.push_back(ref.id());
    }
    return out;
}

std::vector<ArticleRef> first_pages(const std::vector<ListingDay>& days, size_t count)
{
    std::vector<ArticleRef> refs;
    size_t taken = 0;
    for (const auto& day : days) {
        for (const auto& page : day.pages) {
            if (taken++ < count) {
                refs.insert(refs.end(), page.begin(), page.end());
            }
        }
    }
    return refs;
}

} // namespace

TEST_CASE("e2e::backfill archives every article listed over several days once, each page fetched once")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    serve_three_days(stand_in);
    const auto days = stand_in.days();
    const auto refs = stand_in.refs();
    REQUIRE(refs.size() == 49);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";

    auto run = backfill(server, archive, k_three_days);
    INFO("stdout:\n" << run.result.out << "stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.output.failed.empty());
    CHECK(run.output.would_queue.empty());
    CHECK(run.output.summary.starts_with("complete: 3/3 days walked"));
    CHECK(run.output.summary.contains(" 49 archived"));
    for (const auto* day : {"2024-03-01", "2024-03-02", "2024-03-03"}) {
        CHECK_MESSAGE(run.result.err.contains(std::string(day) + ": listings walked"), "no log line for " << day);
    }

    const auto seen = server.requests();
    CHECK(sorted(listing_urls(seen)) == sorted_page_urls(days));
    const auto walked = by_listing(seen);
    for (const auto& day : days) {
        CAPTURE(day.key());
        CHECK(walked.contains(day.key()));
        if (walked.contains(day.key())) {
            CHECK(walked.at(day.key()) == day.page_urls());
        }
    }
    CHECK(sorted(article_paths(seen)) == sorted_paths(refs));
    CHECK(article_paths(seen).size() + listing_urls(seen).size() == seen.size());

    CHECK(archive_files(archive) == archive_paths(refs));
    CHECK(archive_snapshot(archive).size() == refs.size());
    const auto& sample = refs.front();
    const auto fields = front_matter(read_file(archive / archive_path(sample)));
    CHECK(field(fields, "id") == sample.id());
    CHECK(field(fields, "url") == sample.canonical_url());

    const auto count = static_cast<std::int64_t>(refs.size());
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == count);
    CHECK(articles_with_several_versions(ledger) == 0);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE state = 'archived'") == count);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM frontier WHERE source = 'backfill' AND state = 'done'") == count);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM listings") == static_cast<std::int64_t>(days.size()));
    for (const auto& day : days) {
        CHECK(ledger_count(ledger, "SELECT count(*) FROM listings WHERE key = ?1 AND done = 1", {day.key()}) == 1);
    }

    SUBCASE("the same range again: nothing left, no request")
    {
        auto again = backfill(server, archive, k_three_days);
        INFO("stdout:\n" << again.result.out << "stderr:\n" << again.result.err);
        CHECK(again.result.exit_code == 0);
        CHECK(again.output.summary.starts_with("nothing left"));
        CHECK(server.requests().size() == seen.size());
        CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == count);
    }
}

TEST_CASE("e2e::backfill --dry-run changes nothing and --limit stops early, resumably")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    for (const auto& date : days_from("20240305", 2)) {
        stand_in.add(listing_day(ListingKind::section, "100", date, 0, {4, 3}));
        stand_in.add(listing_day(ListingKind::section, "101/259", date, 1, {3, 2}));
    }
    const auto days = stand_in.days();
    const auto refs = stand_in.refs();
    REQUIRE(refs.size() == 24);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const std::vector<std::string> range{"--section", "100",        "--section", "101/259",
                                         "--from",    "2024-03-05", "--to",      "2024-03-06"};
    auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), range.begin(), range.end());
        return more;
    };

    auto dry = backfill(server, archive, with({"--dry-run"}));
    {
        INFO("stdout:\n" << dry.result.out << "stderr:\n" << dry.result.err);
        CHECK(dry.result.exit_code == 0);
        CHECK(sorted(dry.output.would_queue) == sorted(ids(refs)));
        CHECK(dry.output.summary.starts_with("dry run: 2/2 days walked, 24 articles listed, 24 would be queued"));
        std::set<std::string> labels(dry.output.labels.begin(), dry.output.labels.end());
        CHECK(labels
              == std::set<std::string>{"2024-03-05 section 100", "2024-03-05 section 101/259", "2024-03-06 section 100",
                                       "2024-03-06 section 101/259"});
        CHECK(sorted(listing_urls(server.requests())) == sorted_page_urls(days));
        CHECK(article_paths(server.requests()).empty());
        CHECK(ledger_count(ledger, "SELECT count(*) FROM frontier") == 0);
        CHECK(ledger_count(ledger, "SELECT count(*) FROM listings") == 0);
        CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 0);
        CHECK(archive_files(archive).empty());
    }

    auto dry_limited = backfill(server, archive, with({"--dry-run", "--limit", "5"}));
    CHECK(dry_limited.result.exit_code == 75);
    CHECK(dry_limited.output.would_queue
          == std::vector<std::string>(dry.output.would_queue.begin(), dry.output.would_queue.begin() + 5));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM frontier") == 0);

    // Six is reached on the second page; that page is queued whole (its progress is saved with
    // it), and no page after it is fetched.
    const auto before_limited = server.requests().size();
    auto limited = backfill(server, archive, with({"--limit", "6"}), std::chrono::seconds(10));
    const auto limited_requests = requests_since(server, before_limited);
    {
        INFO("stdout:\n" << limited.result.out << "stderr:\n" << limited.result.err);
        CHECK(limited.result.exit_code == 75);
        CHECK(limited.output.summary.starts_with("incomplete"));
        const auto queued = first_pages(days, 2);
        CHECK(archive_files(archive) == archive_paths(queued));
        CHECK(sorted(article_paths(limited_requests)) == sorted_paths(queued));
        CHECK(listing_urls(limited_requests)
              == std::vector<std::string>{days[0].page_urls()[0], days[0].page_urls()[1]});
        CHECK(ledger_count(ledger, "SELECT count(*) FROM listings WHERE done = 1") == 1);
    }

    // A dry run now lists what the limited run left.
    auto dry_after = backfill(server, archive, with({"--dry-run"}));
    CHECK(dry_after.result.exit_code == 0);
    std::vector<std::string> left;
    std::ranges::set_difference(sorted(ids(refs)), sorted(ids(first_pages(days, 2))), std::back_inserter(left));
    CHECK(sorted(dry_after.output.would_queue) == left);

    const auto before_rest = server.requests().size();
    auto rest = backfill(server, archive, range);
    const auto rest_requests = requests_since(server, before_rest);
    INFO("stdout:\n" << rest.result.out << "stderr:\n" << rest.result.err);
    CHECK(rest.result.exit_code == 0);
    CHECK(rest.output.summary.starts_with("complete"));
    CHECK(archive_files(archive) == archive_paths(refs));
    auto fetched = article_paths(limited_requests);
    auto fetched_rest = article_paths(rest_requests);
    fetched.insert(fetched.end(), fetched_rest.begin(), fetched_rest.end());
    CHECK(sorted(fetched) == sorted_paths(refs));
    auto walked = listing_urls(limited_requests);
    auto walked_rest = listing_urls(rest_requests);
    walked.insert(walked.end(), walked_rest.begin(), walked_rest.end());
    CHECK(sorted(walked) == sorted_page_urls(days));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 24);
    CHECK(articles_with_several_versions(ledger) == 0);
}
