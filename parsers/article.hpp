#pragma once
// parse_article: a fetched article page (bytes + the URL it came from) to an Article.
// Pure: no I/O, no clock, no globals.
#include "parsers/article_ref.hpp"

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sillok::parsers {

// Version of the rules that turn a page into content. The ledger records it with every
// content hash, so a change of rules is never mistaken for an edit of the article.
// Bump it whenever a change to parsers/ changes any content or field for any page.
#ifdef SILLOK_TEST_RULES_CHANGE
inline constexpr int k_content_rules_version = 2; // the tests' build with changed rules (reparse tests)
#else
inline constexpr int k_content_rules_version = 1;
#endif

struct Article {
    ArticleRef ref;
    std::string title;
    std::string category; // page order, joined with ", "
    std::string publisher;
    std::string author;                      // may be empty
    std::string published_at;                // ISO 8601 with +09:00, e.g. "2024-05-30T11:40:08+09:00"
    std::optional<std::string> modified_at;  // same form; only when the page shows one
    std::optional<std::string> original_url; // the publisher's own link
    // The address the page gives as its own (og:url), "" when it gives none: a page is
    // archived only under the article it names. Not part of the archive file.
    std::string own_url;
    // Markdown content exactly as the file holds it (FORMAT.md "Content"): page text has
    // &, <, > written as &amp;, &lt;, &gt;; Markdown syntax ("> ", "![", "](") is not escaped.
    // content_hash is computed from it with those three escapes turned back.
    std::string content;
};

enum class PageErrorKind {
    gone,                    // deleted or unavailable article ("기사가 삭제되었거나...")
    sports_or_entertainment, // served by sports/entertain: not archived by sillok
    not_an_article,          // some other page (home, section list, error page of another kind)
    incomplete,              // looks like an article but lacks title, time or body
    parser_limit,            // the HTML parser could not read the page whole (a limit, an encoding)
};

struct PageError {
    PageErrorKind kind;
    std::string message;
};

// How parse_article read a page. The article's regions (head metadata, headline, times,
// body, bylines, categories, origin link) are found by a byte scan and only they are
// parsed; a page whose regions are missing or look unusual is parsed whole. Both give the
// same result: the regions are taken only when the shortcut cannot change it.
struct ExtractStats {
    bool whole_page = false;       // the page was parsed whole (false: its regions, or not at all
                                   // when the URL alone decided)
    std::string_view fallback_why; // why, when it was ("" otherwise); a static string
};

// url is the URL the page was served from (after redirects); the ArticleRef comes from it.
// stats, when given, says how the page was read.
std::expected<Article, PageError> parse_article(std::string_view html, std::string_view url,
                                                ExtractStats* stats = nullptr);

std::string_view to_string(PageErrorKind kind);

} // namespace sillok::parsers
