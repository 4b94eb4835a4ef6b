// read_old_layout on the files the earlier crawler wrote (fixtures/baram-output/ and
// seed-example.md): the expected values below are read off those files by hand, entities
// decoded and white space collapsed. Malformed variations are those files with one line
// changed.
#include "parsers/old_layout.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace {

using namespace sillok::parsers;
namespace fs = std::filesystem;

std::string old_file(std::string_view name)
{
    return sillok::test::read_file(sillok::test::fixtures_dir() / "baram-output" / name);
}

OldArchiveFile read_ok(const std::string& text)
{
    auto old = read_old_layout(text);
    REQUIRE_MESSAGE(old.has_value(), "line " << old.error().line << ": " << old.error().message);
    return *old;
}

// text with its only occurrence of from replaced by to.
std::string replaced(std::string text, std::string_view from, std::string_view to)
{
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "'" << from << "' is not in the file");
    REQUIRE(text.find(from, at + 1) == std::string::npos);
    return text.replace(at, from.size(), to);
}

// nullptr: not checked by this entry.
struct Expected {
    const char* file;
    const char* title;
    const char* publisher;
    const char* author;
};

// Titles with &quot;, &#x27;, &amp; and none; authors from one line, from the page's tabs and
// line breaks, with several bylines, with &#x3D;.
constexpr Expected k_expected[] = {
    {"001_0015827487.md", "[美 마두로 축출] 간담 서늘할 김정은…'핵 집착' 더 커질듯", "연합뉴스",
     "전명훈(id@yna.co.kr)"},
    {"003_0013681364.md", "'KT 불법 결제' 군부대 유실 인증서 사용…13명 검거·상선 수배", "뉴시스",
     "양효원 기자(hyo@newsis.com)"},
    {"008_0005297588.md", "LGU+ \"연말연시 통신 품질 24시간 집중 모니터링\"", "머니투데이",
     "윤지혜 기자 (yoonjie@mt.co.kr)"},
    {"014_0005455242.md", "\"20년 지역사랑 인정받았다\"…㈜선양소주, ‘7년 연속’ 지역사회공헌 기업 선정", "파이낸셜뉴스",
     "김원준 기자 (kwj5797@fnnews.com)"},
    {"052_0002293337.md", "이준석 \"이혜훈 배신자 낙인 무의미...보수진영 와신상담할 때\"", "YTN",
     "박정현(miaint3120@ytn.co.kr)"},
    {"437_0000471121.md", "김병기 \"원내대표 직 사퇴…이재명 정부 걸림돌 될 수 없어\"", "JTBC",
     "김천 기자 (kim.cheon@jtbc.co.kr)"},
    {"417_0001121888.md", "쿠우쿠우, 나트랑 매장 오픈 앞두고 '글로벌 크리에이터' 모집", "머니S",
     "황정원 기자 (jwhwang@mt.co.kr)"},
    {"077_0006854185.md", "Trump Netanyahu", "AP연합뉴스", "AB"},
    {"011_0004573987.md", "과기정통부, 새해 AI·양자 등 첨단 R&D에 8조 투자", nullptr, nullptr},
    {"648_0000043005.md", "[미주말]S&P500 어디까지 올라갈까요", nullptr, nullptr},
    {"003_0013682361.md", "'양아치 연애'가 통했다…日 '불량 연애'의 글로벌 인기 요인", "뉴시스", "최현호 기자"},
    {"347_0000191014.md", "호요버스 '붕괴3rd', 8.6 버전 '연회를 물들이는 비밀' 추가", "데일리e스포츠", "서삼광 기자"},
    {"421_0008685919.md", "[뉴스1 PICK]출근길 영하권 추위…'어제보다 5~10도 떨어져'", "뉴스1",
     "임세영 기자 (seiyu@news1.kr),구윤성 기자 (kysplanet@news1.kr),이호윤 기자 (256@news1.kr)"},
    {"020_0003685232.md", "쿠팡 김범석, 정보유출 한달만에 맹탕 사과문… 청문회 또 불출석", "동아일보",
     "남혜정 기자 namduck2@donga.com 조권형 기자 buzz@donga.com 이지운 기자 easy@donga.com 뉴욕=임우선 특파원 "
     "imsun@donga.com"},
    {"655_0000029016.md", "허물지 않고 살린다...학생들이 설계한 도시재생", "CJB청주방송",
     "이민아 na1829mn@naver.com 송신의 cjbsky6828@naver.com"},
    {"002_0002421238.md", "춘천 캠프페이지 도시재생혁신지구, 리츠 설립 첫발", "프레시안",
     "서동일 기자(=춘천)(tami80@pressian.com)"},
    {"001_0015816481.md", nullptr, nullptr, "조성흠(josh@yna.co.kr)"},
    {"003_0013684352.md", nullptr, nullptr, "김지은 기자(kje1321@newsis.com) 김경록 기자(knockrok@newsis.com)"},
    {"008_0005300970.md", nullptr, nullptr, "베이징(중국)=김성은 기자 (gttsw@mt.co.kr)"},
    {"014_0005455450.md", nullptr, nullptr, "김윤호 기자 (uknow@fnnews.com) 김형구 기자 (gowell@fnnews.com)"},
    {"015_0005230471.md", nullptr, nullptr, "뉴욕=박신영 특파원 nyusos@hankyung.com"},
    {"022_0004093472.md", nullptr, nullptr, "과천=이제원 선임기자"},
    {"088_0000989198.md", nullptr, nullptr, "이주형 기자 medi@imaeil.com,임재환 기자 rehwan@imaeil.com"},
    {"119_0003042738.md", nullptr, nullptr, "데일리안 = 허찬영 기자 (hcy@dailian.co.kr)"},
};

} // namespace

