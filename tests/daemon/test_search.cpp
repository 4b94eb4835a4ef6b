// The search index's parts: Korean cut into overlapping pairs, full-width forms and Latin
// case folded, snippets with every match marked, and the index built from an archive and
// searched with its filters.
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/search/search_index.hpp"
#include "daemon/search/search_tokens.hpp"
#include "daemon/search/snippet.hpp"
#include "parsers/search_query.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/synthetic_archive.hpp"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace sillok::daemon;
using namespace sillok::test;

std::vector<std::string> texts(std::string_view text)
{
    std::vector<std::string> out;
    for (const auto& token : search_tokens(text)) {
        out.push_back(token.text);
    }
    return out;
}

using Strings = std::vector<std::string>;

} // namespace

TEST_CASE("search tokens: Korean in overlapping pairs, Latin and digits as words, full-width and case folded")
{
    CHECK(texts("정부는") == Strings{"정부", "부는"});
    CHECK(texts("정부·여당") == Strings{"정부", "여당"});
    CHECK(texts("반도체산업") == Strings{"반도", "도체", "체산", "산업"});
    CHECK(texts("AI반도체") == Strings{"ai", "반도", "도체"});
    CHECK(texts("5G 통신") == Strings{"5g", "통신"});
    CHECK(texts("ＡＩ５Ｇ　Ｓｎａｐ") == Strings{"ai5g", "snap"});
    CHECK(texts("Snapdragon® X Elite") == Strings{"snapdragon", "x", "elite"});
    CHECK(texts("'예비주수'(豫備注水)") == Strings{"예비", "비주", "주수", "豫備", "備注", "注水"});
    CHECK(texts("Émile ÇA") == Strings{"émile", "ça"});
    CHECK(texts("!!! … ·  ") == Strings{});
    CHECK(texts(std::string("정부\xff\xfe국회\0x", 16)) == Strings{"정부", "국회", "x"});

    auto lone = search_tokens("尹 대통령, 美·中");
    REQUIRE(lone.size() == 5);
    CHECK(lone[0].text == "尹");
    CHECK(lone[0].lone_cjk);
    CHECK_FALSE(lone[1].lone_cjk); // 대통
    CHECK(lone[3].text == "美");
    CHECK(lone[4].text == "中");

    // Byte ranges in the text read (for marking matches).
    auto ranges = search_tokens("a 정부가");
    REQUIRE(ranges.size() == 3);
    CHECK(ranges[0].start == 0);
    CHECK(ranges[0].end == 1);
    CHECK(ranges[1].start == 2);
    CHECK(ranges[1].end == 8);
    CHECK(ranges[2].start == 5);
    CHECK(ranges[2].end == 11);
}

TEST_CASE("search snippet: every match marked, the text cut around the first, control characters as spaces")
{
    std::vector<TermTokens> terms{{{"정부"}, false}, {{"반도", "도체"}, false}};
    CHECK(make_snippet("정부가 반도체산업을", terms, "[", "]") == "[정부]가 [반도체]산업을");
    // Overlapping and adjacent matches make one mark.
    std::vector<TermTokens> overlapping{{{"정부"}, false}, {{"부가"}, false}};
    CHECK(make_snippet("정부가", overlapping, "<", ">") == "<정부가>");
    CHECK(make_snippet("a\nb\x1b[31m 정부", terms, "[", "]") == "a b [31m [정부]");
    std::vector<TermTokens> prefix{{{"snap"}, true}};
    CHECK(make_snippet("Snapdragon X", prefix, "[", "]") == "[Snapdragon] X");

    std::string long_text;
    for (int i = 0; i < 100; ++i) {
        long_text += "가나다 ";
    }
    auto snippet = make_snippet(long_text + "정부 예산" + long_text, terms, "[", "]", 40);
    CHECK(snippet.starts_with("…"));
    CHECK(snippet.ends_with("…"));
    CHECK(snippet.find("[정부]") != std::string::npos);
    CHECK(make_snippet("no match here", terms, "[", "]") == "no match here");
}

