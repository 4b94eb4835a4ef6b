#include "parsers/article_ref.hpp"

#include "parsers/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

namespace sillok::parsers {
namespace {

constexpr std::array k_news_hosts = {std::string_view{"n.news.naver.com"}, std::string_view{"news.naver.com"},
                                     std::string_view{"m.news.naver.com"}};
constexpr size_t k_oid_digits = 3;
constexpr size_t k_aid_digits = 10;

bool all_digits(std::string_view text)
{
    return !text.empty() && std::ranges::all_of(text, [](unsigned char c) { return std::isdigit(c); });
}

std::vector<std::string_view> split(std::string_view text, char sep)
{
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        auto pos = text.find(sep, start);
        parts.push_back(text.substr(start, pos - start));
        if (pos == std::string_view::npos) {
            return parts;
        }
        start = pos + 1;
    }
}

std::optional<std::string_view> query_value(std::string_view query, std::string_view key)
{
    for (auto pair : split(query, '&')) {
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == key) {
            return pair.substr(eq + 1);
        }
    }
    return std::nullopt;
}

// The scheme of a URL without "//" such as "javascript:..." or "mailto:...", lower case;
// nullopt for "host:port/..." (digits after the colon) and for text with no scheme.
std::optional<std::string> other_scheme(std::string_view text)
{
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(text.front()))) {
        return std::nullopt;
    }
    auto name = text.substr(0, colon);
    bool scheme_chars = std::ranges::all_of(
        name, [](unsigned char c) { return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.'; });
    auto after = text.substr(colon + 1);
    if (!scheme_chars || name.find('.') != std::string_view::npos
        || (!after.empty() && std::isdigit(static_cast<unsigned char>(after.front())) != 0) || after.empty()) {
        return std::nullopt;
    }
    return ascii_lower(name);
}

UrlError error(UrlErrorKind kind, std::string_view text, std::string_view why)
{
    return UrlError{kind, "'" + quoted_for_message(text) + "' " + std::string(why)};
}

std::expected<ArticleRef, UrlError> make_ref(std::string_view oid, std::string_view aid, std::string_view text)
{
    if (oid.size() != k_oid_digits || !all_digits(oid)) {
        return std::unexpected(error(UrlErrorKind::bad_id, text, "has a malformed press id (oid): expected 3 digits"));
    }
    if (aid.size() != k_aid_digits || !all_digits(aid)) {
        return std::unexpected(
            error(UrlErrorKind::bad_id, text, "has a malformed article id (aid): expected 10 digits"));
    }
    return ArticleRef{std::string(oid), std::string(aid)};
}

// Path forms: /mnews/article/{oid}/{aid}, /article/{oid}/{aid}, /mnews/ranking/article/...,
// /mnews/article/comment/..., /article/comment/..., the print edition's /article/newspaper/...
// (a trailing slash is allowed).
std::optional<std::pair<std::string_view, std::string_view>> ids_from_path(std::string_view path)
{
    auto segments = split(path, '/');
    std::erase_if(segments, [](std::string_view s) { return s.empty(); });
    std::vector<std::string_view> prefix(segments.begin(), segments.end() - std::min<size_t>(2, segments.size()));
    using Prefix = std::vector<std::string_view>;
    static const std::array<Prefix, 8> k_prefixes = {
        Prefix{"mnews", "article"},
        Prefix{"article"},
        Prefix{"mnews", "ranking", "article"},
        Prefix{"mnews", "article", "comment"},
        Prefix{"article", "comment"},
        Prefix{"mnews", "hotissue", "article"},
        Prefix{"article", "newspaper"},
        Prefix{"mnews", "article", "newspaper"},
    };
    if (segments.size() < 3 || std::ranges::find(k_prefixes, prefix) == k_prefixes.end()) {
        return std::nullopt;
    }
    return std::pair{segments[segments.size() - 2], segments.back()};
}

bool is_read_page(std::string_view path)
{
    auto slash = path.rfind('/');
    auto leaf = ascii_lower(path.substr(slash == std::string_view::npos ? 0 : slash + 1));
    return leaf == "read.naver" || leaf == "read.nhn" || leaf == "rankingread.naver" || leaf == "rankingread.nhn";
}

} // namespace

std::string ArticleRef::canonical_url() const
{
    return "https://" + std::string(k_article_host) + "/mnews/article/" + oid + "/" + aid;
}

std::string host_of(std::string_view url)
{
    auto parts = split_url(url);
    return parts ? parts->host : std::string{};
}

