// parse_listing on the saved Naver listings and home pages, the URL builders and
// parse_section. No saved page exists for a breaking-news list or for the paging endpoint's
// JSON, so those two are hand-written in the shape Naver serves (see the comments there);
// the other hand-written bodies are edge cases.
//
// Expected refs of saved pages were computed outside sillok: a Python script read each page
// with html.parser (CP949 for the .cp949 file, UTF-8 otherwise), took every a[href] in page
// order, resolved it against the page URL (urllib.parse.urljoin), kept those whose host is
// news/n.news/m.news.naver.com with an /article/{oid}/{aid}-style path or a read.naver/read.nhn
// query holding oid and aid (3 and 10 digits), and removed repeats. The "listed" values are the
// same over the subtree of the element carrying data-has-next (modern) or of ul.type06_headline
// and ul.type06 (legacy).
#include "parsers/listing.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace sillok::parsers;

std::string saved_page(std::string_view relative)
{
    return sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / relative);
}

Listing listing_of(std::string_view body, std::string_view url)
{
    auto listing = parse_listing(body, url);
    REQUIRE_MESSAGE(listing.has_value(), to_string(listing.error().kind) << ": " << listing.error().message);
    return *listing;
}

ListingErrorKind error_kind(std::string_view body, std::string_view url)
{
    auto listing = parse_listing(body, url);
    REQUIRE_FALSE(listing.has_value());
    CHECK_FALSE(listing.error().message.empty());
    return listing.error().kind;
}

std::vector<std::string> ids(const std::vector<ArticleRef>& refs)
{
    std::vector<std::string> out;
    for (const auto& ref : refs) {
        out.push_back(ref.id());
    }
    return out;
}

// Every ref of listed is one of refs (its first link may come earlier, e.g. in a headline).
bool is_subset(const std::vector<ArticleRef>& listed, const std::vector<ArticleRef>& refs)
{
    return std::ranges::all_of(listed,
                               [&](const ArticleRef& ref) { return std::ranges::find(refs, ref) != refs.end(); });
}

void check_refs(const Listing& listing, std::size_t count, std::string_view first, std::string_view last)
{
    REQUIRE(listing.refs.size() == count);
    CHECK(listing.refs.front().id() == first);
    CHECK(listing.refs.back().id() == last);
}

constexpr std::string_view k_section_url = "https://news.naver.com/section/100";
constexpr std::string_view k_legacy_list_url =
    "https://news.naver.com/main/list.naver?mode=LS2D&mid=shm&sid1=100&sid2=265&date=20200919&page=1";

// A list item as the section page renders it (li.sa_item), trimmed to its links.
std::string sa_item(std::string_view oid, std::string_view aid)
{
    const std::string url = "https://n.news.naver.com/mnews/article/" + std::string(oid) + "/" + std::string(aid);
    return "<li class=\"sa_item _LAZY_LOADING_WRAP\"><div class=\"sa_item_inner\"><div class=\"sa_item_flex\">"
           "<div class=\"sa_thumb\"><a href=\""
           + url
           + "\" class=\"sa_thumb_link\"><img></a></div>"
             "<div class=\"sa_text\"><a href=\""
           + url
           + "\" class=\"sa_text_title\"><strong class=\"sa_text_strong\">"
             "제목</strong></a><div class=\"sa_text_press\">언론사</div>"
             "<a href=\"https://n.news.naver.com/mnews/article/comment/"
           + std::string(oid) + "/" + std::string(aid) + "\" class=\"sa_text_cmt\"></a></div></div></div></li>";
}

// The list container with its paging attributes, copied from the saved section page's
// div._PERSIST_META with the values given.
std::string latest_list(std::string_view sid1, std::string_view sid2, std::string_view has_next,
                        std::string_view cursor, std::string_view page_no, const std::string& items)
{
    return "<div class=\"section_latest_article _CONTENT_LIST _PERSIST_META\" data-sid=\"" + std::string(sid1)
           + "\" data-sid2=\"" + std::string(sid2) + "\" data-cluid=\"\" data-has-next=\"" + std::string(has_next)
           + "\" data-cursor-name=\"next\" data-cursor=\"" + std::string(cursor) + "\" data-page-no=\""
           + std::string(page_no)
           + "\" data-date=\"\" data-template=\"SECTION_ARTICLE_LIST\">"
             "<div class=\"section_article _TEMPLATE\" data-template-id=\"SECTION_ARTICLE_LIST\">"
             "<ul class=\"sa_list\">"
           + items + "</ul></div></div>";
}

} // namespace

