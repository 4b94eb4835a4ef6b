// The Markdown content rules (FORMAT.md "Content") and the white-space rules behind every
// field. The saved pages are checked against their golden files in test_article.cpp; the
// bodies below are hand-written edge cases, each a few elements long.
#include "parsers/content.hpp"
#include "parsers/html.hpp"
#include "parsers/text.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace sillok::parsers;

// The content of a hand-written body, placed in an article page's #dic_area.
std::string content_of(std::string_view body)
{
    const std::string page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
                             "<div id=\"newsct_article\"><article id=\"dic_area\">"
                             + std::string(body) + "</article></div></body></html>";
    auto doc = parse_html(page);
    REQUIRE(doc);
    const xmlNode* area = select_first(root_element(doc->get()), "//*[@id='dic_area']");
    REQUIRE(area != nullptr);
    return article_content(area);
}

// The layout promises of FORMAT.md that hold for any content.
void check_layout(const std::string& content)
{
    CHECK(content.find("\n\n\n") == std::string::npos);
    CHECK_FALSE(content.starts_with('\n'));
    CHECK_FALSE(content.ends_with('\n'));
    std::string_view rest = content;
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        const auto line = rest.substr(0, end);
        CHECK_FALSE(line.starts_with(' '));
        CHECK_FALSE(line.ends_with(' '));
        CHECK(line.find("  ") == std::string_view::npos);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    }
}

} // namespace

TEST_CASE("parsers::collapse_white_space")
{
    CHECK(collapse_white_space("  a \t\r\n b  ") == "a b");
    CHECK(collapse_white_space("a\u00a0\u00a0b") == "a b");
    CHECK(collapse_white_space("a\u200bb\u200cc\u200dd\ufeffe") == "a b c d e");
    CHECK(collapse_white_space("가\u3000나\u2003다\u202f라") == "가 나 다 라");
    CHECK(collapse_white_space("\u200b\u00a0 \n") == "");
    CHECK(collapse_white_space("") == "");
    // Text that is not white space is kept byte for byte, malformed bytes included.
    CHECK(collapse_white_space("갤럭시®\xff X") == "갤럭시®\xff X");
}

TEST_CASE("parsers::is_valid_utf8")
{
    CHECK(is_valid_utf8("ascii and 한글 and 😀"));
    CHECK(is_valid_utf8(""));
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate U+D800
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xea\xb0"));         // truncated sequence
    CHECK_FALSE(is_valid_utf8("\xb1\xe2\xc7\xd1")); // EUC-KR bytes of "김한"
}

TEST_CASE("parsers::is_valid_utf8 agrees with the decoder on every short sequence of boundary bytes")
{
    // to_valid_utf8 decodes code point by code point and changes exactly the invalid input.
    const std::string edges = std::string("\x00\x41\x7f\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1\xc2\xdf\xe0\xe1\xec", 16)
                              + "\xed\xee\xef\xf0\xf1\xf3\xf4\xf5\xf8\xff";
    std::size_t checked = 0;
    std::string mismatch;
    std::string bytes;
    const auto check = [&](std::string_view around_before, std::string_view around_after) {
        const std::string page = std::string(around_before) + bytes + std::string(around_after);
        ++checked;
        if (mismatch.empty() && is_valid_utf8(page) != (to_valid_utf8(page) == page)) {
            mismatch = page;
        }
    };
    for (std::size_t length = 1; length <= 4; ++length) {
        std::vector<std::size_t> digits(length, 0);
        while (true) {
            bytes.clear();
            for (auto digit : digits) {
                bytes.push_back(edges[digit]);
            }
            check("", "");
            check("abcdefg", "."); // the sequence straddles an eight-byte word
            check("한", "abcdefgh");
            std::size_t i = 0;
            while (i < length && ++digits[i] == edges.size()) {
                digits[i++] = 0;
            }
            if (i == length) {
                break;
            }
        }
    }
    CHECK(checked > 3 * 26 * 26 * 26 * 26);
    INFO("first input judged differently: ", doctest::toString(mismatch));
    CHECK(mismatch.empty());
}

TEST_CASE("parsers::to_valid_utf8")
{
    CHECK(to_valid_utf8("한글 ok") == "한글 ok");
    CHECK(to_valid_utf8("a\xff"
                        "b")
          == "a\uFFFD"
             "b");
    CHECK(to_valid_utf8("\xea\xb0") == "\uFFFD\uFFFD"); // truncated: one replacement per byte
    CHECK(is_valid_utf8(to_valid_utf8("\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80")));
}

