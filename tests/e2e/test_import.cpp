// `sillok import`: WARC files written by another tool (wget --warc-file, from Debian, against
// the stand-in through a CONNECT proxy, so its records carry Naver's real URLs) are archived
// as a crawl archives them.
#include "tests/e2e/connect_proxy.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"
#include "tests/e2e/warc_check.hpp"

#include <doctest/doctest.h>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// Fetches `urls` with wget into dir/naver.warc.gz; `window` gets the run's wall-clock bounds.
fs::path wget_warc(const NaverStandIn& server, const fs::path& dir, const std::vector<std::string>& urls,
                   CrawlRun& window)
{
    ConnectProxy proxy(server.port());
    std::vector<std::string> argv{"/usr/bin/wget", "--no-verbose", "--tries=1", "--warc-file=" + (dir / "naver").string(),
                                  "--ca-certificate=" + server.ca_file().string(), "--directory-prefix=" + (dir / "pages").string(),
                                  "-e", "use_proxy=on", "-e", "https_proxy=http://127.0.0.1:" + std::to_string(proxy.port())};
    argv.insert(argv.end(), urls.begin(), urls.end());
    window.started = std::chrono::system_clock::now();
    auto run = run_command(argv);
    window.finished = std::chrono::system_clock::now();
    INFO("wget:\n" << run.err);
    CHECK(!proxy.targets().empty());
    for (const auto& target : proxy.targets()) {
        CHECK(target == "n.news.naver.com:443");
    }
    window.result = run;
    return dir / "naver.warc.gz";
}

CommandResult import(const fs::path& archive, const fs::path& file)
{
    return run_command({SILLOK_BINARY, "import", "--archive", archive.string(), file.string()});
}

} // namespace

TEST_CASE("e2e::import archives the article responses of a WARC file wget wrote, as a crawl does")
{
    ScratchDir scratch;
    NaverStandIn server;
    std::vector<std::string> urls;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
        urls.push_back(canonical_url(article.oid, article.aid));
    }
    CrawlRun window;
    auto warc = wget_warc(server, scratch.path(), urls, window);
    REQUIRE(window.result.exit_code == 0);

    const auto archive = scratch.path() / "archive";
    auto imported = import(archive, warc);
    INFO("import:\n" << imported.out << imported.err);
    CHECK(imported.exit_code == 0);
    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        CHECK(imported.out.find("saved\t" + article.id + "\t" + article.archive_path) != std::string::npos);
        // The same file as a crawl writes, crawled when wget fetched the page.
        CHECK(with_golden_crawled_at(read_file(archive / article.archive_path), window) == golden_file(article.id));
    }
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions WHERE origin = 'import'") == 3);
    CHECK(ledger_count(archive / "ledger.sqlite3",
                       "SELECT count(*) FROM versions v JOIN fetches f ON f.id = v.fetch_id"
                       " WHERE f.warc_file IS NOT NULL") == 3);
    auto verified = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    INFO("verify:\n" << verified.out);
    CHECK(verified.exit_code == 0);
    CHECK(verified.out.find("3 WARC records checked, 0 problems") != std::string::npos);

    // Importing the same file again changes nothing.
    auto again = import(archive, warc);
    CHECK(again.exit_code == 0);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 3);
}

TEST_CASE("e2e::import reports each record it cannot archive, with its reason, and changes nothing for it")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_articles()[0];
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid), "<html><body>moved</body></html>");
    CrawlRun window;
    auto warc = wget_warc(server, scratch.path(), {canonical_url(article.oid, article.aid)}, window);
    const auto archive = scratch.path() / "archive";
    auto imported = import(archive, warc);
    INFO("import:\n" << imported.out << imported.err);
    CHECK(imported.exit_code == 1);
    CHECK(imported.out.starts_with("failed\t" + article.id + "\t\t\t" + warc.string() + "@"));
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM articles") == 0);
    CHECK(article_files(archive).empty());

    // A file that is no WARC: one line, exit 1.
    write_file(scratch.path() / "not.warc", "hello\n");
    auto bad = import(archive, scratch.path() / "not.warc");
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.starts_with("failed\t-\t\t\t" + (scratch.path() / "not.warc").string() + "@0: "));
    // A file that does not exist: a usage error before anything is opened.
    CHECK(import(archive, scratch.path() / "missing.warc.gz").exit_code == 64);
}