TEST_CASE("parsers::parse_listing on saved listings")
{
    SUBCASE("section home: every article link, the list's own 36, and the cursor")
    {
        const auto listing = listing_of(saved_page("list/section_100_20260530.html"), k_section_url);
        // 128 links in all: headline clusters, the latest list (36 li.sa_item), rankings.
        check_refs(listing, 128, "056_0012190764", "145_0000023805");
        REQUIRE(listing.listed.size() == 36);
        CHECK(listing.listed.front().id() == "088_0001012256");
        CHECK(listing.listed.back().id() == "353_0000055612");
        CHECK(is_subset(listing.listed, listing.refs));
        // div._PERSIST_META: data-has-next="true" data-cursor="20260530010909" data-page-no="1".
        CHECK(listing.has_next);
        CHECK(listing.next_cursor == "20260530010909");
        CHECK(listing.page == 1);
        CHECK_FALSE(listing.next_page.has_value());
    }

    SUBCASE("legacy per-date list: canrevan's 20 articles in order, page 1 of several")
    {
        const auto listing = listing_of(saved_page("list/legacy_LS2D_100_265_20200919.html"), k_legacy_list_url);
        check_refs(listing, 95, "003_0010084777", "028_0002513479");
        // The 20 URLs canrevan's tests/test_parsing.py expects from this page, in its order.
        const std::vector<std::string> canrevan = {
            "029_0002625369", "079_0003409069", "421_0004881296", "421_0004881295", "421_0004881294",
            "001_0011892040", "001_0011892037", "001_0011892036", "001_0011892035", "001_0011892034",
            "001_0011892013", "014_0004497351", "421_0004881269", "468_0000698806", "001_0011891993",
            "001_0011891992", "001_0011891989", "001_0011891986", "001_0011891985", "001_0011891984"};
        CHECK(ids(listing.listed) == canrevan);
        CHECK(is_subset(listing.listed, listing.refs));
        // div.paging: <strong>1</strong>, links to pages 2..10 and a.next to 11.
        CHECK(listing.page == 1);
        CHECK(listing.next_page == 2);
        CHECK(listing.has_next);
        CHECK_FALSE(listing.next_cursor.has_value());
    }

    SUBCASE("legacy section home (UTF-8 bytes under an euc-kr declaration)")
    {
        const auto listing = listing_of(saved_page("list/legacy_section_home_100_20221229.html"),
                                        "https://news.naver.com/main/main.naver?mode=LSD&mid=shm&sid1=100");
        check_refs(listing, 138, "025_0003249579", "003_0011613768");
        CHECK(listing.listed.empty());
        CHECK_FALSE(listing.has_next);
        CHECK_FALSE(listing.page.has_value());
    }

    SUBCASE("news home pages, modern and legacy (CP949)")
    {
        const auto a = listing_of(saved_page("home/news_home_20260530_a.html"), "https://news.naver.com/");
        check_refs(a, 427, "008_0005364978", "014_0005523710");
        const auto b =
            listing_of(saved_page("home/news_home_20260530_b.html"), "https://news.naver.com/main/home.naver");
        check_refs(b, 428, "008_0005364978", "018_0006290779");
        // A CP949 page read to its end: its last article link is near the bottom of the page.
        const auto legacy = listing_of(saved_page("home/legacy_news_home_20211001.cp949.html"),
                                       "https://news.naver.com/main/home.naver");
        check_refs(legacy, 115, "005_0001474024", "145_0000015528");
        for (const auto* listing : {&a, &b, &legacy}) {
            CHECK(listing->listed.empty());
            CHECK_FALSE(listing->has_next);
            CHECK_FALSE(listing->next_cursor.has_value());
        }
    }
}

