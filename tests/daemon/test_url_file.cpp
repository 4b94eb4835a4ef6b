// --url-file is read within bounds: folders, endless lines and huge lists are refused at once.
#include "daemon/util/url_file.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

using sillok::daemon::read_url_file;
using sillok::daemon::read_url_lines;

TEST_CASE("daemon::read_url_file")
{
    sillok::test::ScratchDir scratch;
    SUBCASE("URLs, blank lines and comments")
    {
        std::istringstream in("  https://n.news.naver.com/mnews/article/003/0012577249 \r\n\n# note\nb\n");
        auto urls = read_url_lines(in, "f");
        REQUIRE(urls.has_value());
        REQUIRE(urls->size() == 2);
        CHECK((*urls)[0].url == "https://n.news.naver.com/mnews/article/003/0012577249");
        CHECK((*urls)[0].where == "f:1");
        CHECK((*urls)[1].url == "b");
        CHECK((*urls)[1].where == "f:4");
    }
    SUBCASE("a byte-order mark (a file saved by Excel or Notepad) is not part of the first URL")
    {
        std::istringstream in("\xEF\xBB\xBFhttps://n.news.naver.com/mnews/article/003/0012577249\r\n");
        auto urls = read_url_lines(in, "urls.txt");
        REQUIRE(urls.has_value());
        REQUIRE(urls->size() == 1);
        CHECK((*urls)[0].url == "https://n.news.naver.com/mnews/article/003/0012577249");
        CHECK((*urls)[0].where == "urls.txt:1");
    }
    SUBCASE("a folder")
    {
        auto urls = read_url_file(scratch.path().string());
        REQUIRE_FALSE(urls.has_value());
        CHECK(urls.error().find("is a folder") != std::string::npos);
    }
    SUBCASE("/dev/zero stops at the first over-long line")
    {
        auto urls = read_url_file("/dev/zero");
        REQUIRE_FALSE(urls.has_value());
        CHECK(urls.error().find("line 1 of URL file /dev/zero is longer than 4096 bytes") != std::string::npos);
        CHECK(urls.error().find('\0') == std::string::npos);
    }
    SUBCASE("control characters in a file name are escaped")
    {
        auto urls = read_url_file(std::string("/nonexistent/\x1b]0;x\x07"));
        REQUIRE_FALSE(urls.has_value());
        CHECK(urls.error().find('\x1b') == std::string::npos);
    }
    SUBCASE("too many URLs")
    {
        std::string many;
        for (std::size_t i = 0; i <= sillok::daemon::k_max_url_lines; ++i) {
            many += "u\n";
        }
        std::istringstream in(many);
        auto urls = read_url_lines(in, "f");
        REQUIRE_FALSE(urls.has_value());
        CHECK(urls.error().find("more than 1000000 URLs") != std::string::npos);
    }
}
