// `sillok crawl` end to end: the real binary against a real HTTPS stand-in for Naver. These
// cases cover what a crawl writes: archive files, stdout lines and the ledger.
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// Replaces the one occurrence of `from` in `text`; fails the test when there is not exactly one.
std::string replace_once(std::string text, std::string_view from, std::string_view to)
{
    auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "not in the page: " << from);
    REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, "more than once in the page: " << from);
    return text.replace(at, from.size(), to);
}

// Checks that `file` is the golden archive file of `id`, apart from this run's crawled_at.
void check_matches_golden(const fs::path& file, std::string_view id, const CrawlRun& run)
{
    REQUIRE_MESSAGE(fs::is_regular_file(file), "no archive file " << file);
    auto text = read_file(file);
    front_matter(text);
    CHECK(with_golden_crawled_at(text, run) == golden_file(id));
}

std::string golden_hash(std::string_view id) { return field(front_matter(golden_file(id)), "content_hash"); }

} // namespace

TEST_CASE("e2e::crawl saves each saved page as its golden archive file")
{
    ScratchDir scratch;
    NaverStandIn server;
    std::vector<std::string> args{"--user-agent", "sillok-e2e/1.0"};
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
        args.insert(args.end(), {"--url", canonical_url(article.oid, article.aid)});
    }
    const auto archive = scratch.path() / "archive";

    auto run = crawl(server, archive, args);
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.lines.size() == fixture_articles().size());

    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        auto line = run.line(article.id);
        CHECK(line.outcome == "saved");
        CHECK(line.path == article.archive_path);
        CHECK(line.hash == golden_hash(article.id));
        check_matches_golden(archive / article.archive_path, article.id, run);
        CHECK(server.count("n.news.naver.com", canonical_path(article.oid, article.aid)) == 1);
    }

    // The requests carry the given User-Agent and go only to the article pages.
    auto seen = server.requests();
    CHECK(seen.size() == fixture_articles().size());
    for (const auto& request : seen) {
        CAPTURE(request.path);
        CHECK(request.host == "n.news.naver.com");
        CHECK(request.method == "GET");
        auto agent = request.headers.find("user-agent");
        CHECK((agent != request.headers.end() && agent->second == "sillok-e2e/1.0"));
    }

    // The ledger sits in the archive and records one version per article.
    const auto ledger = archive / "ledger.sqlite3";
    REQUIRE(fs::is_regular_file(ledger));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles") == 3);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 3);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM fetches WHERE status = 200") >= 3);
}

TEST_CASE("e2e::crawl of an unchanged page writes nothing")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article("421_0008770777");
    serve_fixture(server, article.id);
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> args{"--url", canonical_url(article.oid, article.aid)};

    auto first = crawl(server, archive, args);
    REQUIRE(first.result.exit_code == 0);
    REQUIRE(first.line(article.id).outcome == "saved");
    const auto file = archive / article.archive_path;
    const auto text = read_file(file);
    const auto files = files_under(archive);
    // An old mtime shows any rewrite, however fast the second crawl is.
    const auto old_time = fs::last_write_time(file) - std::chrono::hours(48);
    fs::last_write_time(file, old_time);

    auto second = crawl(server, archive, args);
    INFO("stderr:\n" << second.result.err);
    CHECK(second.result.exit_code == 0);
    auto line = second.line(article.id);
    CHECK(line.outcome == "unchanged");
    CHECK(line.hash == first.line(article.id).hash);
    CHECK(line.path == article.archive_path);
    CHECK(fs::last_write_time(file) == old_time);
    CHECK(read_file(file) == text);
    CHECK(files_under(archive) == files);
    CHECK(server.count("n.news.naver.com", canonical_path(article.oid, article.aid)) == 2);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 1);
}

TEST_CASE("e2e::crawl of an edited page updates the file and keeps the earlier version")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article("003_0012577249");
    const std::string old_sentence = "삼성전자는 신제품 노트북인 '갤럭시 북4 엣지' 출시를 앞두고";
    const std::string new_sentence = "삼성전자는 새 노트북 '갤럭시 북4 엣지' 출시를 앞두고";
    const auto page = article_page(article.id);
    serve_fixture(server, article.id);
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> args{"--url", canonical_url(article.oid, article.aid)};

    auto first = crawl(server, archive, args);
    REQUIRE(first.result.exit_code == 0);
    const auto old_hash = first.line(article.id).hash;
    const auto old_text = read_file(archive / article.archive_path);

    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid),
                      replace_once(page, old_sentence, new_sentence));
    auto second = crawl(server, archive, args);
    INFO("stderr:\n" << second.result.err);
    CHECK(second.result.exit_code == 0);
    auto line = second.line(article.id);
    CHECK(line.outcome == "updated");
    CHECK(line.path == article.archive_path);
    CHECK(line.hash != old_hash);

    const auto current = read_file(archive / article.archive_path);
    CHECK(current.contains(new_sentence));
    CHECK_FALSE(current.contains(old_sentence));
    CHECK(field(front_matter(current), "content_hash") == line.hash);

    // The earlier file is kept beside the current one, as "<id>.<12 hex digits>.md", and
    // the ledger's first version names it.
    auto files = files_under(archive / "2024");
    REQUIRE(files.size() == 2);
    std::erase(files, "05/30/" + article.id + ".md");
    REQUIRE(files.size() == 1);
    const auto kept = "2024/" + files[0];
    CHECK(kept.size() == article.archive_path.size() + 13);
    CHECK(kept.starts_with("2024/05/30/" + article.id + "."));
    CHECK(read_file(archive / kept) == old_text);

    const auto ledger = archive / "ledger.sqlite3";
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 2);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions WHERE version = 1 AND path = ? AND content_hash = ?",
                       {kept, old_hash})
          == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles") == 1);
}

