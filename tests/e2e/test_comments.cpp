// Readers' comments end to end: `sillok crawl --comments` against a stand-in for the comment
// API built on the saved answers (comments_stand_in.hpp): every page walked by the cursor, the
// file beside the article, the ledger's comments, versions and snapshots, the raw answers in
// WARC, `sillok comments` (also --at an earlier time), and the failures that must not read
// as "no comments".
#include "tests/e2e/comments_stand_in.hpp"
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// A comments line: "comments", id, outcome, comments listed, file, [reason].
struct CommentsLine {
    std::string id;
    std::string outcome;
    std::string listed;
    std::string file;
    std::string reason;
};

struct CommentsRun {
    CommandResult result;
    std::vector<CrawlLine> articles;
    std::map<std::string, CommentsLine> comments; // by id
};

std::vector<std::string> split_tabs(const std::string& line)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    for (auto tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', start)) {
        out.push_back(line.substr(start, tab - start));
        start = tab + 1;
    }
    out.push_back(line.substr(start));
    return out;
}

std::vector<std::string> crawl_argv(const NaverStandIn& server, const fs::path& archive,
                                    const std::vector<std::string>& ids, const std::string& mode,
                                    const std::string& rate = "0")
{
    std::vector<std::string> argv{SILLOK_BINARY, "crawl",     "--archive", archive.string(), "--rate",
                                  rate,          "--timeout", "20",        "--comments",     mode};
    for (const auto& arg : server.curl_args()) {
        argv.push_back(arg);
    }
    // The comment API's host is covered by the certificate's *.naver.com.
    argv.insert(argv.end(), {"--connect-to", "apis.naver.com:443:127.0.0.1:" + std::to_string(server.port())});
    for (const auto& id : ids) {
        const auto& article = fixture_article(id);
        argv.insert(argv.end(), {"--url", canonical_url(article.oid, article.aid)});
    }
    return argv;
}

CommentsRun crawl_comments(const NaverStandIn& server, const fs::path& archive, const std::vector<std::string>& ids,
                           const std::string& mode, const std::string& rate = "0")
{
    CommentsRun run;
    run.result = run_command(crawl_argv(server, archive, ids, mode, rate));
    INFO("stderr:\n" << run.result.err);
    std::istringstream out(run.result.out);
    std::string articles;
    for (std::string line; std::getline(out, line);) {
        if (line.starts_with("comments\t")) {
            auto fields = split_tabs(line);
            REQUIRE_MESSAGE((fields.size() == 5 || fields.size() == 6), line);
            run.comments[fields[1]] =
                CommentsLine{fields[1], fields[2], fields[3], fields[4], fields.size() == 6 ? fields[5] : ""};
        } else {
            articles += line + "\n";
        }
    }
    run.articles = parse_crawl_output(articles);
    return run;
}

std::string ledger_text(const fs::path& ledger, const std::string& sql)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(ledger.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    const auto* text = sqlite3_column_text(stmt, 0);
    std::string out = text == nullptr ? "" : reinterpret_cast<const char*>(text);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

std::vector<nlohmann::json> jsonl(const fs::path& file)
{
    std::vector<nlohmann::json> rows;
    std::istringstream lines(read_file(file));
    for (std::string line; std::getline(lines, line);) {
        rows.push_back(nlohmann::json::parse(line));
    }
    return rows;
}

std::string sha256_of(const fs::path& file)
{
    auto result = run_command({"/usr/bin/sha256sum", file.string()});
    REQUIRE(result.exit_code == 0);
    return result.out.substr(0, 64);
}

// n replies to `parent`, newest first, made of the saved items: numbers 8000000000000000{base+i}.
std::vector<nlohmann::json> replies_to(const std::string& parent, std::size_t n, std::size_t base,
                                       const std::string& newest)
{
    auto items = saved_comment_items(n, newest);
    for (std::size_t i = 0; i < n; ++i) {
        items[i]["commentNo"] = std::to_string(800000000000000000ULL + base + i);
        items[i]["parentCommentNo"] = parent;
        items[i]["replyLevel"] = 2;
    }
    return items;
}

constexpr const char* k_id = "003_0012577249";
const std::string k_newest = "2024-05-30T18:00:00";

} // namespace

