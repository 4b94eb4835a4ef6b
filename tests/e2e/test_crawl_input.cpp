// How `sillok crawl` is told what to archive: bare arguments and ids as well as --url, URL
// lists as spreadsheets save them, refusals that name the line, and a re-run that resumes
// instead of asking Naver for every article again.
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

} // namespace

TEST_CASE("e2e::crawl takes articles as bare arguments, as ids and as URLs")
{
    ScratchDir scratch;
    NaverStandIn server;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
    }
    const auto archive = scratch.path() / "archive";
    auto run = crawl(
        server, archive,
        {"003_0012577249", "https://m.news.naver.com/read.naver?oid=018&aid=0005316196", "--url", "421_0008770777"});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.lines.size() == 3);
    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        CHECK(run.line(article.id).outcome == "saved");
        CHECK(server.count("n.news.naver.com", canonical_path(article.oid, article.aid)) == 1);
    }
}

TEST_CASE("e2e::crawl reads a URL list saved with a byte-order mark and names each refused line")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article("003_0012577249");
    serve_fixture(server, article.id);
    const auto archive = scratch.path() / "archive";
    const auto list = scratch.path() / "urls.txt";

    SUBCASE("a byte-order mark and CRLF line ends")
    {
        write_file(list, "\xEF\xBB\xBFhttps://n.news.naver.com/mnews/article/003/0012577249\r\n");
        auto run = crawl(server, archive, {"--url-file", list.string()});
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.lines.size() == 1);
        CHECK(run.line(article.id).outcome == "saved");
    }
    SUBCASE("bad lines refuse the list, each named by its line; --skip-invalid crawls the rest")
    {
        write_file(list, "# my list\n003_0012577249\nhttps://example.com/news/1\n\nnot an article\n");
        auto refused = crawl(server, archive, {"--url-file", list.string()});
        CHECK(refused.result.exit_code == 64);
        CHECK(refused.lines.empty());
        CHECK(server.requests().empty());
        const auto shown = list.string();
        CHECK(refused.result.err.contains("sillok: refused: " + shown + ":3: "));
        CHECK(refused.result.err.contains("sillok: refused: " + shown + ":5: "));
        CHECK_FALSE(refused.result.err.contains(":2: "));
        CHECK(refused.result.err.contains("sillok: error: 2 articles refused; nothing was fetched"));

        auto skipped = crawl(server, archive, {"--url-file", list.string(), "--skip-invalid"});
        INFO("stderr:\n" << skipped.result.err);
        CHECK(skipped.result.exit_code == 0);
        REQUIRE(skipped.lines.size() == 1);
        CHECK(skipped.line(article.id).outcome == "saved");
        CHECK(skipped.result.err.contains(":3: "));
    }
}

TEST_CASE("e2e::crawl --skip-archived and --refresh-older-than resume a list without asking again")
{
    ScratchDir scratch;
    NaverStandIn server;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
    }
    const auto archive = scratch.path() / "archive";
    const auto& first = fixture_article("003_0012577249");
    auto once = crawl(server, archive, {first.id});
    REQUIRE(once.result.exit_code == 0);
    REQUIRE(server.count("n.news.naver.com", canonical_path(first.oid, first.aid)) == 1);

    std::vector<std::string> all;
    for (const auto& article : fixture_articles()) {
        all.push_back(article.id);
    }
    SUBCASE("--skip-archived")
    {
        auto args = all;
        args.push_back("--skip-archived");
        auto run = crawl(server, archive, args);
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.lines.size() == 3);
        CHECK(run.line(first.id).outcome == "archived");
        CHECK(run.line(first.id).path == first.archive_path);
        CHECK(run.line(first.id).hash == once.line(first.id).hash);
        CHECK(run.line(first.id).reason.contains("--skip-archived"));
        CHECK(server.count("n.news.naver.com", canonical_path(first.oid, first.aid)) == 1);
        for (const auto& article : fixture_articles()) {
            if (article.id != first.id) {
                CHECK(run.line(article.id).outcome == "saved");
            }
        }
    }
    SUBCASE("--refresh-older-than: a recent fetch is kept, an old one is fetched again")
    {
        auto recent = all;
        recent.insert(recent.end(), {"--refresh-older-than", "6h"});
        auto run = crawl(server, archive, recent);
        CHECK(run.result.exit_code == 0);
        CHECK(run.line(first.id).outcome == "archived");
        CHECK(server.count("n.news.naver.com", canonical_path(first.oid, first.aid)) == 1);

        auto again = crawl(server, archive, {first.id, "--refresh-older-than", "0s"});
        CHECK(again.result.exit_code == 0);
        CHECK(again.line(first.id).outcome == "unchanged");
        CHECK(server.count("n.news.naver.com", canonical_path(first.oid, first.aid)) == 2);
    }
    SUBCASE("a duration that is not one is refused before any request")
    {
        auto run = crawl(server, archive, {first.id, "--refresh-older-than", "6 hours"});
        CHECK(run.result.exit_code == 64);
        CHECK(run.result.err.contains("is not a duration"));
        CHECK(server.count("n.news.naver.com", canonical_path(first.oid, first.aid)) == 1);
    }
}

TEST_CASE("e2e::sections and presses name the numbers, and a section is taken by its name")
{
    auto sections = run_command({SILLOK_BINARY, "sections"});
    CHECK(sections.exit_code == 0);
    CHECK(sections.out.starts_with("100\t정치\n101\t경제\n102\t사회\n103\t생활/문화\n104\t세계\n105\tIT/과학\n"));

    auto named = run_command({SILLOK_BINARY, "config", "--section", "경제", "--section", "IT/과학"});
    INFO(named.err);
    CHECK(named.exit_code == 0);
    CHECK(named.out.contains("sections = [ '101', '105' ]"));
    auto unknown = run_command({SILLOK_BINARY, "config", "--section", "연예"});
    CHECK(unknown.exit_code == 64);

    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl_fixtures(server, archive).result.exit_code == 0);
    auto presses = run_command({SILLOK_BINARY, "presses", "--archive", archive.string()});
    INFO(presses.err);
    CHECK(presses.exit_code == 0);
    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        const auto publisher = field(front_matter(golden_file(article.id)), "publisher");
        CHECK(presses.out.contains(article.oid + "\t" + publisher + "\t1 article\n"));
    }
}
