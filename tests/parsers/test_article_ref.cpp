#include "parsers/article_ref.hpp"

#include <doctest/doctest.h>

using sillok::parsers::ArticleRef;
using sillok::parsers::parse_url;
using sillok::parsers::UrlErrorKind;

TEST_CASE("parsers::parse_url accepts every Naver article URL form")
{
    const ArticleRef expected{"015", "0005230666"};
    const char* forms[] = {
        "https://n.news.naver.com/mnews/article/015/0005230666",
        "http://n.news.naver.com/mnews/article/015/0005230666",
        "n.news.naver.com/mnews/article/015/0005230666",
        "https://n.news.naver.com/mnews/article/015/0005230666?sid=101",
        "https://n.news.naver.com/mnews/article/015/0005230666?sid=101#comment",
        "https://n.news.naver.com/mnews/article/015/0005230666/",
        "https://n.news.naver.com/article/015/0005230666",
        "https://N.News.Naver.com/article/015/0005230666?cds=news_media_pc&type=editn",
        "https://n.news.naver.com/mnews/ranking/article/015/0005230666?ntype=RANKING",
        "https://n.news.naver.com/mnews/article/comment/015/0005230666?sid=101",
        "https://n.news.naver.com/article/comment/015/0005230666",
        "https://m.news.naver.com/article/015/0005230666",
        "https://m.news.naver.com/read.nhn?mode=LSD&sid1=101&oid=015&aid=0005230666",
        "https://news.naver.com/main/read.naver?mode=LSD&mid=shm&sid1=101&oid=015&aid=0005230666",
        "https://news.naver.com/main/read.nhn?oid=015&aid=0005230666",
        "news.naver.com/main/read.naver?aid=0005230666&oid=015#top",
        "https://news.naver.com/main/ranking/"
        "read.naver?mode=LSD&mid=shm&sid1=001&oid=015&aid=0005230666&rankingType=RANKING",
        "  https://n.news.naver.com/mnews/article/015/0005230666  ",
        "https://n.news.naver.com:443/mnews/article/015/0005230666",
    };
    for (const char* form : forms) {
        CAPTURE(form);
        auto ref = parse_url(form);
        REQUIRE(ref.has_value());
        CHECK(*ref == expected);
    }
    CHECK(expected.canonical_url() == "https://n.news.naver.com/mnews/article/015/0005230666");
    CHECK(expected.id() == "015_0005230666");
}

TEST_CASE("parsers::parse_url refuses what is not a Naver article")
{
    struct Case {
        const char* text;
        UrlErrorKind kind;
    };
    const Case cases[] = {
        {"", UrlErrorKind::malformed},
        {"   ", UrlErrorKind::malformed},
        {"http://./mnews/article/015/0005230666", UrlErrorKind::malformed},
        {"@./mnews/article/015/0005230666", UrlErrorKind::malformed},
        {"ftp://n.news.naver.com/mnews/article/015/0005230666", UrlErrorKind::malformed},
        {"https://n.news.naver.com/mnews/article/015/0005230666 extra", UrlErrorKind::malformed},
        {"https://example.com/mnews/article/015/0005230666", UrlErrorKind::not_naver},
        {"https://n.news.naver.com.evil.example/mnews/article/015/0005230666", UrlErrorKind::not_naver},
        {"https://evil.example/?u=https://n.news.naver.com/mnews/article/015/0005230666", UrlErrorKind::not_naver},
        {"https://m.sports.naver.com/article/015/0005230666", UrlErrorKind::not_naver},
        {"https://blog.naver.com/mnews/article/015/0005230666", UrlErrorKind::not_naver},
        {"https://news.naver.com/section/100", UrlErrorKind::not_article},
        {"https://news.naver.com/", UrlErrorKind::not_article},
        {"https://news.naver.com/main/list.naver?mode=LSD&sid1=100", UrlErrorKind::not_article},
        {"https://n.news.naver.com/mnews/article/015", UrlErrorKind::not_article},
        {"https://n.news.naver.com/mnews/article/15/0005230666", UrlErrorKind::bad_id},
        {"https://n.news.naver.com/mnews/article/015/523066", UrlErrorKind::bad_id},
        {"https://n.news.naver.com/mnews/article/01a/0005230666", UrlErrorKind::bad_id},
        {"https://n.news.naver.com/mnews/article/../0005230666", UrlErrorKind::bad_id},
        {"https://n.news.naver.com/mnews/article/015/0005230666.md", UrlErrorKind::bad_id},
        {"https://news.naver.com/main/read.naver?oid=015", UrlErrorKind::bad_id},
        {"https://news.naver.com/main/read.naver?oid=015&aid=../../etc", UrlErrorKind::bad_id},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto ref = parse_url(c.text);
        REQUIRE_FALSE(ref.has_value());
        CHECK(ref.error().kind == c.kind);
        CHECK_FALSE(ref.error().message.empty());
    }
}

TEST_CASE("parsers::is_news_host and is_sports_or_entertainment_host")
{
    using sillok::parsers::is_news_host;
    using sillok::parsers::is_sports_or_entertainment_host;
    CHECK(is_news_host("n.news.naver.com"));
    CHECK(is_news_host("news.naver.com"));
    CHECK(is_news_host("m.news.naver.com"));
    CHECK_FALSE(is_news_host("naver.com"));
    CHECK_FALSE(is_news_host("n.news.naver.com.example"));
    CHECK(is_sports_or_entertainment_host("m.sports.naver.com"));
    CHECK(is_sports_or_entertainment_host("sports.naver.com"));
    CHECK(is_sports_or_entertainment_host("m.entertain.naver.com"));
    CHECK_FALSE(is_sports_or_entertainment_host("evilsports.naver.com"));
    CHECK_FALSE(is_sports_or_entertainment_host("n.news.naver.com"));
}