TEST_CASE("parsers::article_content")
{
    SUBCASE("one <br> breaks the line, two or more end the paragraph")
    {
        CHECK(content_of("첫 줄<br>둘째 줄<br><br>다음 문단") == "첫 줄\n둘째 줄\n\n다음 문단");
        CHECK(content_of("가<br><br><br><br>나") == "가\n\n나");
        // White space between <br>s does not separate them.
        CHECK(content_of("가 <br> \n\t <br> 나") == "가\n\n나");
        CHECK(content_of("가<br>\n나") == "가\n나");
        CHECK(content_of("<br><br>가<br>") == "가");
        // Nor do elements that show nothing.
        CHECK(content_of("가<br><span></span><br><b> </b>나") == "가\n\n나");
    }

    SUBCASE("block elements start and end paragraphs, inline elements only add text")
    {
        CHECK(content_of("앞<p>문단</p>뒤<div>블록<div>안쪽</div>끝</div>")
              == "앞\n\n문단\n\n뒤\n\n블록\n\n안쪽\n\n끝");
        CHECK(content_of("<ul><li>하나</li><li>둘</li></ul><ol><li>셋</li></ol>") == "하나\n\n둘\n\n셋");
        CHECK(content_of("<h2>소제목</h2>본문<h3>셋</h3><h4>넷</h4><blockquote>인용</blockquote>")
              == "소제목\n\n본문\n\n셋\n\n넷\n\n인용");
        CHECK(content_of("<table><tr><td>표</td></tr></table>뒤") == "표\n\n뒤");
        CHECK(content_of("<p>가<b>나<i>다 <a href=\"#\">라</a></i></b> <strong>마</strong><em>바</em></p>")
              == "가나다 라 마바");
        CHECK(content_of("a <span> b </span> c") == "a b c");
    }

    SUBCASE("table cells are separate words even where the page puts nothing between them")
    {
        // A data table written without white space between its cells, as publishers' editors
        // emit it. The table is one paragraph; its cells never run together.
        CHECK(content_of("앞<table><tr><th>구분</th><th>2023년</th></tr><tr><td>매출</td><td>100</td></tr>"
                         "</table>뒤")
              == "앞\n\n구분 2023년 매출 100\n\n뒤");
        // White space already in the page gives the same result, and a <br> in a cell stays
        // a line break.
        CHECK(content_of("<table>\n<tr>\n\t<td> 구분 </td>\n\t<td>2023년</td>\n</tr></table>") == "구분 2023년");
        CHECK(content_of("<table><tr><td>가<br>나</td><td>다</td></tr></table>") == "가\n나 다");
        CHECK(content_of("<table><tr><td></td><td>한 칸</td><td> </td></tr></table>") == "한 칸");
    }

    SUBCASE("no-break, zero-width and other Unicode spaces are spaces")
    {
        CHECK(content_of("a&nbsp;&nbsp;b&#8203;&#8203;c&#x3000;d&#xFEFF;e&#x200C; f&#x200D;g") == "a b c d e f g");
        CHECK(content_of("&nbsp; 앞뒤 공백 &#8203;<br>&nbsp;둘째\t\t줄 &nbsp;") == "앞뒤 공백\n둘째 줄");
    }

    SUBCASE("script, style, noscript, iframe, button, video and video players contribute nothing")
    {
        CHECK(content_of("a<script>var s = '<b>x</b>';</script><style>p { color: red }</style>b"
                         "<noscript>켜 주세요</noscript><iframe src=\"https://ad\"></iframe>"
                         "<button>구독</button><video src=\"v.mp4\">영상</video>c")
              == "abc");
        CHECK(content_of("앞<br><br><div class=\"vod_player_wrap _VIDEO_AREA_WRAP\"><div>재생</div>"
                         "<img src=\"https://img/poster.jpg\"><em class=\"img_desc\">영상 설명</em></div>"
                         "<br><br>뒤")
              == "앞\n\n뒤");
    }

    SUBCASE("photos are paragraphs of their own")
    {
        CHECK(content_of("<span class=\"end_photo_org\"><div class=\"nbd_im_w\"><div class=\"nbd_a\">"
                         "<img src=\"https://img/placeholder.gif\" data-src=\"https://img/1.jpg?type&#x3D;w647\">"
                         "</div></div><em class=\"img_desc\"> 사진\n 설명 </em></span>본문")
              == "![사진 설명](https://img/1.jpg?type=w647)\n\n본문");
        // Without a caption; a bare image; src when there is no data-src.
        CHECK(content_of("<span class=\"end_photo_org\"><img data-src=\"https://img/2.jpg\"></span>본문")
              == "![](https://img/2.jpg)\n\n본문");
        CHECK(content_of("앞 문장<img src=\"https://img/3.jpg\">뒤 문장")
              == "앞 문장\n\n![](https://img/3.jpg)\n\n뒤 문장");
        // An image without an address is no photo; an inline placeholder is no address.
        CHECK(content_of("가<img alt=\"x\">나") == "가나");
        CHECK(content_of("가<img data-src=\" \" src=\"data:image/gif;base64,R0lGOD\">나") == "가나");
        // A space would end the Markdown link destination.
        CHECK(content_of("<img src=\" https://img/a b.jpg \">") == "![](https://img/a%20b.jpg)");
    }

    SUBCASE("']' in a caption is escaped")
    {
        CHECK(content_of("<span class=\"end_photo_org\"><img data-src=\"https://img/4.jpg\">"
                         "<em class=\"img_desc\">[서울=뉴시스]30일 [사진 1] 설명</em></span>")
              == "![[서울=뉴시스\\]30일 [사진 1\\] 설명](https://img/4.jpg)");
    }

    SUBCASE("a caption outside a photo container")
    {
        CHECK(content_of("<img src=\"https://img/5.jpg\"><em class=\"img_desc\">따로 있는 설명</em>본문")
              == "![따로 있는 설명](https://img/5.jpg)\n\n본문");
        // A container whose image is missing keeps its caption as a paragraph.
        CHECK(content_of("앞<span class=\"end_photo_org\"><em class=\"img_desc\">설명만</em></span>뒤")
              == "앞\n\n설명만\n\n뒤");
    }

    SUBCASE("the 2022 photo table: image in one row, caption as text in another")
    {
        const std::string table =
            "<table class=\"nbd_table\"><tr><td><table class=\"nbd_table\"><tr><td>"
            "<span class=\"end_photo_org\"><div class=\"nbd_im_w\"><img data-src=\"https://img/6.jpg\">"
            "</div></span></TD></TR><tr><td> 이준석 전 대표가\n  들어서고 있다.(사진=국회사진취재단)"
            "</TD></TR></TABLE></TD></TR></TABLE>";
        CHECK(content_of("밝혔다.<br><br>" + table + "14일 서울남부지법은")
              == "밝혔다.\n\n![이준석 전 대표가 들어서고 있다.(사진=국회사진취재단)](https://img/6.jpg)"
                 "\n\n14일 서울남부지법은");
        // A photo table with no caption row.
        CHECK(content_of("<table class=\"nbd_table\"><tr><td><img src=\"https://img/7.jpg\"></td></tr></table>")
              == "![](https://img/7.jpg)");
    }

    SUBCASE("the summary comes first as a blockquote, one line per line")
    {
        CHECK(content_of("<strong class=\"media_end_summary\">첫째 줄<br>둘째 <b>줄</b></strong>본문")
              == "> 첫째 줄\n> 둘째 줄\n\n본문");
        // Blank lines inside the summary do not break the blockquote.
        CHECK(content_of("<strong class=\"media_end_summary\"> 하나<br><br>둘<br> <br><br>\n셋<br></strong>본문")
              == "> 하나\n> 둘\n> 셋\n\n본문");
        CHECK(content_of("본문<br><br><strong class=\"media_end_summary\">요약</strong>") == "> 요약\n\n본문");
        CHECK(content_of("<strong class=\"media_end_summary\"> </strong>본문") == "본문");
    }

    SUBCASE("never two blank lines in a row, no blank lines around the content")
    {
        const auto content =
            content_of("<div></div><p> </p><br><br>가<br><br><br><br><p></p><div><br><br><div> </div></div>"
                       "<span class=\"end_photo_org\"><img data-src=\"https://img/8.jpg\"></span><br><br><br>"
                       "<p>나<br></p><br> &nbsp; <br><div>&#8203;</div>");
        CHECK(content == "가\n\n![](https://img/8.jpg)\n\n나");
        check_layout(content);
    }

    SUBCASE("entities are decoded; only &, < and > of the text are written as entities")
    {
        CHECK(content_of("AT&amp;T &lt;b&gt; &#x27;인용&#x27; &quot;큰따옴표&quot; x&#x3D;1 &copy;")
              == "AT&amp;T &lt;b&gt; '인용' \"큰따옴표\" x=1 ©");
    }

    SUBCASE("text that looks like Markdown syntax stays text")
    {
        // A paragraph that begins with '>' is not a blockquote; a caption's ']' does not end it.
        CHECK(content_of("&gt; 속보<br><br>둘") == "&gt; 속보\n\n둘");
        CHECK(content_of("<span class=\"end_photo_org\"><img src=\"https://img/1.jpg?a=1&amp;b=2\">"
                         "<em class=\"img_desc\">[사진] a&lt;b</em></span>")
              == "![[사진\\] a&lt;b](https://img/1.jpg?a=1&amp;b=2)");
    }

    SUBCASE("a body with nothing to show has empty content")
    {
        CHECK(content_of("").empty());
        CHECK(content_of(" <br><br> <script>x()</script><div class=\"vod_player_wrap\">영상</div> ").empty());
        CHECK(article_content(nullptr).empty());
    }
}