TEST_CASE("parsers::parse_listing on the paging endpoint and breaking news")
{
    const std::string fragment_url = latest_fragment_url(Section{101, "259"}, 2, "", "20240516181142");
    const std::string items =
        sa_item("001", "0014000001") + sa_item("015", "0005000002") + sa_item("001", "0014000001");

    SUBCASE("JSON wrapping the rendered list")
    {
        // Hand-written: no response of this endpoint is saved. The shape is what scrapers of it
        // read: {"renderedComponent": {"SECTION_ARTICLE_LIST_FOR_LATEST": "<html fragment>"}},
        // the fragment holding div.section_latest_article with the paging attributes.
        const nlohmann::json json = {{"renderedComponent",
                                      {{"SECTION_ARTICLE_LIST_FOR_LATEST",
                                        latest_list("101", "259", "true", "2024051618114244187", "2", items)}}}};
        const auto listing = listing_of(json.dump(), fragment_url);
        CHECK(ids(listing.refs) == std::vector<std::string>{"001_0014000001", "015_0005000002"});
        CHECK(listing.listed == listing.refs);
        CHECK(listing.has_next);
        CHECK(listing.next_cursor == "2024051618114244187");
        CHECK(listing.page == 2);
    }

    SUBCASE("escaped as Naver sends it, last page")
    {
        // Hand-written in the raw form of the response: quotes and white space as JSON escapes.
        const std::string body =
            R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":"\n\t<div class=\"section_latest_article )"
            R"(_CONTENT_LIST _PERSIST_META\" data-sid=\"101\" data-sid2=\"259\" data-has-next=\"false\" )"
            R"(data-cursor=\"20240516000102\" data-page-no=\"9\">\n\t<ul>\n\t\t<li class=\"sa_item\"><a href=\")"
            R"(https:\/\/n.news.naver.com\/mnews\/article\/421\/0007500003\" class=\"sa_text_title\">)"
            R"(\uc81c\ubaa9<\/a><\/li>\n\t<\/ul>\n<\/div>\n"}})";
        const auto listing = listing_of(body, fragment_url);
        CHECK(ids(listing.refs) == std::vector<std::string>{"421_0007500003"});
        CHECK_FALSE(listing.has_next);
        CHECK_FALSE(listing.next_cursor.has_value());
        CHECK(listing.page == 9);
    }

    SUBCASE("a renamed component key still yields the links")
    {
        const nlohmann::json json = {{"renderedComponent", {{"SECTION_ARTICLE_LIST", "<ul>" + items + "</ul>"}}}};
        const auto listing = listing_of(json.dump(), fragment_url);
        CHECK(listing.refs.size() == 2);
        CHECK_FALSE(listing.has_next);
    }

    SUBCASE("an empty fragment is an empty shell, not an empty listing")
    {
        CHECK(error_kind(R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":""}})", fragment_url)
              == ListingErrorKind::empty_shell);
    }

    SUBCASE("bodies that are not the endpoint's JSON are malformed")
    {
        for (std::string_view body : {"", "not json", "<html><body>error</body></html>", "[]", "null",
                                      R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":"<a)"}) {
            INFO("body: " << body);
            CHECK(error_kind(body, fragment_url) == ListingErrorKind::malformed);
        }
        // JSON without the component, or with no HTML in it: the silent answers, typed.
        for (std::string_view body : {"{}", R"({"renderedComponent":"<div></div>"})"}) {
            INFO("body: " << body);
            CHECK(error_kind(body, fragment_url) == ListingErrorKind::missing_component);
        }
        for (std::string_view body :
             {R"({"renderedComponent":{}})", R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":1}})"}) {
            INFO("body: " << body);
            CHECK(error_kind(body, fragment_url) == ListingErrorKind::empty_shell);
        }
    }

    SUBCASE("deeply nested JSON is refused without exhausting the stack")
    {
        const std::string deep = std::string(200000, '[') + std::string(200000, ']');
        CHECK(error_kind(deep, fragment_url) == ListingErrorKind::malformed);
        // The nested value is dropped while parsing: the component is left without HTML.
        const std::string inner = R"({"renderedComponent":{"SECTION_ARTICLE_LIST_FOR_LATEST":)" + deep + "}}";
        CHECK(error_kind(inner, fragment_url) == ListingErrorKind::empty_shell);
    }

    SUBCASE("breaking-news page")
    {
        // Hand-written: no breaking-news page is saved. It is the section page's layout with
        // the list container filtered to a sub-section (data-sid2); a headline outside the list
        // is still a ref but not listed.
        const std::string page =
            "<!doctype html><html><head><meta property=\"og:type\" content=\"website\"></head><body>"
            "<div class=\"section_headline\"><ul>"
            + sa_item("020", "0003600001") + "</ul></div>"
            + latest_list("100", "265", "true", "20260530093000", "1", items) + "</body></html>";
        const auto listing = listing_of(page, breaking_news_url(Section{100, "265"}));
        CHECK(ids(listing.refs) == std::vector<std::string>{"020_0003600001", "001_0014000001", "015_0005000002"});
        CHECK(ids(listing.listed) == std::vector<std::string>{"001_0014000001", "015_0005000002"});
        CHECK(listing.has_next);
        CHECK(listing.next_cursor == "20260530093000");
        CHECK(listing.page == 1);
    }
}