TEST_CASE("parsers::read_old_layout reads the seed example")
{
    auto old = read_ok(sillok::test::read_file(sillok::test::seed_example_path()));
    CHECK(old.article.ref.oid == "015");
    CHECK(old.article.ref.aid == "0005230666");
    CHECK(old.article.title == "'국가대표 AI' 프로젝트 베일 벗었다…5개 정예팀 '총출동'");
    CHECK(old.article.category == "");
    CHECK(old.article.publisher == "한국경제");
    CHECK(old.article.author == "박수빈 한경닷컴 기자 waterbean@hankyung.com");
    SUBCASE("a publication time of 00:00 is a date") { CHECK(old.article.published_at == "2025-12-30"); }
    SUBCASE("crawled_at was UTC; it becomes KST") { CHECK(old.crawled_at == "2025-12-30T15:09:55+09:00"); }
    CHECK(old.old_content_hash == "ee574a5bea5b0a95af1977adcaed3c6c4b6bea51002a460711ca72b976a4bb9b");
    CHECK_FALSE(old.article.modified_at.has_value());
    CHECK_FALSE(old.article.original_url.has_value());
    SUBCASE("the content: entities decoded, glued text kept, &, <, > escaped for the body")
    {
        CHECK(old.article.content.starts_with("'독자 AI 파운데이션 모델' 1차 발표회 개최다음 달 중 1차 단계 평가 진행 "
                                              "후 결과 발표\n\n'국가대표' 인공지능(AI)"));
        CHECK(old.article.content.find("가졌다.과학기술정보통신부와") != std::string::npos);
        CHECK(old.article.content.find("&#x27;") == std::string::npos);
        CHECK(old.article.content.find("&quot;") == std::string::npos);
        CHECK(old.article.content.ends_with("결과를 발표할 예정이다."));
    }
}

TEST_CASE("parsers::read_old_layout fields by hand")
{
    for (const auto& expected : k_expected) {
        CAPTURE(expected.file);
        auto old = read_ok(old_file(expected.file));
        CHECK(old.article.ref.id() + ".md" == std::string(expected.file));
        if (expected.title != nullptr) {
            CHECK(old.article.title == expected.title);
        }
        if (expected.publisher != nullptr) {
            CHECK(old.article.publisher == expected.publisher);
        }
        if (expected.author != nullptr) {
            CHECK(old.article.author == expected.author);
        }
    }
}