TEST_CASE("e2e::comments all: every page walked by the cursor, the file beside the article, the ledger, then "
          "a deletion, a hiding and an edit seen by a second snapshot")
{
    NaverStandIn server;
    serve_fixture(server, k_id);
    CommentsStandIn api(server);
    CommentBoard board;
    board.items = saved_comment_items(250, k_newest);
    board.items[7]["commentNo"] = 750015397515748651ULL; // the 2021 form: a JSON number
    board.items[7]["parentCommentNo"] = 750015397515748651ULL;
    // The newest item is a reply to item 100 (a comment posted 100 minutes earlier).
    board.items[0]["parentCommentNo"] = saved_comment_number(100);
    board.items[0]["replyLevel"] = 2;
    // Replies beyond the list: 3 to item 50 (one page), 150 to item 60 (two pages).
    board.items[50]["replyAllCount"] = 3;
    board.replies[saved_comment_number(50)] = replies_to(saved_comment_number(50), 3, 0, "2024-05-30T17:40:00");
    board.items[60]["replyAllCount"] = 150;
    board.replies[saved_comment_number(60)] = replies_to(saved_comment_number(60), 150, 100, "2024-05-30T17:59:00");
    api.set("003", "0012577249", board);

    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    auto first = crawl_comments(server, archive, {k_id}, "all");
    CHECK(first.result.exit_code == 0);
    REQUIRE(first.comments.contains(k_id));
    const auto& line = first.comments.at(k_id);
    CHECK(line.outcome == "complete");
    CHECK(line.listed == "403");
    CHECK(line.file == "2024/05/30/003_0012577249.comments.jsonl");

    // Three pages of 100, each with the article as Referer, the next after the last served.
    std::vector<SeenRequest> pages;
    for (const auto& request : server.requests()) {
        if (request.host.starts_with("apis.naver.com")) {
            pages.push_back(request);
        }
    }
    REQUIRE(pages.size() == 6);
    for (const auto& page : pages) {
        CHECK(page.headers.at("referer") == canonical_url("003", "0012577249"));
        CHECK(page.query.find("objectId=news003%2C0012577249") != std::string::npos);
        CHECK(page.query.find("pageSize=100") != std::string::npos);
        CHECK(page.query.find("ticket=news") != std::string::npos);
    }
    CHECK(pages[0].query.find("moreParam.next") == std::string::npos);
    CHECK(pages[1].query.find("pageType=more&moreParam.direction=next&moreParam.next=c99") != std::string::npos);
    CHECK(pages[2].query.find("moreParam.next=c199") != std::string::npos);
    // Then the replies of each comment that has some, by parentCommentNo, paged the same way.
    CHECK(pages[3].query.find("parentCommentNo=" + saved_comment_number(50)) != std::string::npos);
    CHECK(pages[3].query.find("moreParam.next") == std::string::npos);
    CHECK(pages[4].query.find("parentCommentNo=" + saved_comment_number(60)) != std::string::npos);
    CHECK(pages[5].query.find("parentCommentNo=" + saved_comment_number(60)
                              + "&pageType=more"
                                "&moreParam.direction=next&moreParam.next=c99")
          != std::string::npos);

    // The file: oldest first, the reply right after its parent, numbers exactly as served.
    const auto file = archive / line.file;
    auto rows = jsonl(file);
    REQUIRE(rows.size() == 403);
    CHECK(rows[0]["comment_no"] == saved_comment_number(249));
    CHECK(rows[0]["posted_at"] == "2024-05-30T13:51:00+09:00");
    std::map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i]["comment_no"].is_string());
        CHECK(rows[i].size() == 12);
        at[rows[i]["comment_no"]] = i;
    }
    const auto parent_at = at.at(saved_comment_number(100));
    CHECK(rows[parent_at + 1]["comment_no"] == saved_comment_number(0));
    CHECK(rows[parent_at + 1]["parent_no"] == saved_comment_number(100));
    // Item 50's replies follow it, oldest first; item 60's 150 likewise.
    const auto fifty = at.at(saved_comment_number(50));
    CHECK(rows[fifty + 1]["comment_no"] == "800000000000000002");
    CHECK(rows[fifty + 2]["comment_no"] == "800000000000000001");
    CHECK(rows[fifty + 3]["comment_no"] == "800000000000000000");
    CHECK(rows[fifty + 3]["parent_no"] == saved_comment_number(50));
    const auto sixty = at.at(saved_comment_number(60));
    CHECK(rows[sixty + 1]["comment_no"] == "800000000000000249");
    CHECK(rows[sixty + 150]["comment_no"] == "800000000000000100");
    bool number_form = false;
    for (const auto& row : rows) {
        number_form = number_form || row["comment_no"] == "750015397515748651";
    }
    CHECK(number_form);
    CHECK(ledger_count(ledger,
                       "SELECT count(*) FROM comment_snapshots WHERE outcome = 'complete' AND pages = 6"
                       " AND comments_seen = 403 AND count_comment = 249 AND file_sha256 = ?",
                       {sha256_of(file)})
          == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments") == 403);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments WHERE author_id IS NOT NULL") == 0);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_versions") == 403);
    // Every page listed new comments: each answer is kept in WARC (warc = "versions").
    CHECK(ledger_count(ledger, "SELECT count(*) FROM fetches WHERE url LIKE 'https://apis.naver.com/%'"
                               " AND warc_file IS NOT NULL")
          == 6);
    const std::string first_taken = ledger_text(ledger, "SELECT taken_at FROM comment_snapshots");

    // Between two snapshots: item 10 deleted, item 20 hidden by the cleanbot, item 30 edited.
    api.edit("003", "0012577249", [](CommentBoard& b) {
        b.items[10]["deleted"] = true;
        b.items[20]["hiddenByCleanbot"] = true;
        b.items[30]["contents"] = "고쳐 쓴 댓글";
        b.items[30]["modTime"] = "2024-05-31T09:00:00+0900";
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1100)); // a later second for the second snapshot
    auto second = crawl_comments(server, archive, {k_id}, "all");
    CHECK(second.result.exit_code == 0);
    CHECK(second.comments.at(k_id).outcome == "complete");
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_versions") == 406);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments WHERE state = 'deleted' AND comment_no = ?",
                       {saved_comment_number(10)})
          == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments WHERE state = 'hidden' AND comment_no = ?",
                       {saved_comment_number(20)})
          == 1);
    CHECK(ledger_count(ledger,
                       "SELECT count(*) FROM comment_versions v JOIN comments c ON c.id = v.comment_id"
                       " WHERE c.comment_no = ? AND v.version = 2 AND v.text = '고쳐 쓴 댓글'",
                       {saved_comment_number(30)})
          == 1);
    // Only the first page changed: the other five answers are not kept again.
    CHECK(ledger_count(ledger, "SELECT count(*) FROM fetches WHERE url LIKE 'https://apis.naver.com/%'"
                               " AND warc_file IS NOT NULL")
          == 7);
    rows = jsonl(file);
    REQUIRE(rows.size() == 403);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots WHERE file_sha256 = ?", {sha256_of(file)}) == 1);

    // `sillok comments`: now, and as of the first snapshot.
    auto now = run_command({SILLOK_BINARY, "comments", k_id, "--archive", archive.string()});
    CHECK(now.exit_code == 0);
    CHECK(now.out.find("#" + saved_comment_number(10) + "  2024-05-30T17:50:00+09:00") != std::string::npos);
    CHECK(now.out.find("  deleted  ") != std::string::npos);
    CHECK(now.out.find("  hidden  ") != std::string::npos);
    CHECK(now.out.find("    고쳐 쓴 댓글\n") != std::string::npos);
    CHECK(now.out.find("\n  #" + saved_comment_number(0)) != std::string::npos); // the reply, indented
    auto then = run_command(
        {SILLOK_BINARY, "comments", k_id, "--archive", archive.string(), "--at", first_taken.substr(0, 19)});
    CHECK(then.exit_code == 0);
    CHECK(then.out.find("  deleted  ") == std::string::npos);
    CHECK(then.out.find("  hidden  ") == std::string::npos);
    CHECK(then.out.find("고쳐 쓴 댓글") == std::string::npos);
    CHECK(then.out.find("snapshot " + first_taken) != std::string::npos);
    auto before =
        run_command({SILLOK_BINARY, "comments", k_id, "--archive", archive.string(), "--at", "2020-01-01T00:00:00"});
    CHECK(before.exit_code == 1);
}

