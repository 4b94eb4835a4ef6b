// parse_comment_page on every saved answer of Naver's comment API and on hostile answers made
// from them. Expected values were read outside sillok: a Python script took the text between
// the first '(' and the last ')' of each saved body, json.loads it and printed the fields
// (the pageSize=1 body is the as.raw() bytes of the httptest .R fixture, decoded the same way
// as the test below decodes them).
#include "parsers/comments.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

using namespace sillok::parsers;

std::string saved_answer(std::string_view name)
{
    return sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "comments" / name);
}

// The response body of an httptest .R fixture: the bytes of `content = as.raw(c(0x5f, ...))`.
std::string httptest_body(const std::string& r_source)
{
    const auto start = r_source.find("content = as.raw(");
    REQUIRE(start != std::string::npos);
    const auto end = r_source.find("))", start);
    REQUIRE(end != std::string::npos);
    std::string body;
    for (auto at = r_source.find("0x", start); at != std::string::npos && at < end; at = r_source.find("0x", at + 4)) {
        body.push_back(static_cast<char>(std::stoi(r_source.substr(at + 2, 2), nullptr, 16)));
    }
    return body;
}

CommentPage page_of(std::string_view body)
{
    auto page = parse_comment_page(body);
    REQUIRE_MESSAGE(page.has_value(), to_string(page.error().kind) << ": " << page.error().message);
    return *page;
}

CommentErrorKind failure_of(std::string_view body)
{
    auto page = parse_comment_page(body);
    REQUIRE_FALSE(page.has_value());
    CHECK_FALSE(page.error().message.empty());
    return page.error().kind;
}

// The saved 2022 answer with one replacement made (the text must be there once at least).
std::string edited(std::string body, std::string_view from, std::string_view to)
{
    const auto at = body.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "not in the saved answer: " << from);
    body.replace(at, from.size(), to);
    return body;
}

const std::string k_first_no = "750015397515755651";

} // namespace

TEST_CASE("comments: the 2022 answer of 214/0001179316 gives its ten comments, totals and cursor")
{
    const auto page = page_of(saved_answer("214_0001179316.p1.size10.jsonp"));
    REQUIRE(page.comments.size() == 10);
    const Comment& first = page.comments.front();
    CHECK(first.comment_no == k_first_no);
    CHECK(first.parent_no == k_first_no);
    CHECK(first.reply_level == 1);
    CHECK(first.author == "retr****");
    CHECK(first.posted_at == "2022-02-18T22:31:11+09:00");
    CHECK(first.modified_at == "2022-02-18T22:31:11+09:00");
    CHECK(first.likes == 1);
    CHECK(first.dislikes == 0);
    CHECK(first.replies == 0);
    CHECK(first.state == CommentState::visible);
    CHECK(first.text.starts_with("K빵역 뽕을 치사량까지 들이킨(무능하고 영악한) 정부가 만들어낸… 🪐우주"));
    CHECK(first.user_id_no == "6zrLv");
    CHECK(page.comments[1].comment_no == "750014577965531451");
    CHECK(page.comments[1].author == "jjou****");
    CHECK(page.comments.back().comment_no == "750011647254332821");
    CHECK(page.comments.back().author == "clik****");
    CHECK(page.comments.back().posted_at == "2022-02-18T21:32:58+09:00");
    CHECK(page.totals.comment == 92);
    CHECK(page.totals.reply == 33);
    CHECK(page.totals.expose == 92);
    CHECK(page.totals.deleted_by_user == 5);
    CHECK(page.totals.deleted_by_monitor == 0);
    CHECK(page.totals.total == 125);
    CHECK(page.next == std::optional<std::string>("05p4wxu68co7p"));
    CHECK(page.end == std::optional<std::string>("05p4umd33xjue"));
    CHECK(page.exposure == "COMMENT_ON");
    CHECK(page.open());
    CHECK(page.sort == "NEW"); // FAVORITE was asked: the answer's own sort is kept
}