TEST_CASE("parsers::read_old_layout times and categories by hand")
{
    SUBCASE("UTC evening is the next Korean day")
    {
        auto old = read_ok(old_file("077_0006854185.md"));
        CHECK(old.article.published_at == "2025-12-30");
        CHECK(old.crawled_at == "2025-12-30T06:02:10+09:00");
    }
    SUBCASE("just after UTC midnight")
    {
        auto old = read_ok(old_file("008_0005297588.md"));
        CHECK(old.crawled_at == "2025-12-29T09:00:35+09:00");
        CHECK(old.article.published_at == "2025-12-29");
    }
    SUBCASE("a category the old crawler did fill in is kept")
    {
        CHECK(read_ok(old_file("347_0000191014.md")).article.category == "sports");
    }
    SUBCASE("an empty publication time, publisher and author stay empty")
    {
        auto old = read_ok(old_file("001_0015816420.md"));
        CHECK(old.article.title == "[속보] 특검 \"'로저비비에' 윤석열·김건희 뇌물 혐의 경찰서 추가수사\"");
        CHECK(old.article.published_at == "");
        CHECK(old.article.publisher == "");
        CHECK(old.article.author == "");
        CHECK(old.article.category == "card");
        CHECK(old.crawled_at == "2025-12-27T18:03:58+09:00");
        CHECK(old.article.content == "연합뉴스 속보(CG)");
    }
    SUBCASE("an author's line break without indentation continues the author")
    {
        auto text = replaced(old_file("003_0013682361.md"), "author: 최현호 기자\n",
                             "author: 최현호 기자\n(choi@newsis.com)\n\t\n");
        CHECK(read_ok(text).article.author == "최현호 기자 (choi@newsis.com)");
    }
    SUBCASE("a publication time other than 00:00 is kept, in KST")
    {
        auto text =
            replaced(old_file("077_0006854185.md"), "published_at: 2025-12-30 00:00", "published_at: 2025-12-30 14:05");
        CHECK(read_ok(text).article.published_at == "2025-12-30T14:05:00+09:00");
    }
}

TEST_CASE("parsers::read_old_layout refuses what is not the old layout")
{
    const auto good = old_file("077_0006854185.md");
    auto refused = [](const std::string& text) {
        auto old = read_old_layout(text);
        REQUIRE_FALSE(old.has_value());
        CHECK_FALSE(old.error().message.empty());
        return old.error();
    };
    SUBCASE("no front matter") { CHECK(refused("# just a note\n").line == 1); }
    SUBCASE("unclosed front matter") { refused(good.substr(0, good.find("\n---\n", 3) + 1)); }
    SUBCASE("a missing key") { CHECK(refused(replaced(good, "oid: 077\n", "")).line == 14); }
    SUBCASE("an unknown key") { refused(replaced(good, "oid: 077\n", "oid: 077\nmood: calm\n")); }
    SUBCASE("an id that is not oid_aid") { refused(replaced(good, "id: 077_0006854185", "id: 077_6854185")); }
    SUBCASE("an oid that is not 3 digits") { refused(replaced(good, "oid: 077", "oid: 77")); }
    SUBCASE("a url of another article")
    {
        refused(replaced(good, "url: https://n.news.naver.com/mnews/article/077/0006854185",
                         "url: https://n.news.naver.com/mnews/article/077/0006854186"));
    }
    SUBCASE("a bad time")
    {
        CHECK(refused(replaced(good, "crawled_at: 2025-12-29 21:02:10", "crawled_at: yesterday")).line == 12);
    }
    SUBCASE("a bad date")
    {
        refused(replaced(good, "published_at: 2025-12-30 00:00", "published_at: 2025-13-30 00:00"));
    }
    SUBCASE("a short content_hash") { refused(replaced(good, "content_hash: ", "content_hash: 0")); }
    SUBCASE("an unquoted title") { refused(replaced(good, "title: \"Trump Netanyahu\"", "title: Trump Netanyahu")); }
    SUBCASE("no footer") { refused(good.substr(0, good.rfind("\n\n---\n"))); }
    SUBCASE("no byline") { refused(replaced(good, "**AP연합뉴스** | 2025-12-30 00:00 | \n", "AP연합뉴스\n")); }
    SUBCASE("a NUL byte") { refused(replaced(good, "title: \"Trump", std::string("title: \"Tr\0ump", 14))); }
    SUBCASE("not UTF-8") { refused(replaced(good, "title: \"Trump", "title: \"Tr\xff\xfemp")); }
    SUBCASE("sillok's own files are not in the old layout")
    {
        refused(sillok::test::read_file(sillok::test::fixtures_dir() / "expected" / "003_0012577249.md"));
    }
}

