// parse_article's shortcut: an article page is read from its regions alone only when that
// gives the result of reading the whole page. Pages are the saved ones, each with one change.
#include "parsers/article.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace {

using namespace sillok::parsers;
namespace fs = std::filesystem;

constexpr std::string_view k_url_003 = "https://n.news.naver.com/mnews/article/003/0012577249";
// Appended to a page, a reference to the letter 'A' (text after the end of the document)
// sends it to the whole-page parse without changing the article: the reference result.
constexpr std::string_view k_force_whole_page = "&#65;";

std::string saved_article(std::string_view id)
{
    return sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "article" / (std::string(id) + ".html"));
}

nlohmann::json golden(std::string_view id)
{
    return nlohmann::json::parse(
        sillok::test::read_file(sillok::test::fixtures_dir() / "expected" / (std::string(id) + ".json")));
}

// text with its only occurrence of from replaced by to.
std::string replaced(std::string text, std::string_view from, std::string_view to)
{
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "'" << from << "' is not in the page");
    REQUIRE(text.find(from, at + 1) == std::string::npos);
    return text.replace(at, from.size(), to);
}

// Every field of a result, one per line, for comparing two results with a readable diff.
std::string described(const std::expected<Article, PageError>& result)
{
    if (!result) {
        return "error " + std::string(to_string(result.error().kind)) + ": " + result.error().message;
    }
    const auto& a = *result;
    return a.ref.id() + "\n" + a.title + "\n" + a.category + "\n" + a.publisher + "\n" + a.author + "\n"
           + a.published_at + "\n" + a.modified_at.value_or("(none)") + "\n" + a.original_url.value_or("(none)") + "\n"
           + a.content;
}

// The article as the golden file has it (the fields parse_article gives).
std::string described(const nlohmann::json& expected)
{
    const auto optional = [&](const char* key) {
        return expected.at(key).is_null() ? std::string("(none)") : expected.at(key).get<std::string>();
    };
    return expected.at("id").get<std::string>() + "\n" + expected.at("title").get<std::string>() + "\n"
           + expected.at("category").get<std::string>() + "\n" + expected.at("publisher").get<std::string>() + "\n"
           + expected.at("author").get<std::string>() + "\n" + expected.at("published_at").get<std::string>() + "\n"
           + optional("modified_at") + "\n" + optional("original_url") + "\n"
           + expected.at("content").get<std::string>();
}

struct Read {
    std::string result;
    ExtractStats stats;
};

Read read(std::string_view page, std::string_view url)
{
    Read out;
    out.result = described(parse_article(page, url, &out.stats));
    return out;
}

} // namespace

