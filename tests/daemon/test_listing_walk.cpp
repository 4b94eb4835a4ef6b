// The listing walk shared by `run` and `backfill`: its URLs and Referer, its stop rules, the
// silent answers it turns into typed failures, and the dates a poll walks around midnight.
// Per-date pages are the saved 2026 list; cursor pages are hand-written in the endpoint's shape.
#include "daemon/discovery/discovery.hpp"
#include "daemon/discovery/listing_walk.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using namespace sillok::daemon;
using sillok::parsers::parse_listing;
using sillok::parsers::Section;

ListingWalk per_date_walk()
{
    ListingWalk walk;
    walk.form = WalkForm::per_date;
    walk.section = Section{100, std::nullopt};
    walk.date = "20260530";
    return walk;
}

ListingWalk latest_walk(std::string date)
{
    ListingWalk walk;
    walk.form = WalkForm::latest;
    walk.section = Section{100, "264"};
    walk.date = std::move(date);
    return walk;
}

// The endpoint's answer: a wrapper with the paging attributes around `count` list items.
// Its items are articles 001_00160000{first}, {first + 1}, ... (first from 10 to 99 - count).
std::string fragment(std::string_view cursor, bool has_next, int count, std::string_view template_name, int first = 10)
{
    std::string items;
    for (int i = 0; i < count; ++i) {
        items += "<li class=\"sa_item\"><a href=\"https://n.news.naver.com/mnews/article/001/00160000"
                 + std::to_string(first + i) + "\">x</a></li>";
    }
    const std::string html = "<div class=\"section_latest_article _CONTENT_LIST _PERSIST_META\" data-sid=\"100\""
                             " data-sid2=\"264\" data-has-next=\""
                             + std::string(has_next ? "true" : "false") + "\" data-cursor=\"" + std::string(cursor)
                             + "\" data-page-no=\"2\" data-date=\"\" data-template=\"" + std::string(template_name)
                             + "\"><ul class=\"sa_list\">" + items + "</ul></div>";
    nlohmann::json json;
    json["renderedComponent"]["SECTION_ARTICLE_LIST_FOR_LATEST"] = html;
    return json.dump();
}

const std::string k_fragment_url = "https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST";

} // namespace

TEST_CASE("daemon::listing_walk per-date list")
{
    const auto page =
        sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "list" / "legacy_LSD_100_20260530.cp949.html");
    const std::string served = "https://news.naver.com/main/main.naver?mode=LSD&mid=shm&sid1=100";
    auto walk = per_date_walk();
    CHECK(next_url(walk) == "https://news.naver.com/main/list.naver?mode=LSD&mid=sec&sid1=100&date=20260530&page=1");
    CHECK(referer(walk).empty());

    auto first = advance(walk, next_url(walk), parse_listing(page, served));
    REQUIRE(first.has_value());
    CHECK(first->refs.size() == 20);
    CHECK(first->end == WalkEnd::more);
    CHECK(first->subsections.size() == 6);
    CHECK(walk.state.page == 2);
    CHECK(next_url(walk).ends_with("&page=2"));

    SUBCASE("a page past the last answers the last page again: the walk ends without refs")
    {
        walk.state.page = 31;
        auto past = advance(walk, next_url(walk), parse_listing(page, served));
        REQUIRE(past.has_value());
        CHECK(past->refs.empty());
        CHECK(past->end == WalkEnd::repeated_page);
        CHECK(walk.state.done);
    }
    SUBCASE("known articles end a walk that stops at them")
    {
        stop_at_known(walk, *first, true);
        CHECK(first->end == WalkEnd::known_articles);
        CHECK(walk.state.done);
    }
    SUBCASE("a page of nothing but new articles goes on")
    {
        stop_at_known(walk, *first, false);
        CHECK(first->end == WalkEnd::more);
        CHECK_FALSE(walk.state.done);
    }
}

TEST_CASE("daemon::listing_walk latest list")
{
    auto walk = latest_walk("20260530");
    CHECK(next_url(walk) == "https://news.naver.com/breakingnews/section/100/264");
    CHECK(referer(walk) == "https://news.naver.com/");

    auto first =
        advance(walk, next_url(walk),
                parse_listing(fragment("20260530120000", true, 3, "SECTION_ARTICLE_LIST_FOR_LATEST"), k_fragment_url));
    REQUIRE(first.has_value());
    CHECK(first->end == WalkEnd::more);
    // The cursor and template come from the wrapper; the Referer is the list's own page.
    CHECK(next_url(walk)
          == "https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST"
             "?sid=100&sid2=264&cluid=&pageNo=2&date=20260530&next=20260530120000");
    CHECK(referer(walk) == "https://news.naver.com/breakingnews/section/100/264");

    SUBCASE("the template named by the wrapper is the one requested next")
    {
        auto again =
            advance(walk, next_url(walk),
                    parse_listing(fragment("20260530110000", true, 3, "SECTION_ARTICLE_LIST_X"), k_fragment_url));
        REQUIRE(again.has_value());
        CHECK(next_url(walk).starts_with("https://news.naver.com/section/template/SECTION_ARTICLE_LIST_X?"));
    }
    SUBCASE("a cursor that does not move ends the walk")
    {
        auto stuck =
            advance(walk, next_url(walk), parse_listing(fragment("20260530120000", true, 3, "T"), k_fragment_url));
        REQUIRE(stuck.has_value());
        CHECK(stuck->end == WalkEnd::repeated_cursor);
        CHECK(walk.state.done);
    }
    SUBCASE("a cursor of the day before is the day boundary")
    {
        auto boundary =
            advance(walk, next_url(walk), parse_listing(fragment("20260529235500", true, 3, "T"), k_fragment_url));
        REQUIRE(boundary.has_value());
        CHECK(boundary->refs.size() == 3);
        CHECK(boundary->end == WalkEnd::day_boundary);
        CHECK(walk.state.done);
    }
    SUBCASE("the last page says nothing follows")
    {
        auto last = advance(walk, next_url(walk), parse_listing(fragment("", false, 2, "T"), k_fragment_url));
        REQUIRE(last.has_value());
        CHECK(last->end == WalkEnd::last_page);
    }
}