TEST_CASE("parsers::parse_listing edge cases")
{
    SUBCASE("relative, protocol-relative and non-article links")
    {
        const std::string page = R"html(<html><body>
            <a href="/main/read.naver?mode=LSD&amp;mid=sec&amp;oid=001&amp;aid=0000000001">1</a>
            <a href="//n.news.naver.com/article/002/0000000002">2</a>
            <a href="read.nhn?oid=003&amp;aid=0000000003">3</a>
            <a href=" https://m.news.naver.com/read.naver?oid=004&amp;aid=0000000004 ">4</a>
            <a href="https://n.news.naver.com/mnews/article/comment/002/0000000002">2 again</a>
            <a href="#">top</a><a href="javascript:void(0)">js</a><a href="">empty</a>
            <a href="https://sports.news.naver.com/news?oid=005&amp;aid=0000000005">sports</a>
            <a href="https://n.news.naver.com/mnews/article/006/12">bad id</a>
            <a>no href</a></body></html>)html";
        const auto listing = listing_of(page, "https://news.naver.com/main/list.naver?mode=LPOD&mid=sec&oid=001");
        CHECK(ids(listing.refs)
              == std::vector<std::string>{"001_0000000001", "002_0000000002", "003_0000000003", "004_0000000004"});
        CHECK(listing.listed.empty());
        CHECK_FALSE(listing.page.has_value());
        CHECK_FALSE(listing.has_next);
    }

    SUBCASE("a legacy page past the last comes back as the last page")
    {
        // The paging of the saved list page as it looks on its last page.
        const std::string page = R"(<html><body><div class="paging">
            <a href="?mode=LS2D&amp;mid=shm&amp;sid2=265&amp;sid1=100&amp;date=20200919&amp;page=11">이전</a>
            <a href="?mode=LS2D&amp;mid=shm&amp;sid2=265&amp;sid1=100&amp;date=20200919&amp;page=12">12</a>
            <strong>13</strong></div></body></html>)";
        const auto listing = listing_of(page, legacy_list_url(Section{100, "265"}, "20200919", 20));
        CHECK(listing.page == 13);
        CHECK_FALSE(listing.next_page.has_value());
        CHECK_FALSE(listing.has_next);
    }

    SUBCASE("article pages are not listings, whatever URL they come with")
    {
        const auto modern = saved_page("article/003_0012577249.html");
        CHECK(error_kind(modern, "https://n.news.naver.com/mnews/article/003/0012577249")
              == ListingErrorKind::not_a_listing);
        CHECK(error_kind(modern, k_section_url) == ListingErrorKind::not_a_listing);
        const auto legacy = saved_page("legacy/029_0002625369.html");
        CHECK(error_kind(legacy, k_legacy_list_url) == ListingErrorKind::not_a_listing);
        CHECK(error_kind(saved_page("legacy/081_0003219994.cp949.html"), "https://news.naver.com/main/home.naver")
              == ListingErrorKind::not_a_listing);
        // A listing at an article's URL is still an article URL.
        CHECK(error_kind(saved_page("list/section_100_20260530.html"),
                         "https://news.naver.com/main/read.naver?oid=001&aid=0000000001")
              == ListingErrorKind::not_a_listing);
    }

    SUBCASE("URLs that are not Naver News")
    {
        const std::string page =
            "<html><body><a href=\"https://n.news.naver.com/article/001/0000000001\">x</a></body></html>";
        for (std::string_view url : {"https://example.com/section/100", "ftp://news.naver.com/section/100", "",
                                     "not a url", "https://sports.news.naver.com/index"}) {
            INFO("url: " << url);
            CHECK(error_kind(page, url) == ListingErrorKind::not_a_listing);
        }
    }

    SUBCASE("empty, garbage and deeply nested bodies")
    {
        CHECK(error_kind("", k_section_url) == ListingErrorKind::malformed);
        std::string garbage;
        for (int i = 0; i < 100000; ++i) {
            garbage += static_cast<char>((i * 131 + 7) % 256);
        }
        CHECK(parse_listing(garbage, k_section_url).has_value());
        std::string nested;
        for (int i = 0; i < 100000; ++i) {
            nested += "<div><a href=\"https://n.news.naver.com/article/001/0000000001\">";
        }
        const auto listing = parse_listing(nested, k_legacy_list_url);
        REQUIRE(listing.has_value());
        CHECK(listing->refs.size() <= 1);
    }
}