TEST_CASE("e2e::comments counts: one small request, the totals kept, no comment and no file")
{
    NaverStandIn server;
    serve_fixture(server, k_id);
    CommentsStandIn api(server);
    CommentBoard board;
    board.items = saved_comment_items(30, k_newest);
    api.set("003", "0012577249", board);
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    auto run = crawl_comments(server, archive, {k_id}, "counts");
    CHECK(run.result.exit_code == 0);
    CHECK(run.comments.at(k_id).outcome == "complete");
    CHECK(run.comments.at(k_id).file == "-");
    CHECK(server.count("apis.naver.com") == 1);
    const auto requests = server.requests();
    CHECK(requests.back().query.find("pageSize=1&") != std::string::npos);
    const auto ledger = archive / "ledger.sqlite3";
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots WHERE mode = 'counts' AND count_comment = 30"
                               " AND file_path IS NULL")
          == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments") == 0);
    CHECK_FALSE(fs::exists(archive / "2024/05/30/003_0012577249.comments.jsonl"));
}

TEST_CASE("e2e::comments: a refusal, pages that end before the count and closed comments are told apart")
{
    NaverStandIn server;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
    }
    CommentsStandIn api(server);
    CommentBoard refused;
    refused.refuse = true;
    api.set("018", "0005316196", refused);
    CommentBoard short_pages;
    short_pages.items = saved_comment_items(150, k_newest);
    short_pages.claimed = 500;
    short_pages.items[3]["replyAllCount"] = 5; // says 5 replies, lists 2
    short_pages.replies[saved_comment_number(3)] = replies_to(saved_comment_number(3), 2, 0, "2024-05-30T17:58:00");
    api.set("421", "0008770777", short_pages);
    CommentBoard closed;
    closed.items = saved_comment_items(3, k_newest);
    closed.status = "COMMENT_OFF";
    api.set("003", "0012577249", closed);

    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    auto run = crawl_comments(server, archive, {"003_0012577249", "018_0005316196", "421_0008770777"}, "all");
    CHECK(run.result.exit_code == 1);
    CHECK(run.comments.at("003_0012577249").outcome == "closed");
    const auto& failed = run.comments.at("018_0005316196");
    CHECK(failed.outcome == "failed");
    CHECK(failed.reason.find("refused") != std::string::npos);
    CHECK(failed.reason.find("3999") != std::string::npos);
    CHECK(failed.reason.find("https://apis.naver.com/commentBox/cbox/web_naver_list_jsonp.json?") != std::string::npos);
    const auto& incomplete = run.comments.at("421_0008770777");
    CHECK(incomplete.outcome == "incomplete");
    CHECK(incomplete.listed == "152");
    CHECK(incomplete.reason.find("count says 500") != std::string::npos);
    CHECK(incomplete.reason.find("2 replies to " + saved_comment_number(3) + " where it says 5") != std::string::npos);
    CHECK(incomplete.reason.find("moreParam.next=c99") != std::string::npos);
    CHECK(run.result.err.find("018_0005316196") != std::string::npos); // logged too
    const auto ledger = archive / "ledger.sqlite3";
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots WHERE outcome = 'failed' AND reason LIKE"
                               " '%apis.naver.com%'")
          == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots WHERE outcome = 'incomplete' AND pages = 3")
          == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots WHERE outcome = 'closed'"
                               " AND exposure = 'COMMENT_OFF'")
          == 1);
    // The incomplete walk's comments are kept all the same.
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments WHERE oid = '421'") == 152);
}