TEST_CASE("parsers::parse_article reads an article page from its regions")
{
    SUBCASE("the saved article pages are read from their regions, with the whole page's result")
    {
        for (std::string_view id : {"003_0012577249", "018_0005316196", "421_0008770777"}) {
            INFO("page: " << id);
            const auto page = saved_article(id);
            const auto url = "https://n.news.naver.com/mnews/article/" + std::string(id.substr(0, 3)) + "/"
                             + std::string(id.substr(4));
            const auto regions = read(page, url);
            CHECK_FALSE(regions.stats.whole_page);
            CHECK(regions.stats.fallback_why.empty());
            CHECK(regions.result == described(golden(id)));
            const auto whole = read(page + std::string(k_force_whole_page), url);
            CHECK(whole.stats.whole_page);
            CHECK(whole.result == regions.result);
        }
    }

    SUBCASE("every saved page gives the same result however it is read")
    {
        int pages = 0;
        for (const auto& entry : fs::recursive_directory_iterator(sillok::test::fixtures_dir() / "naver")) {
            if (entry.path().extension() != ".html") {
                continue;
            }
            INFO("page: " << entry.path().string());
            const auto page = sillok::test::read_file(entry.path());
            const auto regions = read(page, k_url_003);
            const auto whole = read(page + std::string(k_force_whole_page), k_url_003);
            REQUIRE(whole.stats.whole_page);
            CHECK(regions.result == whole.result);
            ++pages;
        }
        CHECK(pages >= 13);
    }

    SUBCASE("pages whose regions look unusual are read whole and give the same article")
    {
        const auto page = saved_article("003_0012577249");
        const auto expected = described(golden("003_0012577249"));
        struct Case {
            const char* name;
            std::string page;
            std::string_view why;
        };
        const Case cases[] = {
            {"a mark in a script", replaced(page, "</body>", "<script>var area = 'dic_area';</script></body>"),
             "a mark outside any region's start tag (text, script, comment)"},
            {"a mark in a comment", replaced(page, "</body>", "<!-- class=\"byline_s\" --></body>"),
             "a mark outside any region's start tag (text, script, comment)"},
            {"a mark in text", replaced(page, "</body>", "<p>rel=canonical</p></body>"),
             "a mark outside any region's start tag (text, script, comment)"},
            {"a region inside another tag's attribute",
             replaced(page, "</body>", "<div title='<span class=\"byline_s\">x</span>'></div></body>"),
             "a mark outside any region's start tag (text, script, comment)"},
            {"a byte that is not UTF-8", replaced(page, "<body class=\"n_news_mnews", "\xff<body class=\"n_news_mnews"),
             "not UTF-8"},
            {"an unterminated comment", page + "<!-- the end", "an unterminated comment"},
            {"a reference that spells a letter", replaced(page, "</body>", "<i class=\"b&#121;line\"></i></body>"),
             "a character reference to a letter, digit or mark punctuation"},
            {"a reference without ';'", replaced(page, "</body>", "<i>&#12345</i></body>"),
             "a character reference without ';'"},
            {"<? markup", replaced(page, "</body>", "<?php echo 1; ?></body>"), "<! or <? markup"},
        };
        for (const auto& c : cases) {
            INFO("case: " << std::string(c.name));
            const auto got = read(c.page, k_url_003);
            CHECK(got.stats.whole_page);
            CHECK(got.stats.fallback_why == c.why);
            CHECK(got.result == expected);
        }
    }

    SUBCASE("regions libxml2 would read differently inside the page are read whole")
    {
        const auto page = saved_article("003_0012577249");
        struct Case {
            const char* name;
            std::string page;
            std::string_view why;
        };
        const Case cases[] = {
            {"a body without its end tag", replaced(page, "</article>", ""), "a region without its end tag"},
            {"a stray end tag in the body", replaced(page, "'리콜' 기능도 장점이다.", "'리콜' 기능도 장점이다.</div>"),
             "a region's end tags would close elements around it"},
            {"a headline closed early by a paragraph",
             replaced(page, "<h2 id=\"title_area\" class=\"media_end_head_headline\">",
                      "<h2 id=\"title_area\" class=\"media_end_head_headline\"><p>x</p>"),
             "a region's end tags would close elements around it"},
            {"a category that a block closes",
             replaced(page, "</body>", "<p class=\"media_end_categorize_item\">x<div>y</div></p></body>"),
             "a region's end tags would close elements around it"},
            {"a link that only looks self-closing (its unquoted href ends in '/')",
             replaced(page, "</body>", "<a class=\"media_end_head_origin_link\" href=x/>text</a></body>"),
             "a region's element does not end at its end tag"},
            // libxml2 stops reading the whole page there: the byline and category after it are lost.
            {"a NUL byte after the article's end tag", replaced(page, "</article>", std::string("</article>\0", 11)),
             "a NUL byte"},
        };
        for (const auto& c : cases) {
            INFO("case: " << std::string(c.name));
            const auto got = read(c.page, k_url_003);
            CHECK(got.stats.whole_page);
            CHECK(got.stats.fallback_why == c.why);
            CHECK(got.result == read(c.page + std::string(k_force_whole_page), k_url_003).result);
        }
    }

    SUBCASE("a changed page gives the same result read from its regions and read whole")
    {
        const auto page = saved_article("003_0012577249");
        std::string deep = "<span>";
        for (int i = 0; i < 400; ++i) {
            deep += "<b>";
        }
        const std::pair<const char*, std::string> cases[] = {
            {"a second body later in the page", replaced(page, "</body>", "<div id=\"dic_area\">둘째</div></body>")},
            {"one more byline at the end", replaced(page, "</body>", "<span class=\"byline_s\">끝 기자</span></body>")},
            {"one more category at the end",
             replaced(page, "</body>", "<em class=\"media_end_categorize_item\">끝</em></body>")},
            {"a sports address in a canonical link in the body",
             replaced(page, "</body>", "<link rel=\"canonical\" href=\"https://m.sports.naver.com/a\"></body>")},
            {"no title_area id", replaced(page, "id=\"title_area\"", "id=\"title_elsewhere\"")},
            {"no modify time", replaced(page, "_ARTICLE_MODIFY_DATE_TIME", "_ARTICLE_OTHER_TIME")},
            {"a mark in a textarea (markup there is markup)",
             replaced(page, "</body>", "<textarea><em class=\"media_end_categorize_item\">t</em></textarea></body>")},
            {"a body nested deeper than libxml2's limit", replaced(page, "'리콜' 기능도 장점이다.", deep + "'리콜'")},
        };
        int read_from_regions = 0;
        for (const auto& [name, changed] : cases) {
            INFO("case: " << std::string(name));
            const auto regions = read(changed, k_url_003);
            const auto whole = read(changed + std::string(k_force_whole_page), k_url_003);
            REQUIRE(whole.stats.whole_page);
            CHECK(regions.result == whole.result);
            read_from_regions += regions.stats.whole_page ? 0 : 1;
        }
        // The shortcut is taken for the changes it can see through (all but the last).
        CHECK(read_from_regions == 7);
    }
}
