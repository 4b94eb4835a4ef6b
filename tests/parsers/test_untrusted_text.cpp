// Untrusted text in messages: escaped and cut, so it cannot drive a terminal or forge a log
// line; URLs of other schemes and IP hosts are refused for what they are.
#include "parsers/article_ref.hpp"
#include "parsers/text.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace sillok::parsers;

TEST_CASE("parsers::quoted_for_message")
{
    CHECK(quoted_for_message("https://n.news.naver.com/가") == "https://n.news.naver.com/가");
    CHECK(quoted_for_message("a\x1b]0;title\x07z") == "a\\x1b]0;title\\x07z");
    CHECK(quoted_for_message("line\nforged: entry") == "line\\x0aforged: entry");
    CHECK(quoted_for_message("c1\xc2\x9b") == "c1\\xc2\\x9b");
    CHECK(quoted_for_message("bad\xff") == "bad\\xff");
    CHECK(quoted_for_message("back\\slash") == "back\\\\slash");
    const std::string huge(50'000'000, 'a');
    const auto shown = quoted_for_message(huge);
    CHECK(shown.size() < 300);
    CHECK(shown.ends_with("... (50000000 bytes)"));
}

TEST_CASE("parsers::parse_url messages name what is wrong and quote the URL safely")
{
    auto message = [](std::string_view url) {
        auto ref = parse_url(url);
        REQUIRE_FALSE(ref.has_value());
        return ref.error().message;
    };
    CHECK(message("javascript:alert(1)").find("not an http(s) URL (scheme javascript)") != std::string::npos);
    CHECK(message("mailto:x@naver.com").find("scheme mailto") != std::string::npos);
    CHECK(message("https://[::1]/mnews/article/003/0012577249").find("IP address") != std::string::npos);
    CHECK(message("[::1]:443/x").find("IP address") != std::string::npos);
    CHECK(message("https://n.news.naver.com/\x1b]0;pwned\x07").find('\x1b') == std::string::npos);
    CHECK(message(std::string(100'000, 'x')).size() < 400);
    // host:port without a scheme is still a host and port
    CHECK(parse_url("n.news.naver.com:443/mnews/article/003/0012577249").has_value());
}
