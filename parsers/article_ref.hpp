#pragma once
// The URL model: every form of a Naver News article URL reduces to an ArticleRef.
#include <algorithm>
#include <compare>
#include <expected>
#include <string>
#include <string_view>

namespace sillok::parsers {

// The host of every canonical article URL.
inline constexpr std::string_view k_article_host = "n.news.naver.com";

// An article's identity on Naver: press (office) id and article id, both digits.
struct ArticleRef {
    std::string oid; // 3 digits, e.g. "015"
    std::string aid; // 10 digits, e.g. "0005230666"

    // "015_0005230666": the archive's file stem and the front matter's id.
    [[nodiscard]] std::string id() const { return oid + "_" + aid; }
    // https://n.news.naver.com/mnews/article/{oid}/{aid}
    [[nodiscard]] std::string canonical_url() const;

    auto operator<=>(const ArticleRef&) const = default;
};

enum class UrlErrorKind {
    malformed,   // not a URL at all
    not_naver,   // a host that is not a Naver News host
    not_article, // a Naver page that is not an article (section, home, search, ...)
    bad_id,      // an article URL whose oid/aid are not well-formed
};

struct UrlError {
    UrlErrorKind kind;
    std::string message;
};

// A press id (oid): three digits, as in "015".
constexpr bool is_press_id(std::string_view text)
{
    return text.size() == 3 && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

// Accepts, with or without scheme, query and fragment:
//   n.news.naver.com/mnews/article/{oid}/{aid}, n.news.naver.com/article/{oid}/{aid},
//   the print edition's n.news.naver.com/article/newspaper/{oid}/{aid}?date=...,
//   .../mnews/ranking/article/{oid}/{aid}, .../mnews/article/comment/{oid}/{aid},
//   m.news.naver.com/... (same paths, and read.naver/read.nhn),
//   news.naver.com/main/read.naver|read.nhn?...&oid=...&aid=...
std::expected<ArticleRef, UrlError> parse_url(std::string_view text);
// An article named the way people name one: "OID_AID" (015_0005230666) or any URL form
// parse_url takes. The message quotes the text.
std::expected<ArticleRef, std::string> parse_article_id(std::string_view text);

// Host and path helpers shared by the fetcher's redirect policy.
struct UrlParts {
    std::string scheme; // lower case, may be empty
    std::string host;   // lower case, without port
    std::string path;   // begins with '/', or empty
    std::string query;  // without '?'
};
std::expected<UrlParts, UrlError> split_url(std::string_view text);

// The host of a URL (lower case), or "" when it is not one.
std::string host_of(std::string_view url);

// n.news.naver.com, news.naver.com, m.news.naver.com: hosts the fetcher may follow redirects to.
bool is_news_host(std::string_view host);
// sports, entertainment and esports (game.naver.com) hosts: Naver moves such articles there; sillok does not archive
// them.
bool is_sports_or_entertainment_host(std::string_view host);

} // namespace sillok::parsers