TEST_CASE("e2e::crawl fetches every URL form at its canonical address")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article("003_0012577249");
    const auto path = canonical_path(article.oid, article.aid);
    const auto archive = scratch.path() / "archive";

    SUBCASE("a legacy read.naver URL")
    {
        serve_fixture(server, article.id);
        auto run =
            crawl(server, archive,
                  {"--url", "https://news.naver.com/main/read.naver?mode=LSD&mid=sec&sid1=101&oid=003&aid=0012577249"});
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        auto line = run.line(article.id);
        CHECK(line.outcome == "saved");
        CHECK(line.path == article.archive_path);
        CHECK(line.hash == golden_hash(article.id));
        check_matches_golden(archive / article.archive_path, article.id, run);
        CHECK(server.count("n.news.naver.com", path) == 1);
        CHECK(server.count("news.naver.com") == 0);
    }

    SUBCASE("an on-site redirect is followed")
    {
        server.on("n.news.naver.com", path, [](const httplib::Request&, httplib::Response& response) {
            response.set_redirect("/mnews/article/003/0012577249?sid=101", 302);
        });
        server.serve_html("n.news.naver.com", path + "?sid=101", article_page(article.id));
        auto run = crawl(server, archive, {"--url", "https://n.news.naver.com/article/003/0012577249?sid=101"});
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        auto line = run.line(article.id);
        CHECK(line.outcome == "saved");
        CHECK(line.path == article.archive_path);
        CHECK(line.hash == golden_hash(article.id));
        check_matches_golden(archive / article.archive_path, article.id, run);

        auto seen = server.requests();
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].path == path);
        CHECK(seen[0].query.empty());
        CHECK(seen[1].path == path);
        CHECK(seen[1].query == "sid=101");
    }

    SUBCASE("a redirect to another news host is followed")
    {
        server.on("n.news.naver.com", path, [](const httplib::Request&, httplib::Response& response) {
            response.set_redirect("https://m.news.naver.com/mnews/article/003/0012577249", 301);
        });
        server.serve_html("m.news.naver.com", path, article_page(article.id));
        auto run = crawl(server, archive, {"--url", canonical_url(article.oid, article.aid)});
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        CHECK(run.line(article.id).outcome == "saved");
        check_matches_golden(archive / article.archive_path, article.id, run);
        CHECK(server.count("m.news.naver.com", path) == 1);
    }
}

TEST_CASE("e2e::crawl reads URLs from a file or standard input, and takes --ledger")
{
    ScratchDir scratch;
    NaverStandIn server;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
    }
    const auto archive = scratch.path() / "archive";
    const std::string list = "https://n.news.naver.com/mnews/article/003/0012577249\n"
                             "https://m.news.naver.com/read.naver?oid=018&aid=0005316196\n"
                             "n.news.naver.com/mnews/article/421/0008770777?sid=110\n";
    const auto ledger = scratch.path() / "elsewhere" / "crawl.sqlite3";
    fs::create_directories(ledger.parent_path());

    CrawlRun run;
    SUBCASE("--url-file FILE")
    {
        const auto list_file = scratch.path() / "urls.txt";
        write_file(list_file, list);
        run = crawl(server, archive, {"--url-file", list_file.string(), "--ledger", ledger.string()});
    }
    SUBCASE("--url-file -")
    {
        CrawlOptions from_stdin;
        from_stdin.stdin_text = list;
        run = crawl(server, archive, {"--url-file", "-", "--ledger", ledger.string()}, from_stdin);
    }

    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.lines.size() == 3);
    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        CHECK(run.line(article.id).outcome == "saved");
        CHECK(run.line(article.id).path == article.archive_path);
        CHECK(server.count("n.news.naver.com", canonical_path(article.oid, article.aid)) == 1);
    }
    CHECK(server.requests().size() == 3);
    REQUIRE(fs::is_regular_file(ledger));
    CHECK_FALSE(fs::exists(archive / "ledger.sqlite3"));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 3);
}
