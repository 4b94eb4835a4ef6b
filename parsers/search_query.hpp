#pragma once
// The query language of `sillok search`, parsed without I/O:
//   words          all must match            정부 예산
//   "a phrase"     the words in this order   "갤럭시 북4"
//   A OR B         either                    국회 OR 정부
//   -word          must not match            정부 -여당
//   prefix*        a word beginning so       반도체*
//   title: byline: press:   in that field only   title:삼성 byline:"이현주"
// Everything else is data: the index engine's own syntax (NEAR(, ^, column names, quotes
// inside a word, parentheses) is searched for as text, never obeyed.
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::parsers {

enum class SearchField { any, title, byline, press };

struct SearchTerm {
    std::string text;    // as written, without quotes, field or the prefix star
    bool phrase = false; // written in quotes
    bool prefix = false; // ended with '*'
    SearchField field = SearchField::any;
    size_t position = 0; // byte offset of the term in the query (for messages)
};

// One condition: any of its alternatives (written with OR) matches; a negated clause is one
// term that must not match.
struct SearchClause {
    std::vector<SearchTerm> alternatives;
    bool negated = false;
};

struct SearchQuery {
    std::vector<SearchClause> clauses; // all must hold; at least one is not negated
};

struct SearchQueryError {
    size_t position = 0; // byte offset of the problem in the query
    std::string message;
};

inline constexpr size_t k_max_query_bytes = 4096;
inline constexpr size_t k_max_query_terms = 64;

// Parses a query. Whitespace and control bytes (NUL included) separate words. Fails, with
// the position of the problem, on invalid UTF-8, an unclosed quote, an empty phrase, OR
// without a term on both sides, a '-' or field with nothing after it, a negated term inside
// OR, a query of negated terms only, and a query over the size limits above.
std::expected<SearchQuery, SearchQueryError> parse_search_query(std::string_view query);

// `"text"` as a string of the FTS5 query syntax: quotes doubled, so that nothing in it is
// syntax.
std::string fts5_string(std::string_view text);

// The FTS5 MATCH expression of a query: every term a quoted FTS5 string, columns named
// title, byline, press and text.
std::string fts5_match(const SearchQuery& query);

} // namespace sillok::parsers
