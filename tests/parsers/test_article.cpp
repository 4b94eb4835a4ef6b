// parse_article on the saved Naver pages (golden files in fixtures/expected/) and on the
// outcomes that are not articles. Pages for deleted articles and the small pages for field
// fallbacks are hand-written edge cases; the other variations are saved pages with one
// attribute changed.
#include "daemon/archive/archive_format.hpp"
#include "daemon/util/digest.hpp"
#include "parsers/article.hpp"
#include "parsers/html.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace {

using namespace sillok::parsers;
namespace fs = std::filesystem;

constexpr std::string_view k_url_003 = "https://n.news.naver.com/mnews/article/003/0012577249";

// The body as the archive file holds it: &, < and > escaped, except the "> " that marks a
// line of the leading summary blockquote, which is Markdown syntax.

std::string saved_page(std::string_view relative)
{
    return sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / relative);
}

// text with its only occurrence of from replaced by to.
std::string replaced(std::string text, std::string_view from, std::string_view to)
{
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "'" << from << "' is not in the page");
    REQUIRE(text.find(from, at + 1) == std::string::npos);
    return text.replace(at, from.size(), to);
}

PageErrorKind error_kind(std::string_view html, std::string_view url)
{
    auto result = parse_article(html, url);
    REQUIRE_FALSE(result.has_value());
    CHECK_FALSE(result.error().message.empty());
    return result.error().kind;
}

void check_golden(const fs::path& page, const nlohmann::json& expected)
{
    const auto id = page.stem().string();
    INFO("page: " << id);
    const auto url = "https://n.news.naver.com/mnews/article/" + id.substr(0, 3) + "/" + id.substr(4);
    auto article = parse_article(sillok::test::read_file(page), url);
    REQUIRE_MESSAGE(article.has_value(), to_string(article.error().kind) << ": " << article.error().message);
    CHECK(article->title == expected.at("title").get<std::string>());
    CHECK(article->category == expected.at("category").get<std::string>());
    CHECK(article->publisher == expected.at("publisher").get<std::string>());
    CHECK(article->author == expected.at("author").get<std::string>());
    CHECK(article->published_at == expected.at("published_at").get<std::string>());
    if (expected.at("modified_at").is_null()) {
        CHECK_FALSE(article->modified_at.has_value());
    } else {
        CHECK(article->modified_at == expected.at("modified_at").get<std::string>());
    }
    if (expected.at("original_url").is_null()) {
        CHECK_FALSE(article->original_url.has_value());
    } else {
        CHECK(article->original_url == expected.at("original_url").get<std::string>());
    }
    CHECK(article->ref.canonical_url() == expected.at("url").get<std::string>());
    CHECK(article->ref.oid == expected.at("oid").get<std::string>());
    CHECK(article->ref.aid == expected.at("aid").get<std::string>());
    CHECK(article->ref.id() == expected.at("id").get<std::string>());
    CHECK(article->content == expected.at("content").get<std::string>());
    CHECK(sillok::daemon::content_hash(article->content) == expected.at("content_hash").get<std::string>());
}

// Naver's answer for a deleted article: the error layout, no article body.
constexpr std::string_view k_deleted_page = R"(<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>네이버 뉴스</title></head>
<body><div id="wrap"><div class="error_wrap"><div class="error_content">
<h2 class="error_title">죄송합니다.<br>요청하신 페이지를 찾을 수 없습니다.</h2>
<p class="error_desc">기사가 삭제되었거나 존재하지 않는 기사입니다.</p>
<a href="https://news.naver.com/">네이버 뉴스 홈</a></div></div></div></body></html>)";

// An article page reduced to what the field fallbacks need.
constexpr std::string_view k_small_article = R"(<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:title" content="  OG &#x27;제목&#x27;&#x3D;  ">
<meta property="og:article:author" content=" 연합뉴스 | 네이버 "></head>
<body><div class="media_end_head">
<span class="media_end_head_info_datestamp_time _ARTICLE_DATE_TIME" data-date-time="2021-03-04 05:06:07">2021.03.04.</span>
<em class="media_end_head_journalist_name">홍길동 기자</em>
<em class="media_end_head_journalist_name">
	김철수&nbsp;기자 </em></div>
