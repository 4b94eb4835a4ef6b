// The ledger's comments (schema/012_comments.sql) and the comments file, fed with the saved
// 2022 answer of the comment API: each comment once, a version per change of text or state,
// the state as of a time, the file's lines in thread order with the fields as served.
#include "daemon/comments/comment_ledger.hpp"
#include "daemon/comments/comments_file.hpp"
#include "daemon/ledger/ledger.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace sillok::daemon;
using sillok::parsers::ArticleRef;
using sillok::parsers::Comment;
using sillok::parsers::CommentState;
using sillok::test::ScratchDir;

std::vector<Comment> saved_comments()
{
    const auto body =
        sillok::test::read_file(sillok::test::fixtures_dir() / "naver" / "comments" / "214_0001179316.p1.size10.jsonp");
    auto page = sillok::parsers::parse_comment_page(body);
    REQUIRE(page.has_value());
    return page->comments;
}

CommentSnapshot snapshot_at(std::string taken_at)
{
    CommentSnapshot s;
    s.taken_at = std::move(taken_at);
    s.mode = "all";
    s.pages = 1;
    return s;
}

struct Opened {
    ScratchDir dir;
    std::filesystem::path path = dir.path() / "ledger.sqlite3";
    Ledger ledger = [&] {
        auto opened = Ledger::open(path);
        REQUIRE(opened.has_value());
        return std::move(*opened);
    }();
    CommentLedger comments = [&] {
        auto opened = CommentLedger::open(path);
        REQUIRE(opened.has_value());
        return std::move(*opened);
    }();
};

std::int64_t commit(CommentLedger& ledger, const ArticleRef& ref, const std::string& at,
                    const std::vector<Comment>& listed, bool author_ids = false)
{
    auto plan = ledger.plan(ref, snapshot_at(at), listed, author_ids);
    REQUIRE(plan.has_value());
    auto id = ledger.commit(*plan);
    REQUIRE(id.has_value());
    return *id;
}

const StoredComment& find(const std::vector<StoredComment>& comments, const std::string& number)
{
    for (const auto& c : comments) {
        if (c.comment_no == number) {
            return c;
        }
    }
    FAIL("no comment " << number);
    throw std::logic_error("unreachable");
}

const ArticleRef k_ref{"214", "0001179316"};

} // namespace

TEST_CASE("comment ledger: a snapshot keeps each comment once, its number as served, the masked name only")
{
    Opened o;
    const auto listed = saved_comments();
    commit(o.comments, k_ref, "2022-02-18T22:49:34+09:00", listed);
    // The same answer again: no new row, no new version, last_seen moves.
    commit(o.comments, k_ref, "2022-02-18T23:49:34+09:00", listed);
    auto stored = o.comments.comments(k_ref);
    REQUIRE(stored.has_value());
    REQUIRE(stored->size() == 10);
    // Oldest first: the saved answer lists newest first.
    CHECK(stored->front().comment_no == "750011647254332821");
    CHECK(stored->back().comment_no == "750015397515755651");
    const auto& first = find(*stored, "750015397515755651");
    CHECK(first.author == "retr****");
    CHECK(first.posted_at == "2022-02-18T22:31:11+09:00");
    CHECK(first.first_seen == "2022-02-18T22:49:34+09:00");
    CHECK(first.last_seen == "2022-02-18T23:49:34+09:00");
    CHECK_FALSE(first.author_id.has_value());
    CHECK_FALSE(first.profile_image.has_value());
    auto snapshots = o.comments.snapshots(k_ref);
    REQUIRE(snapshots.has_value());
    CHECK(snapshots->size() == 2);
}

