// robots_rules on hand-written robots.txt files (no saved one of Naver's is among the fixtures).
#include "parsers/robots.hpp"

#include <doctest/doctest.h>

using sillok::parsers::robots_rules;

TEST_CASE("parsers::robots_rules")
{
    const std::string text = "# comment\n"
                             "User-agent: Yeti\nUser-agent: Googlebot\nAllow: /main/\nDisallow: /private # why\n\n"
                             "User-agent: *\r\nDisallow: /\r\n\n"
                             "User-agent: SILLOK\nDisallow: /search\n"
                             "User-agent: other\nDisallow: /x\n"
                             "user-agent: sillok\nallow: /section/\n";
    SUBCASE("the crawler's own groups, merged, case-insensitively")
    {
        CHECK(robots_rules(text, "sillok") == std::vector<std::string>{"Disallow: /search", "Allow: /section/"});
    }
    SUBCASE("the * group for any other crawler")
    {
        CHECK(robots_rules(text, "wget") == std::vector<std::string>{"Disallow: /"});
        CHECK(robots_rules(text, "") == std::vector<std::string>{"Disallow: /"});
    }
    SUBCASE("a group shared by several agents")
    {
        CHECK(robots_rules(text, "googlebot") == std::vector<std::string>{"Allow: /main/", "Disallow: /private"});
    }
    SUBCASE("nothing applies")
    {
        CHECK(robots_rules("User-agent: Yeti\nDisallow: /\n", "sillok").empty());
        CHECK(robots_rules("", "sillok").empty());
        CHECK(robots_rules("Disallow: /\nnot a line\n", "sillok").empty());
    }
}
