// The URL model on any text: it never crashes, split_url's parts are well-formed, and what
// parse_url accepts is a news host's well-formed ArticleRef (properties.hpp).
#include "parsers/article_ref.hpp"
#include "tests/fuzz/properties.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using sillok::fuzz::require;

void check_parts(const sillok::parsers::UrlParts& parts)
{
    require(!parts.host.empty(), "split_url accepted a URL without a host", parts.path);
    require(std::ranges::none_of(parts.host, [](char c) { return c >= 'A' && c <= 'Z'; }),
            "split_url kept upper case in the host", parts.host);
    require(parts.path.empty() || parts.path.starts_with('/'), "the path does not start with '/'", parts.path);
    require(parts.path.find_first_of("?#") == std::string::npos, "the path holds its query or fragment", parts.path);
    require(
        !(sillok::parsers::is_news_host(parts.host) && sillok::parsers::is_sports_or_entertainment_host(parts.host)),
        "a host is both news and sports/entertainment", parts.host);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parts = sillok::parsers::split_url(text);
    if (parts) {
        check_parts(*parts);
    }
    auto ref = sillok::parsers::parse_url(text);
    if (ref) {
        require(parts && sillok::parsers::is_news_host(parts->host), "parse_url accepted a foreign host", text);
        sillok::fuzz::check_article_ref(*ref);
    }
    return 0;
}
