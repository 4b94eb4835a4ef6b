// The query language of `sillok search`: what each form parses to, the FTS5 expression it
// becomes (every term a quoted FTS5 string, whatever it holds), and hostile queries, which
// are refused with the position of the problem or read as data, never obeyed.
#include "parsers/search_query.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

namespace {

using namespace sillok::parsers;

SearchQuery parsed(std::string_view query)
{
    auto result = parse_search_query(query);
    REQUIRE_MESSAGE(result.has_value(), "refused: " << (result ? "" : result.error().message));
    return *result;
}

SearchQueryError refused(std::string_view query)
{
    auto result = parse_search_query(query);
    REQUIRE_MESSAGE(!result.has_value(), "accepted: " << query);
    return result.error();
}

std::string match_of(std::string_view query) { return fts5_match(parsed(query)); }

// Every double quote of an FTS5 expression either opens or closes a string or is doubled
// inside one: outside the strings only our operators, parentheses, column names and '*'.
std::string outside_strings(const std::string& expression)
{
    std::string outside;
    bool inside = false;
    for (size_t i = 0; i < expression.size(); ++i) {
        char c = expression[i];
        if (inside) {
            if (c == '"' && i + 1 < expression.size() && expression[i + 1] == '"') {
                ++i;
            } else if (c == '"') {
                inside = false;
            }
        } else if (c == '"') {
            inside = true;
            outside += "S";
        } else {
            outside += c;
        }
    }
    REQUIRE_MESSAGE(!inside, "an unclosed string in " << expression);
    return outside;
}

} // namespace

TEST_CASE("search query: words, phrases, OR, exclusions, prefixes and fields")
{
    auto query =
        parsed("정부  \"갤럭시 북4\" 국회 OR 정당 -여당 반도체* title:삼성 byline:\"이현주 기자\" PRESS:뉴시스");
    REQUIRE(query.clauses.size() == 8);
    CHECK(query.clauses[0].alternatives[0].text == "정부");
    CHECK_FALSE(query.clauses[0].alternatives[0].phrase);
    CHECK(query.clauses[1].alternatives[0].text == "갤럭시 북4");
    CHECK(query.clauses[1].alternatives[0].phrase);
    REQUIRE(query.clauses[2].alternatives.size() == 2);
    CHECK(query.clauses[2].alternatives[0].text == "국회");
    CHECK(query.clauses[2].alternatives[1].text == "정당");
    CHECK(query.clauses[3].negated);
    CHECK(query.clauses[3].alternatives[0].text == "여당");
    CHECK(query.clauses[4].alternatives[0].text == "반도체");
    CHECK(query.clauses[4].alternatives[0].prefix);
    CHECK(query.clauses[5].alternatives[0].field == SearchField::title);
    CHECK(query.clauses[5].alternatives[0].text == "삼성");
    CHECK(query.clauses[6].alternatives[0].field == SearchField::byline);
    CHECK(query.clauses[6].alternatives[0].text == "이현주 기자");
    CHECK(query.clauses[6].alternatives[0].phrase);
    CHECK(query.clauses[7].alternatives[0].field == SearchField::press);
    CHECK(query.clauses[7].alternatives[0].text == "뉴시스");
    CHECK(query.clauses[0].alternatives[0].position == 0);
    CHECK(query.clauses[1].alternatives[0].position == 8); // the quote, after 정부 (6 bytes) and two spaces

    CHECK(match_of("정부 예산") == "\"정부\" AND \"예산\"");
    CHECK(match_of("국회 OR 정당 예산") == "(\"국회\" OR \"정당\") AND \"예산\"");
    CHECK(match_of("정부 -여당 -야당") == "(\"정부\") NOT \"여당\" NOT \"야당\"");
    CHECK(match_of("반도체*") == "\"반도체\" *");
    CHECK(match_of("\"AI 반도체\"*") == "\"AI 반도체\" *");
    CHECK(match_of("title:삼성 press:\"뉴시스\" byline:이현주")
          == "title : \"삼성\" AND press : \"뉴시스\" AND byline : \"이현주\"");
    // Lower-case or is a word, as is a field name that is not one of ours.
    CHECK(match_of("a or b") == "\"a\" AND \"or\" AND \"b\"");
    CHECK(match_of("text:x") == "\"text:x\"");
}

