// CommentWalk's requests and stop rules, fed with answers made from the saved 2022 answer of
// the comment API: the cursor followed, a cursor that does not move, a page that repeats
// the last, a failure on the first page and on a later one, closed comments, counts.
#include "daemon/comments/comment_walk.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace {

using namespace sillok::daemon;
using sillok::parsers::ArticleRef;

const ArticleRef k_ref{"214", "0001179316"};

nlohmann::json saved_answer()
{
    const auto body =
        sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "comments" / "214_0001179316.p1.size10.jsonp");
    return nlohmann::json::parse(body.substr(body.find('(') + 1, body.rfind(')') - body.find('(') - 1));
}

// An answer listing `count` of the saved items renumbered from `first`, with `next` as its
// cursor and `exposed` as count.exposeCount.
FetchResult page(std::size_t first, std::size_t count, std::string next, std::int64_t exposed)
{
    auto answer = saved_answer();
    const auto items = answer["result"]["commentList"];
    auto& list = answer["result"]["commentList"];
    list = nlohmann::json::array();
    for (std::size_t i = 0; i < count; ++i) {
        auto item = items[i % items.size()];
        item["commentNo"] = std::to_string(700000000000000000ULL + first + i);
        item["parentCommentNo"] = item["commentNo"];
        list.push_back(item);
    }
    answer["result"]["count"]["exposeCount"] = exposed;
    answer["result"]["morePage"]["next"] = next;
    FetchResult result;
    result.url = "https://apis.naver.com/commentBox/cbox/web_naver_list_jsonp.json?page=" + std::to_string(first);
    result.status = 200;
    result.body = "_callback(" + answer.dump() + ");";
    return result;
}

} // namespace

TEST_CASE("comment walk: the list URL, then the cursor of the last page, with the article as Referer")
{
    CHECK(comment_list_url(k_ref, 100)
          == "https://apis.naver.com/commentBox/cbox/web_naver_list_jsonp.json?ticket=news&pool=cbox5&lang=ko"
             "&country=KR&objectId=news214%2C0001179316&pageSize=100&indexSize=10&listType=OBJECT&sort=NEW"
             "&includeAllStatus=true&page=1&initialize=true");
    CHECK(comment_list_url(k_ref, 100, std::string("05p4wxu68co7p"), std::string("750015397515755651"))
              .ends_with("&parentCommentNo=750015397515755651&pageType=more&moreParam.direction=next"
                         "&moreParam.next=05p4wxu68co7p"));
    // A cursor from outside is escaped.
    CHECK(comment_list_url(k_ref, 100, std::string("a&b=c d")).ends_with("moreParam.next=a%26b%3Dc%20d"));

    CommentWalk walk(k_ref, CommentsMode::all, "2026-01-01T00:00:00+09:00");
    const auto first = walk.next_request(3);
    CHECK(first.tag == 3);
    CHECK(first.referer == "https://n.news.naver.com/mnews/article/214/0001179316");
    CHECK(first.url == comment_list_url(k_ref, 100));
    walk.page_fetched(page(0, 100, "cur1", 150));
    REQUIRE_FALSE(walk.done());
    CHECK(walk.next_request(3).url == comment_list_url(k_ref, 100, std::string("cur1")));
    walk.page_fetched(page(100, 50, "cur2", 150));
    REQUIRE(walk.done());
    CHECK(walk.snapshot().outcome == SnapshotOutcome::complete);
    CHECK(walk.snapshot().pages == 2);
    CHECK(walk.snapshot().comments_seen == 150);
    CHECK(walk.listed().size() == 150);
    CHECK(walk.pages().size() == 2);
}

TEST_CASE("comment walk: a cursor that does not move, or a page of nothing new, ends the walk incomplete")
{
    CommentWalk stuck(k_ref, CommentsMode::all, "2026-01-01T00:00:00+09:00");
    stuck.page_fetched(page(0, 100, "cur1", 500));
    stuck.page_fetched(page(100, 100, "cur1", 500)); // asked with cur1, answers cur1 again
    REQUIRE(stuck.done());
    CHECK(stuck.snapshot().outcome == SnapshotOutcome::incomplete);
    CHECK(stuck.snapshot().reason.find("the cursor did not move after 200 comments where the count says 500")
          != std::string::npos);
    CHECK(stuck.snapshot().reason.find("page=100") != std::string::npos); // the URL of the last answer

    CommentWalk repeating(k_ref, CommentsMode::all, "2026-01-01T00:00:00+09:00");
    repeating.page_fetched(page(0, 100, "cur1", 500));
    repeating.page_fetched(page(0, 100, "cur2", 500)); // a new cursor, the same comments
    REQUIRE(repeating.done());
    CHECK(repeating.snapshot().outcome == SnapshotOutcome::incomplete);
    CHECK(repeating.snapshot().comments_seen == 100);
}

TEST_CASE("comment walk: a failed first page is a failed snapshot, a failed later page an incomplete one")
{
    CommentWalk first(k_ref, CommentsMode::all, "2026-01-01T00:00:00+09:00");
    FetchResult refused;
    refused.url = "https://apis.naver.com/x";
    refused.status = 503;
    refused.error = FetchError{FetchErrorKind::http_status, "HTTP 503"};
    first.page_fetched(std::move(refused));
    REQUIRE(first.done());
    CHECK(first.snapshot().outcome == SnapshotOutcome::failed);
    CHECK(first.snapshot().reason == "fetch http_status: HTTP 503 (https://apis.naver.com/x)");

    CommentWalk later(k_ref, CommentsMode::all, "2026-01-01T00:00:00+09:00");
    later.page_fetched(page(0, 100, "cur1", 300));
    FetchResult html;
    html.url = "https://apis.naver.com/y";
    html.status = 200;
    html.body = "<html>점검 중</html>";
    later.page_fetched(std::move(html));
    REQUIRE(later.done());
    CHECK(later.snapshot().outcome == SnapshotOutcome::incomplete);
    CHECK(later.snapshot().reason.starts_with("no_wrapper: "));
    CHECK(later.snapshot().reason.ends_with("(https://apis.naver.com/y)"));
    CHECK(later.listed().size() == 100); // what the first page listed stands
}

TEST_CASE("comment walk: closed comments are an outcome, counts asks one comment and stops")
{
    CommentWalk closed(k_ref, CommentsMode::all, "2026-01-01T00:00:00+09:00");
    auto answer = page(0, 0, "", 0);
    const auto at = answer.body.find("\"COMMENT_ON\"");
    REQUIRE(at != std::string::npos);
    answer.body.replace(at, 12, "\"COMMENT_OFF\"");
    closed.page_fetched(std::move(answer));
    REQUIRE(closed.done());
    CHECK(closed.snapshot().outcome == SnapshotOutcome::closed);
    CHECK(closed.snapshot().exposure == "COMMENT_OFF");

    CommentWalk counts(k_ref, CommentsMode::counts, "2026-01-01T00:00:00+09:00");
    CHECK(counts.next_request(0).url == comment_list_url(k_ref, 1));
    counts.page_fetched(page(0, 1, "cur1", 92));
    REQUIRE(counts.done());
    CHECK(counts.snapshot().outcome == SnapshotOutcome::complete);
    REQUIRE(counts.snapshot().totals.has_value());
    CHECK(counts.snapshot().totals->expose == 92);
    CHECK(counts.snapshot().totals->reply == 33);
    CHECK(counts.listed().empty());

    CHECK(parse_comments_mode("all") == CommentsMode::all);
    CHECK_FALSE(parse_comments_mode("All").has_value());
}