TEST_CASE("comments: the 2017 test comments of 015/0002303155 and 001/0009205077")
{
    const auto three = page_of(saved_answer("015_0002303155.p1.size100.jsonp"));
    REQUIRE(three.comments.size() == 3);
    CHECK(three.comments[0].comment_no == "1077873075");
    CHECK(three.comments[1].comment_no == "1077872715");
    CHECK(three.comments[1].text == "test2");
    CHECK(three.comments[2].comment_no == "1077872635");
    CHECK(three.comments[2].posted_at == "2017-09-25T00:59:23+09:00");
    CHECK(three.totals.comment == 3);
    CHECK(three.totals.total == 3);
    CHECK(three.next == std::optional<std::string>("04kc738jmavn8"));
    CHECK_FALSE(three.end.has_value()); // null in the answer

    const auto one = page_of(saved_answer("001_0009205077.p1.size10.jsonp"));
    REQUIRE(one.comments.size() == 1);
    CHECK(one.comments[0].comment_no == "917027292");
    CHECK(one.comments[0].author == "park****");
    CHECK(one.comments[0].posted_at == "2017-05-01T02:39:37+09:00");
    CHECK(one.totals.comment == 1);

    // pageSize=1 of the three: the same first comment, next cursor equal to prev.
    const std::string body = httptest_body(saved_answer("015_0002303155.p1.size1.httptest.R"));
    CHECK(body.size() == 10943);
    const auto first = page_of(body);
    REQUIRE(first.comments.size() == 1);
    CHECK(first.comments[0].comment_no == "1077873075");
    CHECK(first.next == std::optional<std::string>("04kc74c08jz5c"));
}

TEST_CASE("comments: commentNo as a JSON number (2021) reads as the same text, never through a double")
{
    const std::string saved = saved_answer("214_0001179316.p1.size10.jsonp");
    const std::string as_number =
        edited(edited(saved, "\"commentNo\":\"" + k_first_no + "\"", "\"commentNo\":" + k_first_no),
               "\"parentCommentNo\":\"" + k_first_no + "\"", "\"parentCommentNo\":" + k_first_no);
    const auto page = page_of(as_number);
    CHECK(page.comments[0].comment_no == k_first_no); // a double would give 750015397515755648
    CHECK(page.comments[0].parent_no == k_first_no);
    // 2^64 - 1 still fits; one more does not and is a wrong shape, not a rounded number.
    CHECK(page_of(edited(saved, "\"commentNo\":\"" + k_first_no + "\"", "\"commentNo\":18446744073709551615"))
              .comments[0]
              .comment_no
          == "18446744073709551615");
    CHECK(failure_of(edited(saved, "\"commentNo\":\"" + k_first_no + "\"", "\"commentNo\":18446744073709551616"))
          == CommentErrorKind::bad_shape);
    CHECK(failure_of(edited(saved, "\"commentNo\":\"" + k_first_no + "\"", "\"commentNo\":7.5e17"))
          == CommentErrorKind::bad_shape);
    CHECK(failure_of(edited(saved, "\"commentNo\":\"" + k_first_no + "\"", "\"commentNo\":\"../x\""))
          == CommentErrorKind::bad_shape);
    CHECK(failure_of(edited(saved, "\"sympathyCount\":1,", "\"sympathyCount\":123456789012345678901234567890,"))
          == CommentErrorKind::bad_shape);
}