bool is_news_host(std::string_view host) { return std::ranges::find(k_news_hosts, host) != k_news_hosts.end(); }

bool is_sports_or_entertainment_host(std::string_view host)
{
    auto ends_with = [&](std::string_view suffix) { return host == suffix.substr(1) || host.ends_with(suffix); };
    return ends_with(".sports.naver.com") || ends_with(".entertain.naver.com") || ends_with(".sports.news.naver.com")
           || ends_with(".game.naver.com");
}

std::expected<UrlParts, UrlError> split_url(std::string_view text)
{
    auto input = trim_ascii(text);
    if (input.empty()) {
        return std::unexpected(UrlError{UrlErrorKind::malformed, "empty URL"});
    }
    if (std::ranges::any_of(input, [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
        return std::unexpected(error(UrlErrorKind::malformed, input, "contains spaces or control characters"));
    }
    UrlParts parts;
    auto rest = input;
    if (auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
        parts.scheme = ascii_lower(rest.substr(0, scheme_end));
        rest.remove_prefix(scheme_end + 3);
        if (parts.scheme != "http" && parts.scheme != "https") {
            return std::unexpected(error(UrlErrorKind::malformed, input, "is not an http(s) URL"));
        }
    } else if (rest.starts_with("//")) {
        rest.remove_prefix(2);
    } else if (auto scheme = other_scheme(rest)) {
        return std::unexpected(error(UrlErrorKind::malformed, input, "is not an http(s) URL (scheme " + *scheme + ")"));
    }
    if (auto hash = rest.find('#'); hash != std::string_view::npos) {
        rest = rest.substr(0, hash);
    }
    auto authority_end = rest.find_first_of("/?");
    auto authority = rest.substr(0, authority_end);
    rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    if (authority.starts_with('[')) {
        return std::unexpected(error(UrlErrorKind::not_naver, input, "names an IP address, not a Naver News host"));
    }
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
        if (!all_digits(authority.substr(colon + 1)) && colon + 1 != authority.size()) {
            return std::unexpected(error(UrlErrorKind::malformed, input, "has a malformed port"));
        }
        authority = authority.substr(0, colon);
    }
    parts.host = ascii_lower(authority);
    if (parts.host.ends_with('.')) {
        parts.host.pop_back(); // "news.naver.com." is the same host
    }
    if (parts.host.empty()) {
        return std::unexpected(error(UrlErrorKind::malformed, input, "has no host"));
    }
    auto query_start = rest.find('?');
    parts.path = std::string(rest.substr(0, query_start));
    if (query_start != std::string_view::npos) {
        parts.query = std::string(rest.substr(query_start + 1));
    }
    return parts;
}

std::expected<ArticleRef, UrlError> parse_url(std::string_view text)
{
    auto parts = split_url(text);
    if (!parts) {
        return std::unexpected(parts.error());
    }
    auto input = trim_ascii(text);
    if (!is_news_host(parts->host)) {
        return std::unexpected(error(UrlErrorKind::not_naver, input,
                                     "is not a Naver News URL (host " + quoted_for_message(parts->host, 80) + ")"));
    }
    if (auto ids = ids_from_path(parts->path)) {
        return make_ref(ids->first, ids->second, input);
    }
    if (is_read_page(parts->path)) {
        auto oid = query_value(parts->query, "oid");
        auto aid = query_value(parts->query, "aid");
        if (!oid || !aid) {
            return std::unexpected(error(UrlErrorKind::bad_id, input, "lacks the oid or aid parameter"));
        }
        return make_ref(*oid, *aid, input);
    }
    return std::unexpected(error(UrlErrorKind::not_article, input, "is a Naver News page but not an article"));
}

std::expected<ArticleRef, std::string> parse_article_id(std::string_view text)
{
    auto underscore = text.find('_');
    if (underscore != std::string_view::npos && text.find_first_not_of("0123456789_") == std::string_view::npos) {
        auto oid = text.substr(0, underscore);
        auto aid = text.substr(underscore + 1);
        if (oid.size() == 3 && aid.size() == 10) {
            return ArticleRef{std::string(oid), std::string(aid)};
        }
    }
    auto ref = parse_url(text);
    if (!ref) {
        return std::unexpected("'" + quoted_for_message(text)
                               + "' is neither an article id (OID_AID, e.g. 015_0005230666) nor an article URL: "
                               + ref.error().message);
    }
    return *ref;
}

} // namespace sillok::parsers
