// A page is read whole or refused: libxml2's size and depth limits never cut a saved page
// short (a text node past 10,000,000 bytes, nesting past 256 levels), and a page the parser
// cannot read to its end is a typed error, never a shorter article.
#include "parsers/article.hpp"
#include "parsers/html.hpp"
#include "parsers/listing.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace {

using namespace sillok::parsers;

constexpr std::string_view k_url_003 = "https://n.news.naver.com/mnews/article/003/0012577249";
constexpr std::string_view k_body_open = "<article id=\"dic_area\" class=\"go_trans _article_content\">";

std::string saved_page(std::string_view relative)
{
    return sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / relative);
}

nlohmann::json golden_003()
{
    return nlohmann::json::parse(
        sillok::test::read_file(sillok::test::fixtures_dir() / "expected" / "003_0012577249.json"));
}

std::string repeated(std::string_view text, std::size_t times)
{
    std::string out;
    out.reserve(text.size() * times);
    for (std::size_t i = 0; i < times; ++i) {
        out += text;
    }
    return out;
}

// The saved page with before inserted at the start of its body and after at its end.
std::string with_body_wrapped(std::string_view before, std::string_view after)
{
    auto page = saved_page("article/003_0012577249.html");
    const auto open = page.find(k_body_open);
    REQUIRE(open != std::string::npos);
    const auto close = page.find("</article>", open);
    REQUIRE(close != std::string::npos);
    page.insert(close, after);
    page.insert(open + k_body_open.size(), before);
    return page;
}

} // namespace

TEST_CASE("parsers::parse_article reads a page whole past libxml2's default limits")
{
    const auto golden = golden_003();
    const auto content = golden.at("content").get<std::string>();

    SUBCASE("a 15 MB text node is kept whole and the fields after it are intact")
    {
        const std::string word = "가나다라마 ";
        const auto long_text = repeated(word, 15'000'000 / word.size() + 1);
        auto article = parse_article(with_body_wrapped("<p>" + long_text + "끝</p>", ""), k_url_003);
        REQUIRE_MESSAGE(article.has_value(), article.error().message);
        CHECK(article->content.size() > long_text.size());
        CHECK(article->content.find(long_text + "끝") != std::string::npos);
        CHECK(article->content.ends_with(content.substr(content.size() - 60)));
        CHECK(article->category == golden.at("category").get<std::string>());
        CHECK(article->author == golden.at("author").get<std::string>());
        CHECK(article->publisher == golden.at("publisher").get<std::string>());
    }

    SUBCASE("a body nested 300 levels deep is kept whole")
    {
        auto article = parse_article(with_body_wrapped(repeated("<div>", 300), repeated("</div>", 300)), k_url_003);
        REQUIRE_MESSAGE(article.has_value(), article.error().message);
        CHECK(article->content == content);
    }

    SUBCASE("two pages that differ only deep down differ in content")
    {
        auto deep = [](std::string_view word) {
            return with_body_wrapped(repeated("<div>", 300) + "<p>" + std::string(word) + "</p>",
                                     repeated("</div>", 300));
        };
        auto first = parse_article(deep("첫째"), k_url_003);
        auto second = parse_article(deep("둘째"), k_url_003);
        REQUIRE(first.has_value());
        REQUIRE(second.has_value());
        CHECK(first->content.find("첫째") != std::string::npos);
        CHECK(second->content.find("둘째") != std::string::npos);
        CHECK(first->content != second->content);
    }

    SUBCASE("a body nested 100,000 levels deep is kept whole")
    {
        auto article =
            parse_article(with_body_wrapped(repeated("<div>", 100'000), repeated("</div>", 100'000)), k_url_003);
        REQUIRE_MESSAGE(article.has_value(), article.error().message);
        CHECK(article->content == content);
    }
}

TEST_CASE("parsers: a page the HTML parser cannot read to its end is a typed error")
{
    // A legacy page in its declared charset (cp949) with bytes that are valid in neither
    // UTF-8 nor cp949 half-way: libxml2 stops converting there.
    auto page = saved_page("legacy/081_0003219994.cp949.html");
    page.insert(page.size() / 2, "\xff\xff\xff");

    auto doc = parse_html(page);
    REQUIRE_FALSE(doc.has_value());
    CHECK(doc.error().find("charset") != std::string::npos);

    auto article = parse_article(page, "https://n.news.naver.com/mnews/article/081/0003219994");
    REQUIRE_FALSE(article.has_value());
    CHECK(article.error().kind == PageErrorKind::parser_limit);
    CHECK(to_string(PageErrorKind::parser_limit) == "parser_limit");

    auto listing = saved_page("list/legacy_LSD_100_20260530.cp949.html");
    listing.insert(listing.size() / 2, "\xff\xff\xff");
    auto listed =
        parse_listing(listing, "https://news.naver.com/main/list.naver?mode=LSD&mid=sec&sid1=100&date=20260530");
    REQUIRE_FALSE(listed.has_value());
    CHECK(listed.error().kind == ListingErrorKind::malformed);
}