<article id="dic_area">본문 &amp; 끝</article></body></html>)";

// Hand-written, mirroring the 2026 layout of a broadcaster's video article: the header shows
// the press logo as img.media_end_head_top_img (no media_end_head_top_logo_img), and the body
// opens with the video player, its text starting after a <br>.
constexpr std::string_view k_video_article_2026 = R"(<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<meta property="og:title" content="방송 기사">
<meta property="og:article:author" content="JTBC | 네이버"></head>
<body><div class="media_end_head go_trans">
<div class="media_end_head_top"><a href="https://news.jtbc.co.kr" class="media_end_head_top_logo">
<div class="media_end_head_top_thumb"><img data-src="https://mimgnews.pstatic.net/logo_437.png" alt="JTBC"
 class="media_end_head_top_img _LAZY_LOADING"></div><span class="media_end_head_top_press">JTBC</span></a></div>
<div class="media_end_head_title"><h2 id="title_area" class="media_end_head_headline"><span>방송 기사</span></h2></div>
<div class="media_end_head_info_journalist"><div class="media_end_head_journalist_thumb">
<span class="no_profile"><span class="blind">김기자 기자</span></span></div>
<em class="media_end_head_journalist_name">김기자 기자</em>
<span class="media_end_head_info_datestamp_time _ARTICLE_DATE_TIME" data-date-time="2026-03-21 19:42:57">2026.03.21.</span>
<span class="media_end_head_info_datestamp_time _ARTICLE_MODIFY_DATE_TIME" data-modify-date-time="2026-03-21 19:43:11">x</span>
<a href="https://news.jtbc.co.kr/article/NB1?influxDiv&#x3D;NAVER" class="media_end_head_origin_link">기사원문</a></div></div>
<div id="contents" class="newsct_body"><div class="_VOD_PLAYER_WRAP" data-video-id="AC0"></div>
<script type="x-tmpl-mustache" class="_VOD_IMAGE_REPLACE_TEMPLATE"><span class="end_photo_org"><img src="{{url}}"/></span></script>
<div id="newsct_article" class="newsct_article _article_body"><article id="dic_area" class="go_trans _article_content">
<div class="vod_player_wrap _VIDEO_AREA_WRAP"><div class="VOD_PLAYER_ERROR_WRAP"></div><div id="video_area_0" class="video_area _VIDEO_AREA">
<pzp-pc-layout><pzp-pc-header class="pzp-pc__header is_hidden"></pzp-pc-header></pzp-pc-layout></div></div>
<br>[앵커]<br><br>첫 문단입니다.<br><br data-pasted="true">[기자]<br><br>둘째 문단입니다.
</article></div>
<div class="byline"><p class="byline_p"><span class="byline_s">김기자 기자 (kim@jtbc.co.kr)</span></p></div>
<div class="copyright"><p class="c_text">Copyright ⓒ JTBC. All rights reserved.</p></div>
<div class="media_end_categorize"><a href="#">이 기사는 언론사에서 <em class="media_end_categorize_item">사회</em> 섹션으로 분류했습니다.</a></div>
</div></body></html>)";

} // namespace