TEST_CASE("comments: the JSONP wrapper with or without a name, with or without a semicolon, and nothing else")
{
    const std::string saved = saved_answer("001_0009205077.p1.size10.jsonp");
    const std::string json = saved.substr(saved.find('(') + 1, saved.rfind(')') - saved.find('(') - 1);
    CHECK(page_of("_callback(" + json + ");").comments.size() == 1);
    CHECK(page_of("jQuery1234_5678(" + json + ")").comments.size() == 1);
    CHECK(page_of("(" + json + ")").comments.size() == 1);
    CHECK(page_of("\r\n  _callback(" + json + ") ;\n").comments.size() == 1);
    CHECK(failure_of(json) == CommentErrorKind::no_wrapper);
    CHECK(failure_of("") == CommentErrorKind::no_wrapper);
    CHECK(failure_of("_callback(") == CommentErrorKind::no_wrapper);
    CHECK(failure_of("<html><body>Service unavailable</body></html>") == CommentErrorKind::no_wrapper);
    CHECK(failure_of("_callback(" + json + ");<script>alert(1)</script>") == CommentErrorKind::no_wrapper);
    CHECK(failure_of("_callback(" + json + ");alert(1)") == CommentErrorKind::not_json);
    CHECK(failure_of("_callback(" + json + ");_callback(" + json + ");") == CommentErrorKind::not_json);
    CHECK(failure_of("9cb(" + json + ")") == CommentErrorKind::no_wrapper);
    CHECK(failure_of("_callback()") == CommentErrorKind::not_json);
}

TEST_CASE("comments: refusals and missing parts are typed failures, never an empty page")
{
    const std::string saved = saved_answer("001_0009205077.p1.size10.jsonp");
    CHECK(failure_of(edited(saved, "\"success\":true", "\"success\":false")) == CommentErrorKind::refused);
    CHECK(failure_of(edited(saved, "\"code\":\"1000\"", "\"code\":\"3999\"")) == CommentErrorKind::refused);
    CHECK(failure_of(edited(saved, "\"code\":\"1000\"", "\"code\":1000")) == CommentErrorKind::refused);
    CHECK(failure_of(R"(_callback({"success":true,"code":"1000"});)") == CommentErrorKind::no_result);
    CHECK(failure_of(R"(_callback({"success":true,"code":"1000","result":null});)") == CommentErrorKind::no_result);
    CHECK(failure_of(R"(_callback({"success":true,"code":"1000","result":[]});)") == CommentErrorKind::no_result);
    CHECK(failure_of(R"(_callback({"code":"1000","result":{}});)") == CommentErrorKind::bad_shape);
    CHECK(failure_of(R"(_callback([1,2]);)") == CommentErrorKind::bad_shape);
    CHECK(failure_of(edited(saved, "\"commentList\":[", "\"commentList\":\"\",\"x\":["))
          == CommentErrorKind::bad_shape);
    CHECK(failure_of(edited(saved, "\"count\":{", "\"count\":7,\"x\":{")) == CommentErrorKind::bad_shape);
    CHECK(failure_of(edited(saved, "\"regTime\":\"2017-05-01T02:39:37+0900\"", "\"regTime\":\"yesterday\""))
          == CommentErrorKind::bad_shape);
    CHECK(failure_of(edited(saved, "\"deleted\":false", "\"deleted\":\"no\"")) == CommentErrorKind::bad_shape);

    const auto message = parse_comment_page(edited(saved, "\"success\":true", "\"success\":false"));
    REQUIRE_FALSE(message.has_value());
    CHECK(message.error().message.find("1000") != std::string::npos); // the code the answer gave
}

