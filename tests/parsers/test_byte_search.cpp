// find_all against the plain answer: every needle compared at every offset in turn.
#include "parsers/byte_search.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using sillok::parsers::find_all;
using sillok::parsers::NeedleAt;

std::vector<NeedleAt> plain_find_all(std::string_view text, const std::vector<std::string_view>& needles)
{
    std::vector<NeedleAt> found;
    for (std::size_t at = 0; at < text.size(); ++at) {
        for (std::size_t i = 0; i < needles.size(); ++i) {
            if (!needles[i].empty() && text.substr(at).starts_with(needles[i])) {
                found.push_back({at, i});
            }
        }
    }
    return found;
}

bool same(const std::vector<NeedleAt>& a, const std::vector<NeedleAt>& b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](NeedleAt x, NeedleAt y) { return x.offset == y.offset && x.needle == y.needle; });
}

} // namespace

TEST_CASE("parsers::find_all finds what a comparison at every offset finds, at every length and alignment")
{
    SUBCASE("overlapping, nested, empty and over-long needles")
    {
        const std::vector<std::string_view> needles = {"aa", "", "aaa", "b", "ab", "abaabaaaaaaaaaaaaaaaaaaaaaaaaaaab"};
        for (std::string_view text : {"", "a", "aaaaa", "abaaab", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxab"}) {
            CAPTURE(text);
            CHECK(same(find_all(text, needles), plain_find_all(text, needles)));
        }
        const std::vector<NeedleAt> expected = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}};
        CHECK(same(find_all("aaaa", std::vector<std::string_view>{"aa", "aaa"}), expected));
    }
    SUBCASE("random texts over a small alphabet, planted needles of 1 to 20 bytes")
    {
        std::mt19937 random(20261130);
        std::uniform_int_distribution<int> letter(0, 3);
        std::size_t occurrences = 0;
        for (int round = 0; round < 2000; ++round) {
            std::vector<std::string> owned;
            for (int n = 0; n < 1 + round % 8; ++n) {
                std::string needle;
                for (int k = 0; k < 1 + (round * 7 + n * 3) % 20; ++k) {
                    needle.push_back(static_cast<char>('a' + letter(random)));
                }
                owned.push_back(needle);
            }
            std::string text;
            const std::size_t size = round % 300;
            while (text.size() < size) {
                if (letter(random) == 0) {
                    text += owned[text.size() % owned.size()];
                } else {
                    text.push_back(static_cast<char>('a' + letter(random)));
                }
            }
            const std::vector<std::string_view> needles(owned.begin(), owned.end());
            const auto expected = plain_find_all(text, needles);
            occurrences += expected.size();
            const auto got = find_all(text, needles);
            if (!same(got, expected)) {
                CAPTURE(text);
                CAPTURE(round);
                FAIL("find_all differs from find");
            }
        }
        CHECK(occurrences > 10000);
    }
    SUBCASE("the marks of the saved article pages")
    {
        const std::vector<std::string_view> needles = {
            "dic_area", "title_area", "media_end_", "_ARTICLE_",
            "byline",   "og:",        "canonical",  "\xea\xb8\xb0\xec\x9e\x90"}; // "기자"
        for (const char* id : {"003_0012577249", "018_0005316196", "421_0008770777"}) {
            const auto page = sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "article"
                                                      / (std::string(id) + ".html"));
            const auto expected = plain_find_all(page, needles);
            CAPTURE(id);
            CHECK(expected.size() > 100);
            CHECK(same(find_all(page, needles), expected));
        }
    }
}