TEST_CASE("parsers::parse_article")
{
    SUBCASE("saved article pages give exactly their golden fields and content")
    {
        const auto dir = sillok::test::fixtures_dir();
        int compared = 0;
        for (const auto& entry : fs::directory_iterator(dir / "naver" / "article")) {
            const auto expected_path = dir / "expected" / (entry.path().stem().string() + ".json");
            if (entry.path().extension() != ".html" || !fs::exists(expected_path)) {
                continue;
            }
            check_golden(entry.path(), nlohmann::json::parse(sillok::test::read_file(expected_path)));
            ++compared;
        }
        CHECK(compared >= 3);
    }

    SUBCASE("fields fall back as FORMAT.md orders, as plain collapsed text")
    {
        auto article = parse_article(k_small_article, "https://n.news.naver.com/article/001/0012345678?sid=100");
        REQUIRE(article.has_value());
        CHECK(article->title == "OG '제목'=");
        CHECK(article->publisher == "연합뉴스");
        CHECK(article->author == "홍길동 기자, 김철수 기자");
        CHECK(article->category.empty());
        CHECK(article->published_at == "2021-03-04T05:06:07+09:00");
        CHECK_FALSE(article->modified_at.has_value());
        CHECK_FALSE(article->original_url.has_value());
        CHECK(article->ref.canonical_url() == "https://n.news.naver.com/mnews/article/001/0012345678");
        CHECK(article->content == "본문 &amp; 끝");

        auto bylines =
            replaced(std::string(k_small_article), "<article",
                     "<div class=\"byline\"><p class=\"byline_p\"><span class=\"byline_s\">\n\t이름 "
                     "기자\t(a@b.kr)\n</span><span class=\"byline_s\">둘째&nbsp;기자</span></p></div><article");
        bylines = replaced(bylines, "<div class=\"media_end_head\">",
                           "<div class=\"media_end_head\"><h2 id=\"title_area\"><span>&quot;진짜&quot;\n   "
                           "&#x27;제목&#x27;</span></h2>");
        article = parse_article(bylines, "https://n.news.naver.com/article/001/0012345678");
        REQUIRE(article.has_value());
        CHECK(article->author == "이름 기자 (a@b.kr), 둘째 기자");
        CHECK(article->title == "\"진짜\" '제목'");
    }

    SUBCASE("the 2026 video layout: publisher from og:article:author, nothing of the player")
    {
        auto article = parse_article(k_video_article_2026, "https://n.news.naver.com/mnews/article/437/0000483987");
        REQUIRE(article.has_value());
        CHECK(article->publisher == "JTBC");
        CHECK(article->author == "김기자 기자 (kim@jtbc.co.kr)");
        CHECK(article->title == "방송 기사");
        CHECK(article->category == "사회");
        CHECK(article->published_at == "2026-03-21T19:42:57+09:00");
        CHECK(article->modified_at == "2026-03-21T19:43:11+09:00");
        CHECK(article->original_url == "https://news.jtbc.co.kr/article/NB1?influxDiv=NAVER");
        CHECK(article->content == "[앵커]\n\n첫 문단입니다.\n\n[기자]\n\n둘째 문단입니다.");
    }

    SUBCASE("times must have the exact data-date-time shape")
    {
        const auto page = saved_page("article/003_0012577249.html");
        for (std::string_view bad :
             {"2024-05-30 11:40", "2024-05-30T11:40:08", "2024-5-30 11:40:08", "2024-13-30 11:40:08",
              "2024-05-30 24:40:08", "2024-05-30 11:40:08Z", "yyyy-05-30 11:40:08", "", "2024-02-31 12:00:00",
              "0000-01-01 00:00:00", "0000-01-01", "1989-12-31 23:59:59", "2100-01-01 00:00:00", "+024-05-30 11:40:08",
              "2024-05- 5 11:40:08"}) {
            INFO("value: '" << bad << "'");
            const auto published =
                replaced(page, "data-date-time=\"2024-05-30 11:40:08\"", "data-date-time=\"" + std::string(bad) + "\"");
            CHECK(error_kind(published, k_url_003) == PageErrorKind::incomplete);
            const auto modified = replaced(page, "data-modify-date-time=\"2024-05-30 11:41:15\"",
                                           "data-modify-date-time=\"" + std::string(bad) + "\"");
            auto article = parse_article(modified, k_url_003);
            REQUIRE(article.has_value());
            CHECK_FALSE(article->modified_at.has_value());
            CHECK(article->published_at == "2024-05-30T11:40:08+09:00");
        }
    }

    SUBCASE("a publication time that is not a real one is named in the failure")
    {
        const auto page = replaced(saved_page("article/003_0012577249.html"), "data-date-time=\"2024-05-30 11:40:08\"",
                                   "data-date-time=\"2024-02-31 12:00:00\"");
        auto article = parse_article(page, k_url_003);
        REQUIRE_FALSE(article.has_value());
        CHECK(article.error().kind == PageErrorKind::incomplete);
        CHECK(article.error().message
              == "article page without publication time (data-date-time '2024-02-31 12:00:00' is not a real time "
                 "'YYYY-MM-DD HH:MM:SS' from 1990-01-01 to 2099-12-31)");
    }

    SUBCASE("a deleted article's page is gone")
    {
        CHECK(error_kind(k_deleted_page, k_url_003) == PageErrorKind::gone);
        CHECK(error_kind("<html><head><title>삭제된 기사입니다 : 네이버 뉴스</title></head><body></body></html>",
                         k_url_003)
              == PageErrorKind::gone);
        CHECK(
            error_kind("<html><body><div class=\"ct\"><p>언론사 요청에 의해 삭제된 기사입니다.</p></div></body></html>",
                       k_url_003)
            == PageErrorKind::gone);
        CHECK(error_kind("<html><body><p>노출 중단 된 기사입니다.</p></body></html>", k_url_003)
              == PageErrorKind::gone);
        // An article that talks about deleted articles is still an article.
        const auto page = replaced(saved_page("article/003_0012577249.html"), "'리콜' 기능도 장점이다.",
                                   "페이지를 찾을 수 없습니다. 삭제된 기사입니다.");
        CHECK(parse_article(page, k_url_003).has_value());
    }

    SUBCASE("sports and entertainment articles are recognised by URL or by the page's own address")
    {
        const auto page = saved_page("article/003_0012577249.html");
        CHECK(error_kind(page, "https://m.sports.naver.com/article/003/0012577249")
              == PageErrorKind::sports_or_entertainment);
        CHECK(error_kind(page, "https://m.entertain.naver.com/article/003/0012577249")
              == PageErrorKind::sports_or_entertainment);
        const auto og_url = replaced(page, "content=\"https://n.news.naver.com/mnews/article/003/0012577249\"",
                                     "content=\"https://m.sports.naver.com/article/003/0012577249\"");
        CHECK(error_kind(og_url, k_url_003) == PageErrorKind::sports_or_entertainment);
        const auto canonical =
            replaced(page, "<head>",
                     "<head><link rel=\"canonical\" href=\"https://entertain.naver.com/article/003/0012577249\">");
        CHECK(error_kind(canonical, k_url_003) == PageErrorKind::sports_or_entertainment);
    }

    SUBCASE("listing and home pages, and URLs of other pages, are not articles")
    {
        for (std::string_view other : {"list/section_100_20260530.html", "home/news_home_20260530_a.html",
                                       "list/legacy_LS2D_100_265_20200919.html"}) {
            INFO("page: " << other);
            const auto page = saved_page(other);
            CHECK(error_kind(page, k_url_003) == PageErrorKind::not_an_article);
            CHECK(error_kind(page, "https://news.naver.com/section/100") == PageErrorKind::not_an_article);
        }
        // A listing whose headline mentions a deleted article is not an error page.
        const auto listing = replaced(saved_page("list/section_100_20260530.html"), "</body>",
                                      "<a href=\"#\">삭제된 기사 논란, 페이지를 찾을 수 없습니다</a></body>");
        CHECK(error_kind(listing, k_url_003) == PageErrorKind::not_an_article);
        CHECK(error_kind(saved_page("article/003_0012577249.html"), "https://www.example.com/a/1")
              == PageErrorKind::not_an_article);
    }

    SUBCASE("an article page without title, time or body is incomplete")
    {
        const auto page = saved_page("article/003_0012577249.html");
        CHECK(error_kind(replaced(page, "id=\"dic_area\"", "id=\"dic_area_moved\""), k_url_003)
              == PageErrorKind::incomplete);
        CHECK(error_kind(replaced(page, "data-date-time=", "data-time="), k_url_003) == PageErrorKind::incomplete);
        CHECK(error_kind(replaced(std::string(k_small_article), "본문 &amp; 끝",
                                  "<script>f()</script> &nbsp; <br><br><div class=\"vod_player_wrap\">영상</div>"),
                         k_url_003)
              == PageErrorKind::incomplete);
        auto untitled = replaced(std::string(k_small_article), "  OG &#x27;제목&#x27;&#x3D;  ", " ");
        CHECK(error_kind(untitled, k_url_003) == PageErrorKind::incomplete);
    }

    SUBCASE("broken input gives a typed error, never a crash")
    {
        CHECK(error_kind("", k_url_003) == PageErrorKind::not_an_article);
        std::string garbage;
        for (int i = 0; i < 65536; ++i) {
            garbage.push_back(static_cast<char>((i * 7919 + 13) % 256));
        }
        CHECK(error_kind(garbage, k_url_003) == PageErrorKind::not_an_article);
        std::string nested;
        for (int i = 0; i < 100000; ++i) {
            nested += "<div>";
        }
        CHECK(error_kind(nested + "깊다", k_url_003) == PageErrorKind::not_an_article);
        std::string nested_body = "<html><body><h2 id=\"title_area\">제목</h2><article id=\"dic_area\">";
        for (int i = 0; i < 100000; ++i) {
            nested_body += "<span><b>";
        }
        CHECK(error_kind(nested_body + "깊다", k_url_003) == PageErrorKind::incomplete);
        const auto page = saved_page("article/003_0012577249.html");
        const auto cut = page.find("삼성전자는 신제품 노트북인");
        REQUIRE(cut != std::string::npos);
        auto truncated = parse_article(std::string_view(page).substr(0, cut), k_url_003);
        REQUIRE(truncated.has_value());
        CHECK(truncated->content.ends_with("자신감도 드러냈다."));
    }
}