TEST_CASE("e2e::comments: a 10,000-comment article is walked in 100 pages on the comment host's budget")
{
    NaverStandIn server;
    serve_fixture(server, k_id);
    CommentsStandIn api(server);
    CommentBoard board;
    board.items = saved_comment_items(10000, k_newest);
    api.set("003", "0012577249", board);
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto started = std::chrono::steady_clock::now();
    auto run = crawl_comments(server, archive, {k_id}, "all", "25");
    const auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(run.result.exit_code == 0);
    CHECK(run.comments.at(k_id).outcome == "complete");
    CHECK(run.comments.at(k_id).listed == "10000");
    std::vector<std::chrono::steady_clock::time_point> times;
    for (const auto& request : server.requests()) {
        if (request.host.starts_with("apis.naver.com")) {
            times.push_back(request.at);
        }
    }
    // 100 full pages, then the empty one that says the list has ended (a full last page
    // cannot tell; stopping at the count would miss deleted comments listed past it).
    CHECK(times.size() == 101);
    // 25 requests a second: the pages take about 4 s, one after another, no faster.
    CHECK(keeps_pace(times, std::chrono::milliseconds(40)));
    CHECK(elapsed < std::chrono::seconds(60));
    CHECK(jsonl(archive / "2024/05/30/003_0012577249.comments.jsonl").size() == 10000);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM comments") == 10000);
}

TEST_CASE("e2e::comments: killed in the middle of a walk, nothing of it is recorded, a rerun walks it whole")
{
    NaverStandIn server;
    serve_fixture(server, k_id);
    CommentsStandIn api(server);
    CommentBoard board;
    board.items = saved_comment_items(300, k_newest);
    board.later_pages_delay = std::chrono::seconds(30); // the walk hangs on its second page
    api.set("003", "0012577249", board);
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto argv = crawl_argv(server, archive, {k_id}, "all");

    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& arg : argv) {
            args.push_back(const_cast<char*>(arg.c_str()));
        }
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (server.count("apis.naver.com") < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(server.count("apis.naver.com") == 2);
    REQUIRE(kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));

    const auto ledger = archive / "ledger.sqlite3";
    const auto file = archive / "2024/05/30/003_0012577249.comments.jsonl";
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE state = 'archived'") == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots") == 0);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments") == 0);
    CHECK_FALSE(fs::exists(file));

    api.edit("003", "0012577249", [](CommentBoard& b) { b.later_pages_delay = std::chrono::milliseconds(0); });
    auto rerun = crawl_comments(server, archive, {k_id}, "all");
    CHECK(rerun.result.exit_code == 0);
    CHECK(rerun.comments.at(k_id).outcome == "complete");
    CHECK(rerun.comments.at(k_id).listed == "300");
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots WHERE outcome = 'complete'") == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comments") == 300);
    CHECK(jsonl(file).size() == 300);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM comment_snapshots WHERE file_sha256 = ?", {sha256_of(file)}) == 1);
}