TEST_CASE("parsers::listing URLs")
{
    CHECK(section_home_url(100) == "https://news.naver.com/section/100");
    CHECK(breaking_news_url(Section{101, "259"}) == "https://news.naver.com/breakingnews/section/101/259");
    CHECK(breaking_news_url(Section{105, std::nullopt}) == "https://news.naver.com/section/105");
    CHECK(latest_fragment_url(Section{101, "259"}, 2, "20260529", "20260529235959")
          == "https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST"
             "?sid=101&sid2=259&cluid=&pageNo=2&date=20260529&next=20260529235959");
    CHECK(latest_fragment_url(Section{100, std::nullopt}, 1, "", "")
          == "https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST"
             "?sid=100&sid2=&cluid=&pageNo=1&date=&next=");
    CHECK(latest_fragment_url(Section{100, std::nullopt}, 3, "", "a b&c")
          == "https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST"
             "?sid=100&sid2=&cluid=&pageNo=3&date=&next=a%20b%26c");
    CHECK(legacy_list_url(Section{100, "265"}, "20200919", 1)
          == "https://news.naver.com/main/list.naver?mode=LS2D&mid=shm&sid1=100&sid2=265&date=20200919&page=1");
    CHECK(legacy_list_url(Section{101, std::nullopt}, "20200919", 3)
          == "https://news.naver.com/main/list.naver?mode=LSD&mid=sec&sid1=101&date=20200919&page=3");
    CHECK(press_list_url("001", "20200919", 2)
          == "https://news.naver.com/main/list.naver?mode=LPOD&mid=sec&oid=001&date=20200919&page=2");

    SUBCASE("the built URLs are listings, not articles")
    {
        const std::string page =
            "<html><body><a href=\"/main/read.naver?oid=001&amp;aid=0000000001\">x</a></body></html>";
        for (const auto& url :
             {section_home_url(102), breaking_news_url(Section{102, "249"}),
              legacy_list_url(Section{102, "249"}, "20200919", 1), press_list_url("001", "20200919", 1)}) {
            INFO("url: " << url);
            CHECK(listing_of(page, url).refs.size() == 1);
        }
    }
}

TEST_CASE("parsers::listing parse_section")
{
    CHECK(parse_section("100") == Section{100, std::nullopt});
    CHECK(parse_section("105") == Section{105, std::nullopt});
    CHECK(parse_section("101/259") == Section{101, "259"});
    CHECK(parse_section("100/265") == Section{100, "265"});
    CHECK(parse_section("102/59b") == Section{102, "59b"});
    for (std::string_view bad : {"99", "106", "101/25", "abc", "101/", "", "/259", "1010", "101/2590", "101/259/1",
                                 "+101", " 101", "101 ", "101/AB1", "101/a_b", "101/-25"}) {
        INFO("section: '" << bad << "'");
        auto section = parse_section(bad);
        REQUIRE_FALSE(section.has_value());
        CHECK_FALSE(section.error().empty());
    }
}