TEST_CASE("comment ledger: a change of text or state is a version, as of a time the versions seen by then")
{
    Opened o;
    auto listed = saved_comments();
    commit(o.comments, k_ref, "2022-02-18T22:49:34+09:00", listed);
    listed[0].state = CommentState::deleted;
    listed[1].state = CommentState::hidden;
    listed[2].text = "edited text";
    listed[3].likes = 40; // counts alone make no version
    commit(o.comments, k_ref, "2022-02-19T10:00:00+09:00", listed);

    auto now = o.comments.comments(k_ref);
    REQUIRE(now.has_value());
    CHECK(find(*now, listed[0].comment_no).state == CommentState::deleted);
    CHECK(find(*now, listed[1].comment_no).state == CommentState::hidden);
    CHECK(find(*now, listed[2].comment_no).text == "edited text");
    CHECK(find(*now, listed[3].comment_no).likes == 40);

    auto before = o.comments.comments_at(k_ref, "2022-02-19T09:59:59+09:00");
    REQUIRE(before.has_value());
    REQUIRE(before->size() == 10);
    CHECK(find(*before, listed[0].comment_no).state == CommentState::visible);
    CHECK(find(*before, listed[1].comment_no).state == CommentState::visible);
    CHECK(find(*before, listed[2].comment_no).text.starts_with("국민들 핸드펀에"));
    auto earlier = o.comments.comments_at(k_ref, "2022-02-18T22:49:33+09:00");
    REQUIRE(earlier.has_value());
    CHECK(earlier->empty());

    // 10 first versions, then 3 changes (the likes are no change).
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(o.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM comment_versions", -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    CHECK(sqlite3_column_int(stmt, 0) == 13);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

TEST_CASE("comment ledger: writer identifiers only with comments_author_ids")
{
    Opened o;
    commit(o.comments, k_ref, "2022-02-18T22:49:34+09:00", saved_comments(), /*author_ids=*/true);
    auto stored = o.comments.comments(k_ref);
    REQUIRE(stored.has_value());
    const auto& first = find(*stored, "750015397515755651");
    CHECK(first.author_id == std::optional<std::string>("6zrLv"));
    CHECK(first.profile_image.has_value());
    const auto file = render_comments_file(*stored);
    CHECK(file.find("\"author_id\":\"6zrLv\"") != std::string::npos);
    // Turned off again: the next snapshot forgets them.
    commit(o.comments, k_ref, "2022-02-18T23:49:34+09:00", saved_comments(), /*author_ids=*/false);
    stored = o.comments.comments(k_ref);
    CHECK_FALSE(find(*stored, "750015397515755651").author_id.has_value());
    CHECK(render_comments_file(*stored).find("author_id") == std::string::npos);
}

TEST_CASE("comments file: one object a line, oldest first, replies after their parent, fields as served")
{
    auto listed = saved_comments();
    // A reply to the oldest comment, posted last: it follows its parent, not the newest.
    Comment reply = listed[5];
    reply.comment_no = "750019999999999999";
    reply.parent_no = listed[9].comment_no;
    reply.posted_at = "2022-02-19T01:00:00+09:00";
    listed.push_back(reply);
    Opened o;
    commit(o.comments, k_ref, "2022-02-19T02:00:00+09:00", listed);
    auto stored = o.comments.comments(k_ref);
    REQUIRE(stored.has_value());
    const auto file = render_comments_file(*stored);
    std::istringstream lines(file);
    std::vector<nlohmann::json> rows;
    for (std::string line; std::getline(lines, line);) {
        rows.push_back(nlohmann::json::parse(line));
    }
    REQUIRE(rows.size() == 11);
    CHECK(rows[0]["comment_no"] == "750011647254332821");
    CHECK(rows[0]["parent_no"] == "750011647254332821");
    CHECK(rows[1]["comment_no"] == "750019999999999999");
    CHECK(rows[1]["parent_no"] == "750011647254332821");
    CHECK(rows[2]["comment_no"] == "750011893141210049");
    CHECK(rows[10]["comment_no"] == "750015397515755651");
    CHECK(rows[10]["author"] == "retr****");
    CHECK(rows[10]["posted_at"] == "2022-02-18T22:31:11+09:00");
    CHECK(rows[10]["modified_at"] == "2022-02-18T22:31:11+09:00");
    CHECK(rows[10]["likes"] == 1);
    CHECK(rows[10]["state"] == "visible");
    CHECK(rows[10]["first_seen"] == "2022-02-19T02:00:00+09:00");
    for (const auto& row : rows) {
        CHECK(row["comment_no"].is_string());
        CHECK(row.size() == 12); // no writer identifiers by default
    }
}

TEST_CASE("comments file: beside the article, named after it")
{
    CHECK(comments_file_path("2022/02/18/214_0001179316.md", k_ref) == "2022/02/18/214_0001179316.comments.jsonl");
    CHECK(comment_number_less("9", "10"));
    CHECK(comment_number_less("750014577965531451", "750015397515755651"));
    CHECK_FALSE(comment_number_less("10", "9"));
}