TEST_CASE("comments: hostile bodies (NaN, control bytes, 10,000 deep, 1 MB contents) are read or refused whole")
{
    const std::string saved = saved_answer("001_0009205077.p1.size10.jsonp");
    CHECK(failure_of(edited(saved, "\"score\":0.0", "\"score\":NaN")) == CommentErrorKind::not_json);
    CHECK(failure_of(edited(saved, "\"score\":0.0", "\"score\":1e999")) == CommentErrorKind::not_json);
    CHECK(failure_of(edited(saved, "\"contents\":\"test\"", "\"contents\":\"te\x01st\""))
          == CommentErrorKind::not_json);
    CHECK(failure_of(edited(saved, "\"contents\":\"test\"", "\"contents\":\"te\xff\xfest\""))
          == CommentErrorKind::not_json);
    // Escaped control characters are text of the comment, kept as served.
    CHECK(page_of(edited(saved, "\"contents\":\"test\"", R"("contents":"te\u0001\u001bst")")).comments[0].text
          == std::string("te\x01\x1bst"));

    const std::string deep = std::string(10000, '[') + std::string(10000, ']');
    CHECK(failure_of(edited(saved, "\"extension\":null", "\"extension\":" + deep)) == CommentErrorKind::too_deep);
    const std::string deep_objects = [] {
        std::string out;
        for (int i = 0; i < 10000; ++i) {
            out += "{\"a\":";
        }
        out += "1" + std::string(10000, '}');
        return out;
    }();
    CHECK(failure_of("_callback(" + deep_objects + ");") == CommentErrorKind::too_deep);
    // Brackets inside strings are text, not nesting.
    CHECK(page_of(edited(saved, "\"contents\":\"test\"", "\"contents\":\"" + std::string(200, '[') + "\""))
              .comments[0]
              .text.size()
          == 200);

    std::string mega;
    while (mega.size() < 1024 * 1024) {
        mega += "가나다라";
    }
    const auto big = page_of(edited(saved, "\"contents\":\"test\"", "\"contents\":\"" + mega + "\""));
    CHECK(big.comments[0].text == mega);
}

TEST_CASE("comments: the flags give one state, deleted before blind before hidden")
{
    const std::string saved = saved_answer("001_0009205077.p1.size10.jsonp");
    auto state = [&](std::string_view from, std::string_view to) {
        return page_of(edited(saved, from, to)).comments[0].state;
    };
    CHECK(page_of(saved).comments[0].state == CommentState::visible);
    CHECK(state("\"deleted\":false", "\"deleted\":true") == CommentState::deleted);
    CHECK(state("\"blind\":false", "\"blind\":true") == CommentState::blind);
    CHECK(state("\"blindReport\":false", "\"blindReport\":true") == CommentState::blind);
    CHECK(state("\"hiddenByCleanbot\":false", "\"hiddenByCleanbot\":true") == CommentState::hidden);
    CHECK(state("\"visible\":true", "\"visible\":false") == CommentState::hidden);
    CHECK(page_of(edited(edited(saved, "\"deleted\":false", "\"deleted\":true"), "\"blind\":false", "\"blind\":true"))
              .comments[0]
              .state
          == CommentState::deleted);
    for (auto s : {CommentState::visible, CommentState::deleted, CommentState::blind, CommentState::hidden}) {
        CHECK(comment_state_from(to_string(s)) == s);
    }
}

TEST_CASE("comments: closed comments are an outcome the page says, not a failure")
{
    const std::string saved = saved_answer("001_0009205077.p1.size10.jsonp");
    const auto closed = page_of(edited(saved, "\"status\":\"COMMENT_ON\"", "\"status\":\"COMMENT_OFF\""));
    CHECK_FALSE(closed.open());
    CHECK(closed.exposure == "COMMENT_OFF");
}

TEST_CASE("comments: times are written in KST whatever offset the answer gives")
{
    CHECK(comment_time_kst("2022-02-18T22:31:11+0900") == std::optional<std::string>("2022-02-18T22:31:11+09:00"));
    CHECK(comment_time_kst("2022-02-18T13:31:11+0000") == std::optional<std::string>("2022-02-18T22:31:11+09:00"));
    CHECK(comment_time_kst("2022-02-18T20:31:11+00:00") == std::optional<std::string>("2022-02-19T05:31:11+09:00"));
    CHECK(comment_time_kst("2022-02-18T01:00:00-0130") == std::optional<std::string>("2022-02-18T11:30:00+09:00"));
    CHECK_FALSE(comment_time_kst("2022-02-30T22:31:11+0900"));
    CHECK_FALSE(comment_time_kst("2022-02-18 22:31:11+0900"));
    CHECK_FALSE(comment_time_kst("2022-02-18T22:31:11Z"));
    CHECK_FALSE(comment_time_kst("2022-02-18T22:31:11+09x0"));
    CHECK_FALSE(comment_time_kst(""));
}