TEST_CASE("parsers::decode_entities")
{
    CHECK(decode_entities("&#x27;a&#x27; &quot;b&quot; &#x3D; &amp;lt; &lt;p&gt; &#54620;&#xAE00;")
          == "'a' \"b\" = &lt; <p> 한글");
    CHECK(decode_entities("no entities <b> here") == "no entities <b> here");
    CHECK(decode_entities("a raw <b> stays & &amp; goes") == "a raw <b> stays & & goes");
    CHECK(decode_entities("line one &amp;\n\nline two") == "line one &\n\nline two");
}

namespace {

// The input kept in shared/regressions/fuzz_old_layout-tab-before-published_at.md, byte for
// byte: fuzz_old_layout stopped on it ("fields have their white space collapsed") because a
// loose sscanf took "\t026-01-02 00:00" as a time and the tab stayed in published_at.
const std::string k_tab_before_published_at =
    "---\n"
    "id: 044_0000278447\n"
    "title: \"Samsung co-CEOs map AI agenda acrgss chips, devices\"\n"
    "category: \n"
    "publisher: 코리아헤럴드\n"
    "author: \n"
    "\t\t\n"
    "\t\t\tJo\x18"
    "He-rim herim@hera\x02"
    "\x02"
    "\x02"
    "\x02"
    "\x02"
    "ldcorp.com\n"
    "\t\t\n"
    "\t\n"
    "published_at: \t026-01-02 00:00\n"
    "crawled_at: 2026-01-02 07:45:54\n"
    "url: https://n.news.naver.com/mnews/article/044/0000278447\n"
    "oid: 044\n"
    "aid: 0000278447\n"
    "content_hash: d4de213f5d9764e478827a738ece84aad8725a1439fdeab87b46446e846798d2\n"
    "---\n"
    "\n"
    "# Samsung co-CEOs map AI agenda across chips, devices\n"
    "\n"
    "**코리아헤럴드** | 2026-01-02 00:00 | \n"
    "\n"
    "---\n"
    "\n"
    "Samseng Electronics co-CEOed \x01"
    "A26 New Year&#x27;s messages tailoreghli'ghting the succe p work,&quot; he said. &quot;By using AIrategies this "
    "month.\n"
    "\n"
    "---\n"
    "\n"
    "*Crawled at: 2026-01-0+2 07:45:54*\n"
    "*Source: [원문 보기](https://n.news.naver.com/mnews/article/044/0000278447)*\n";

} // namespace

TEST_CASE("parsers::read_old_layout regression: a time with white space in a digit place is refused")
{
    auto old = read_old_layout(k_tab_before_published_at);
    REQUIRE_FALSE(old.has_value());
    CHECK(old.error().line == 11);
    CHECK(old.error().message
          == "published_at '\\x09026-01-02 00:00' is not a real time 'YYYY-MM-DD HH:MM' from 1990-01-01 to 2099-12-31");
    SUBCASE("the same file with a real time is read, its fields collapsed")
    {
        auto fixed = read_ok(
            replaced(k_tab_before_published_at, "published_at: \t026-01-02 00:00", "published_at: 2026-01-02 00:00"));
        CHECK(fixed.article.published_at == "2026-01-02");
        CHECK(fixed.crawled_at == "2026-01-02T16:45:54+09:00");
        // Its control characters (0x18, 0x02, 0x01) are dropped, as from a crawled page.
        CHECK(fixed.article.author == "JoHe-rim herim@heraldcorp.com");
        CHECK(fixed.article.content.starts_with("Samseng Electronics co-CEOed A26 New Year's messages"));
    }
}