TEST_CASE("search query: FTS5's own syntax is data, quoted, never syntax")
{
    for (std::string_view query : {"NEAR(정부 국회, 5)", "정부 AND NOT 국회", "^정부", "title : x", "{title text}:x",
                                   "a\"b", "정부\"\"", "x* y*z *a", "a + b", "(정부)", "- -", "col:\"x\" NOT", "NOT",
                                   "AND", "rowid", "fts MATCH 'x'", "'; DROP TABLE docs; --"}) {
        CAPTURE(query);
        auto result = parse_search_query(query);
        if (!result) {
            CHECK(result.error().position <= query.size());
            CHECK_FALSE(result.error().message.empty());
            continue;
        }
        auto expression = fts5_match(*result);
        auto outside = outside_strings(expression);
        // Outside the strings: only S, spaces, parentheses, AND/OR/NOT, column filters and '*'.
        std::string rest = outside;
        for (std::string_view allowed :
             {"title : ", "byline : ", "press : ", " AND ", " OR ", " NOT ", " *", "(", ")"}) {
            for (auto at = rest.find(allowed); at != std::string::npos; at = rest.find(allowed)) {
                rest.erase(at, allowed.size());
            }
        }
        CHECK_MESSAGE(rest.find_first_not_of('S') == std::string::npos, expression);
    }
    CHECK(match_of("NEAR(정부") == "\"NEAR(정부\"");
    CHECK(match_of("a\"b") == "\"a\"\"b\"");
    CHECK(match_of("^정부") == "\"^정부\"");
}

TEST_CASE("search query: what cannot be read is refused with the position of the problem")
{
    auto unclosed = refused("정부 \"국회 예산");
    CHECK(unclosed.position == 7);
    CHECK(unclosed.message.find("quote") != std::string::npos);
    CHECK(refused("\"\"").message.find("empty phrase") != std::string::npos);
    CHECK(refused("\"   \"").position == 0);
    CHECK(refused("OR 정부").position == 0);
    CHECK(refused("정부 OR").position == 7);
    CHECK(refused("정부 OR OR 국회").position == 7);
    CHECK(refused("정부 -").position == 7);
    CHECK(refused("정부 title:").position == 7);
    CHECK(refused("정부 *").position == 7);
    CHECK(refused("\"정부\"국회").position == 8);
    CHECK(refused("-정부 OR 국회").message.find("OR") != std::string::npos);
    CHECK(refused("정부 OR -국회").message.find("OR") != std::string::npos);
    CHECK(refused("-정부 -국회").message.find("only excludes") != std::string::npos);
    CHECK(refused("").message.find("no word") != std::string::npos);
    CHECK(refused("   \t\n").message.find("no word") != std::string::npos);
    auto invalid = refused(std::string("정부 \xff\xfe"));
    CHECK(invalid.position == 7);
    CHECK(invalid.message.find("UTF-8") != std::string::npos);
    CHECK(refused("\xed\xa0\x80").message.find("UTF-8") != std::string::npos); // a surrogate
    CHECK(refused("\xc0\xaf").message.find("UTF-8") != std::string::npos);     // an overlong '/'
}

TEST_CASE("search query: hostile queries never fail uncontrolled")
{
    // NUL and control bytes separate words.
    auto with_nul = parsed(std::string("정부\0국회\x01\x1b[31m", 19));
    REQUIRE(with_nul.clauses.size() == 3);
    CHECK(with_nul.clauses[1].alternatives[0].text == "국회");
    CHECK(with_nul.clauses[2].alternatives[0].text == "[31m");

    // Only punctuation: parsed as words (the search command refuses terms with nothing to
    // search for).
    CHECK(match_of("!!! ... ·") == "\"!!!\" AND \"...\" AND \"·\"");

    // A 10,000-character query is refused at the limit; one just within it is read.
    std::string long_query(10'000, 'a');
    CHECK(refused(long_query).position == k_max_query_bytes);
    std::string many_words;
    for (int i = 0; i < 100; ++i) {
        many_words += "정부 ";
    }
    CHECK(refused(many_words).message.find("more than") != std::string::npos);
    std::string within;
    for (size_t i = 0; i < k_max_query_terms; ++i) {
        within += "w" + std::to_string(i) + " ";
    }
    CHECK(parsed(within).clauses.size() == k_max_query_terms);

    // Random bytes: either a query whose expression holds only strings and our syntax, or a
    // refusal with a position inside the query.
    std::mt19937 random(20);
    const std::string alphabet = std::string("\"-*:() ORNEA^{}title\t\0\x7f", 23) + "정부국";
    for (int round = 0; round < 5000; ++round) {
        std::string query;
        auto length = random() % 24;
        for (size_t i = 0; i < length; ++i) {
            query += alphabet[random() % alphabet.size()];
        }
        CAPTURE(query);
        auto result = parse_search_query(query);
        if (result) {
            outside_strings(fts5_match(*result));
        } else {
            CHECK(result.error().position <= query.size());
        }
    }
}