TEST_CASE("daemon::listing_walk silence is a typed failure")
{
    auto failure_of = [](std::string_view body) {
        auto walk = latest_walk("20260530");
        walk.state.cursor = "20260530120000";
        walk.state.page = 2;
        auto url = next_url(walk);
        auto step = advance(walk, url, parse_listing(body, url));
        REQUIRE_FALSE(step.has_value());
        CHECK(step.error().url == url);
        CHECK(walk.state.done);
        return step.error().kind;
    };
    CHECK(failure_of(R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":""}})")
          == ListingFailureKind::empty_shell);
    CHECK(failure_of(R"({"error":"no"})") == ListingFailureKind::missing_component);
    CHECK(failure_of(fragment("20260530110000", true, 0, "T")) == ListingFailureKind::no_articles);
    CHECK(failure_of("not json") == ListingFailureKind::malformed);
}

TEST_CASE("daemon::listing_walk a cursor that comes back ends the walk: A -> B -> A is a cycle")
{
    auto walk = latest_walk("20260530");
    walk.endpoint_first = true;
    const std::string a = "20260530230000";
    const std::string b = "20260530220000";
    auto first = advance(walk, next_url(walk), parse_listing(fragment(a, true, 3, "T", 10), k_fragment_url));
    REQUIRE(first.has_value());
    CHECK(first->end == WalkEnd::more);
    CHECK(walk.state.cursor == a);
    auto second = advance(walk, next_url(walk), parse_listing(fragment(b, true, 3, "T", 20), k_fragment_url));
    REQUIRE(second.has_value());
    CHECK(second->end == WalkEnd::more);
    CHECK(walk.state.cursor == b);
    // B's page has new articles but hands back A, which was walked already.
    auto third = advance(walk, next_url(walk), parse_listing(fragment(a, true, 3, "T", 30), k_fragment_url));
    REQUIRE(third.has_value());
    CHECK(third->fresh.size() == 3);
    CHECK(third->end == WalkEnd::repeated_cursor);
    CHECK(walk.state.done);
    CHECK(walk.state.refs_found == 9);
    CHECK(end_reason(walk, third->end).contains("already walked"));
}

TEST_CASE("daemon::listing_walk a page with no article the walk had not listed ends it")
{
    SUBCASE("cursor pages with new cursors and the same articles")
    {
        auto walk = latest_walk("20260530");
        walk.endpoint_first = true;
        auto first =
            advance(walk, next_url(walk), parse_listing(fragment("20260530230000", true, 20, "T", 10), k_fragment_url));
        REQUIRE(first.has_value());
        CHECK(first->end == WalkEnd::more);
        CHECK(first->fresh.size() == 20);
        auto second =
            advance(walk, next_url(walk), parse_listing(fragment("20260530220000", true, 20, "T", 10), k_fragment_url));
        REQUIRE(second.has_value());
        CHECK(second->refs.size() == 20);
        CHECK(second->fresh.empty());
        CHECK(second->end == WalkEnd::no_new_articles);
        CHECK(walk.state.done);
        // The walk counts each article once, and stays at the page it stopped on.
        CHECK(walk.state.refs_found == 20);
        CHECK(walk.state.cursor == "20260530230000");
        CHECK(end_reason(walk, second->end).contains("no article the walk had not already listed"));
    }
    SUBCASE("per-date pages that serve the same 20 articles on every page")
    {
        const auto page = sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "list"
                                                  / "legacy_LSD_100_20260530.cp949.html");
        const std::string served = "https://news.naver.com/main/main.naver?mode=LSD&mid=shm&sid1=100";
        auto walk = per_date_walk();
        auto first = advance(walk, next_url(walk), parse_listing(page, served));
        REQUIRE(first.has_value());
        REQUIRE(first->end == WalkEnd::more);
        // The same page again, as if it were page 2 (its own page number aside).
        auto listing = parse_listing(page, served);
        REQUIRE(listing.has_value());
        listing->page = 2;
        listing->next_page = 3;
        auto second = advance(walk, next_url(walk), listing);
        REQUIRE(second.has_value());
        CHECK(second->end == WalkEnd::no_new_articles);
        CHECK(walk.state.done);
        CHECK(walk.state.page == 2);
        CHECK(walk.state.refs_found == 20);
    }
}

TEST_CASE("daemon::listing_walk the page limit ends a walk and says it is not complete")
{
    auto walk = latest_walk("20260530");
    walk.endpoint_first = true;
    walk.state.page = k_walk_page_limit;
    walk.state.cursor = "20260530230000";
    auto step = advance(walk, next_url(walk), parse_listing(fragment("20260530220000", true, 3, "T"), k_fragment_url));
    REQUIRE(step.has_value());
    CHECK(step->end == WalkEnd::page_limit);
    CHECK(walk.state.done);
    CHECK(end_reason(walk, step->end).contains("not complete"));
}