TEST_CASE("search index: built from an archive, searched with words, filters, sorts and pages")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_synthetic_archive(archive, 40);
    auto ledger = open_ledger_read_only(archive / "ledger.sqlite3");
    REQUIRE(ledger);
    auto built = build_search_index(archive, ledger->get(), {});
    REQUIRE(built);
    CHECK(built->added == 40);
    CHECK(built->unreadable == 0);
    auto index = SearchIndex::open(SearchIndex::path_in(archive), true);
    REQUIRE(index);
    CHECK(index->watermark().value() == 40);
    CHECK(index->behind(ledger->get()).value() == 0);

    auto ids = [&](std::string_view query, const SearchFilters& filters = {}) {
        auto parsed = sillok::parsers::parse_search_query(query);
        REQUIRE(parsed);
        auto hits = index->search(sillok::parsers::fts5_match(*parsed), filters, archive, ledger->get());
        REQUIRE(hits);
        std::vector<std::string> out;
        for (const auto& hit : *hits) {
            out.push_back(hit.id);
        }
        return out;
    };
    // Article n's text says "첫 문단 n": the number finds one article, 문단 all of them.
    CHECK(ids("\"문단 17\"") == Strings{"001_0000000017"});
    CHECK(ids("17 -17") == Strings{});
    SearchFilters all;
    all.limit = 100;
    CHECK(ids("문단", all).size() == 40);
    CHECK(ids("title:문단", all).empty());
    CHECK(ids("title:합성", all).size() == 40);
    CHECK(ids("17 OR 23", all).size() == 2);

    SearchFilters economy = all;
    economy.sections = {"경제"};
    CHECK(ids("문단", economy).size() == 20);
    SearchFilters science = all;
    science.sections = {"IT/과학"};
    CHECK(ids("문단", science).size() == 20);
    SearchFilters dated = all;
    dated.from = "2024-01-02";
    dated.to = "2024-01-02"; // n % 28 == 1: 1 and 29
    auto on_the_2nd = ids("문단", dated);
    CHECK(std::set<std::string>(on_the_2nd.begin(), on_the_2nd.end())
          == std::set<std::string>{"001_0000000001", "001_0000000029"});
    SearchFilters press = all;
    press.presses = {"002"};
    CHECK(ids("문단", press).empty());

    SearchFilters newest = all;
    newest.sort = SearchSort::newest;
    newest.limit = 2;
    CHECK(ids("문단", newest) == Strings{"001_0000000027", "001_0000000026"}); // 2024-01-28 09:27 and 09:26
    newest.offset = 1;
    newest.limit = 1;
    CHECK(ids("문단", newest) == Strings{"001_0000000026"});
    SearchFilters oldest = all;
    oldest.sort = SearchSort::oldest;
    oldest.limit = 1;
    CHECK(ids("문단", oldest) == Strings{"001_0000000000"});
}

TEST_CASE("search index: every query the parser accepts runs, whatever FTS5 syntax it holds")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_synthetic_archive(archive, 5);
    auto ledger = open_ledger_read_only(archive / "ledger.sqlite3");
    REQUIRE(ledger);
    REQUIRE(build_search_index(archive, ledger->get(), {}));
    auto index = SearchIndex::open(SearchIndex::path_in(archive), false);
    REQUIRE(index);

    std::mt19937 random(20);
    const std::vector<std::string> pieces{
        "\"",   "-",    "*",  ":",      "(",       ")",      " ",     "OR",    "AND", "NOT", "NEAR(",
        "^",    "{",    "}",  "title:", "byline:", "press:", "text:", "rowid", ",",   "+",   "문단",
        "합성", "인용", "17", "a",      "\t",      "'",      "\\",    "尹",    "ＡＩ"};
    size_t ran = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string query;
        for (auto count = random() % 10; count > 0; --count) {
            query += pieces[random() % pieces.size()];
        }
        CAPTURE(query);
        auto parsed = sillok::parsers::parse_search_query(query);
        if (!parsed) {
            continue;
        }
        bool searchable = true; // the command refuses terms with no letter or digit before searching
        for (const auto& clause : parsed->clauses) {
            for (const auto& term : clause.alternatives) {
                searchable = searchable && !search_tokens(term.text).empty();
            }
        }
        if (!searchable) {
            continue;
        }
        auto hits = index->search(sillok::parsers::fts5_match(*parsed), SearchFilters{}, archive, ledger->get());
        CHECK_MESSAGE(hits.has_value(), (hits ? "" : hits.error().message));
        ++ran;
    }
    CHECK(ran > 500);
}
