// parse_listing on the per-date list as Naver served it on 2026-05-30 (CP949 bytes, og:url
// main/main.naver, list-type links carrying ;jsessionid=), the sub-section menus of the 2026
// pages, the paging endpoint's silent answers, and print-edition links.
//
// Expected values were computed outside sillok: a Python script decoded the page as CP949, read
// it with html.parser, resolved every a[href] against the page URL (urllib.parse.urljoin), kept
// /article/{oid}/{aid}-style links of the news hosts without repeats ("refs"), the same inside
// ul.type06_headline and ul.type06 ("listed"), and the sid1/sid2 pairs of news.naver.com links
// whose query holds both ("sub-sections"), in page order.
#include "parsers/listing.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace sillok::parsers;

constexpr std::string_view k_served_url = "https://news.naver.com/main/main.naver?mode=LSD&mid=shm&sid1=100";
constexpr std::string_view k_jsession_url =
    "https://news.naver.com/main/list.naver;jsessionid=B9C40349318B6C2A2C1692B8E0D1353D"
    "?mode=LSD&mid=shm&sid1=100&date=20260530&page=1";

std::string lsd_page()
{
    return sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "list"
                                   / "legacy_LSD_100_20260530.cp949.html");
}

Listing listing_of(std::string_view body, std::string_view url)
{
    auto listing = parse_listing(body, url);
    REQUIRE_MESSAGE(listing.has_value(), to_string(listing.error().kind) << ": " << listing.error().message);
    return *listing;
}

std::vector<std::string> ids(const std::vector<ArticleRef>& refs)
{
    std::vector<std::string> out;
    for (const auto& ref : refs) {
        out.push_back(ref.id());
    }
    return out;
}

std::vector<std::string> texts(const std::vector<Section>& sections)
{
    std::vector<std::string> out;
    for (const auto& section : sections) {
        out.push_back(section_text(section));
    }
    return out;
}

const std::vector<std::string> k_politics_subsections = {"100/264", "100/265", "100/268",
                                                         "100/266", "100/267", "100/269"};

} // namespace

TEST_CASE("parsers::parse_listing on the 2026 per-date list")
{
    const auto page = lsd_page();
    const std::vector<std::string> listed = {"421_0008974833", "003_0013977026", "003_0013977021", "003_0013977016",
                                             "003_0013977022", "003_0013977020", "003_0013977019", "003_0013977018",
                                             "003_0013977017", "003_0013977015", "003_0013977014", "421_0008974831",
                                             "001_0016108781", "001_0016108780", "119_0003096042", "656_0000177678",
                                             "021_0002794515", "469_0000933547", "047_0002517678", "656_0000177677"};

    // The same bytes are the same listing whatever path they were served from: the content,
    // not the URL, says it is a per-date list.
    for (auto url : {k_served_url, k_jsession_url}) {
        INFO("served from " << url);
        const auto listing = listing_of(page, url);
        REQUIRE(listing.refs.size() == 118);
        CHECK(listing.refs.front().id() == "421_0008974833");
        CHECK(listing.refs.back().id() == "023_0003979271");
        CHECK(ids(listing.listed) == listed);
        // div.paging: <strong>1</strong>, pages 2..10, and 다음 to 11.
        CHECK(listing.page == 1);
        CHECK(listing.next_page == 2);
        CHECK(listing.has_next);
        CHECK_FALSE(listing.next_cursor.has_value());
        // The left menu (snb) names the sub-sections of 정치.
        CHECK(texts(listing.subsections) == k_politics_subsections);
    }
}

TEST_CASE("parsers::parse_listing sub-sections and wrapper attributes of the 2026 section page")
{
    const auto page =
        sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "list" / "section_100_20260530.html");
    const auto listing = listing_of(page, "https://news.naver.com/section/100");
    // a[href="/breakingnews/section/100/{sid2}"], in page order.
    CHECK(texts(listing.subsections) == k_politics_subsections);
    // div._PERSIST_META: data-template="SECTION_ARTICLE_LIST" data-date="".
    CHECK(listing.template_name == "SECTION_ARTICLE_LIST");
    CHECK(listing.date == "");
}

TEST_CASE("parsers::parse_listing silent answers of the paging endpoint are typed failures")
{
    const std::string url = latest_fragment_url(Section{100, "264"}, 2, "", "20260530010909");
    auto kind = [&](std::string_view body) {
        auto listing = parse_listing(body, url);
        REQUIRE_FALSE(listing.has_value());
        CHECK_FALSE(listing.error().message.empty());
        return listing.error().kind;
    };
    CHECK(kind(R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":""}})") == ListingErrorKind::empty_shell);
    CHECK(kind(R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":"  \n "}})")
          == ListingErrorKind::empty_shell);
    CHECK(kind(R"({"renderedComponent":{}})") == ListingErrorKind::empty_shell);
    CHECK(kind(R"({"result":"ok"})") == ListingErrorKind::missing_component);
    CHECK(kind("{}") == ListingErrorKind::missing_component);
    // The same JSON served at another path is still read as the endpoint's answer.
    auto elsewhere =
        parse_listing(R"({"renderedComponent":{"X":""}})", "https://news.naver.com/breakingnews/section/100/264");
    REQUIRE_FALSE(elsewhere.has_value());
    CHECK(elsewhere.error().kind == ListingErrorKind::empty_shell);
}

TEST_CASE("parsers::parse_url print-edition links")
{
    auto ref = parse_url("https://n.news.naver.com/article/newspaper/023/0003979271?date=20260530");
    REQUIRE(ref.has_value());
    CHECK(ref->id() == "023_0003979271");
    auto page =
        listing_of("<html><body><a href=\"https://n.news.naver.com/article/newspaper/001/0016108781?date=20260530\">"
                   "x</a></body></html>",
                   "https://news.naver.com/main/list.naver?mode=LPOD&mid=sec&oid=001&date=20260530&page=1");
    CHECK(ids(page.refs) == std::vector<std::string>{"001_0016108781"});
    CHECK(is_sports_or_entertainment_host("game.naver.com"));
}