TEST_CASE("parsers::to_string(PageErrorKind)")
{
    CHECK(to_string(PageErrorKind::gone) == "gone");
    CHECK(to_string(PageErrorKind::sports_or_entertainment) == "sports_or_entertainment");
    CHECK(to_string(PageErrorKind::not_an_article) == "not_an_article");
    CHECK(to_string(PageErrorKind::incomplete) == "incomplete");
}

TEST_CASE("parsers::parse_html")
{
    SUBCASE("UTF-8 bytes are read as UTF-8 even under an euc-kr declaration")
    {
        auto doc = parse_html("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-kr\">"
                              "</head><body><p>한글 본문</p></body></html>");
        REQUIRE(doc);
        REQUIRE(*doc);
        CHECK(raw_text(select_first(root_element(doc->get()), "//p")) == "한글 본문");
        auto saved = parse_html(saved_page("legacy/029_0002625369.html"));
        REQUIRE(saved);
        REQUIRE(*saved);
        CHECK(
            raw_text(select_first(root_element(saved->get()), "//title")).starts_with("이재명, 자신 비판한 윤희숙에"));
    }

    SUBCASE("other bytes are decoded by the declared charset")
    {
        auto doc = parse_html(saved_page("legacy/081_0003219994.cp949.html"));
        REQUIRE(doc);
        REQUIRE(*doc);
        CHECK(raw_text(select_first(root_element(doc->get()), "//title")).starts_with("소 배설물 아닌가요?"));
    }

    SUBCASE("a stray invalid byte in a UTF-8 page costs one character, not the rest of the page")
    {
        auto doc =
            parse_html("<html><head><meta charset=\"utf-8\"></head><body><p>앞\xff뒤</p><p>경제</p></body></html>");
        REQUIRE(doc);
        REQUIRE(*doc);
        auto paragraphs = select_nodes(root_element(doc->get()), "//p");
        REQUIRE(paragraphs.size() == 2);
        CHECK(raw_text(paragraphs[0]) == "앞\uFFFD뒤");
        CHECK(raw_text(paragraphs[1]) == "경제");
    }

    SUBCASE("queries")
    {
        auto doc =
            parse_html("<html><body><div class=\" a  b\tc \" id=x>1</div><div class=\"ab\">2</div></body></html>");
        REQUIRE(doc);
        REQUIRE(*doc);
        const xmlNode* root = root_element(doc->get());
        CHECK(select_nodes(root, "//div[" + class_test("b") + "]").size() == 1);
        CHECK(select_nodes(root, "//div[" + class_test("a") + "]").size() == 1);
        CHECK(select_nodes(root, "//div[(").empty());
        const xmlNode* div = select_first(root, "//div");
        CHECK(has_class(div, "c"));
        CHECK_FALSE(has_class(div, "ab"));
        CHECK(attribute(div, "id") == "x");
        CHECK_FALSE(attribute(div, "title").has_value());
        CHECK(is_element(div, "div"));
        CHECK(parse_html("").value() == nullptr);
    }
}
