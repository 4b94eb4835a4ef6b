// Photos in the Markdown content: an address from the page can never end its link early,
// start another one, or be anything but an http(s) address.
#include "parsers/article.hpp"
#include "parsers/content.hpp"
#include "parsers/html.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

using namespace sillok::parsers;

std::string content_of(std::string_view body)
{
    const std::string page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
                             "<article id=\"dic_area\">"
                             + std::string(body) + "</article></body></html>";
    auto doc = parse_html(page);
    REQUIRE(doc);
    REQUIRE(*doc);
    return article_content(select_first(root_element(doc->get()), "//*[@id='dic_area']"));
}

} // namespace

TEST_CASE("parsers::article_content writes image addresses that stay one link")
{
    SUBCASE("a ')' in data-src cannot close the link and open another")
    {
        auto content = content_of("<span class=\"end_photo_org\"><img data-src=\"https://img.example/a.jpg)"
                                  " [x](javascript:alert(1)) ![y](https://evil.example/t.png\"></span><p>본문</p>");
        CHECK(content.find("](javascript:") == std::string::npos);
        CHECK(content.find("](https://evil") == std::string::npos);
        CHECK(content.find("![](https://img.example/a.jpg%29%20%5Bx%5D%28javascript:alert%281%29%29%20!%5By%5D"
                           "%28https://evil.example/t.png)")
              != std::string::npos);
    }
    SUBCASE("angle brackets and quotes are encoded")
    {
        auto content =
            content_of("<span class=\"end_photo_org\"><img src=\"https://img.example/&lt;b&gt;&quot;.jpg\"></span>");
        CHECK(content == "![](https://img.example/%3Cb%3E%22.jpg)");
    }
    SUBCASE("only http and https images are written")
    {
        CHECK(content_of("<img src=\"javascript:alert(1)\"><p>글</p>") == "글");
        CHECK(content_of("<img src=\"file:///etc/passwd\"><p>글</p>") == "글");
        CHECK(content_of("<img src=\"HTTPS://img.example/a.jpg\">") == "![](HTTPS://img.example/a.jpg)");
    }
    SUBCASE("a backslash at the end of a caption cannot escape the closing bracket")
    {
        auto content = content_of("<span class=\"end_photo_org\"><img src=\"https://img.example/a.jpg\">"
                                  "<em class=\"img_desc\">설명\\</em></span>");
        CHECK(content == "![설명\\\\](https://img.example/a.jpg)");
    }
}