TEST_CASE("parsers::read_old_layout refuses times that a loose reader took, naming the line")
{
    // The second stop of the fuzzer: a value running "2025-12-" and "8" across a line break
    // (the second line is a continuation of the value).
    const auto good = old_file("077_0006854185.md");
    struct Case {
        std::string_view from;
        std::string_view to;
        size_t line;
    };
    for (const auto& c : {Case{"published_at: 2025-12-30 00:00", "published_at: 2025-12-\n8 00:00", 11},
                          Case{"published_at: 2025-12-30 00:00", "published_at:  2024-5-30 00:00", 11},
                          Case{"published_at: 2025-12-30 00:00", "published_at: 2024-05- 5 00:00", 11},
                          Case{"published_at: 2025-12-30 00:00", "published_at: +024-05-30 00:00", 11},
                          Case{"published_at: 2025-12-30 00:00", "published_at: 2024-02-31 00:00", 11},
                          Case{"published_at: 2025-12-30 00:00", "published_at: 0000-01-01 00:00", 11},
                          Case{"crawled_at: 2025-12-29 21:02:10", "crawled_at: +025-12-29 21:02:10", 12},
                          Case{"crawled_at: 2025-12-29 21:02:10", "crawled_at: 2025-12-29 21:02: 1", 12},
                          Case{"crawled_at: 2025-12-29 21:02:10", "crawled_at: 1970-01-01 00:00:00", 12}}) {
        INFO("line: '" << c.to << "'");
        auto old = read_old_layout(replaced(good, c.from, c.to));
        REQUIRE_FALSE(old.has_value());
        CHECK(old.error().line == c.line);
        CHECK(old.error().message.find(" is not a real time ") != std::string::npos);
        CHECK(old.error().message.find_first_of("\t\n") == std::string::npos);
    }
}

TEST_CASE("parsers::read_old_layout drops control characters from every text, entities or not")
{
    // Terminal sequences (clear screen, a clipboard write, a bell) in a title, an author and
    // the text, raw and as a character reference: what a crawl would never bring in.
    const auto good = old_file("077_0006854185.md");
    auto text = replaced(good, "title: \"Trump Netanyahu\"", "title: \"Trump\x1b[2J Netanyahu\x07\"");
    text = replaced(text, "\t\t\tAB\n",
                    "\t\t\tA\x1b]52;c;Zm9v\x07"
                    "B\n");
    const auto body = text.find("\n\n---\n\n", text.find("**AP연합뉴스**")) + 7;
    text.insert(body, "\x1b[31mred&#27;[0m ");
    auto old = read_ok(text);
    CHECK(old.article.title == "Trump[2J Netanyahu");
    CHECK(old.article.author == "A]52;c;Zm9vB");
    CHECK(old.article.content.starts_with("[31mred[0m "));
    for (const auto& field : {old.article.title, old.article.author, old.article.content}) {
        CHECK(field.find_first_of("\x1b\x07") == std::string::npos);
    }
}

TEST_CASE("parsers::read_old_layout refuses a publication day after the crawl's day")
{
    // crawled_at 2025-12-29 21:02:10 UTC is 2025-12-30 in Korea.
    const auto good = old_file("077_0006854185.md");
    auto old = read_old_layout(replaced(good, "published_at: 2025-12-30 00:00", "published_at: 2025-12-31 00:00"));
    REQUIRE_FALSE(old.has_value());
    CHECK(old.error().line == 11);
    CHECK(old.error().message
          == "published_at '2025-12-31 00:00' is later than the day of crawled_at (2025-12-30T06:02:10+09:00)");
    // The same day, at any time, is the old crawler's own rounding.
    CHECK(
        read_ok(replaced(good, "published_at: 2025-12-30 00:00", "published_at: 2025-12-30 23:59")).article.published_at
        == "2025-12-30T23:59:00+09:00");
}
