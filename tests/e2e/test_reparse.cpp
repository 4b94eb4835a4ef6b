// `sillok reparse`: the stored responses read again, offline, with the rules of the binary
// that runs it. A build with a deliberate change of rules (sillok_rules_test) plays the
// older or newer parser.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/warc_check.hpp"

#include <doctest/doctest.h>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

CommandResult reparse(const std::string& binary, const fs::path& archive, std::vector<std::string> args = {})
{
    std::vector<std::string> argv{binary, "reparse", "--archive", archive.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
}

// (version, origin, rules_version, fetch_id) of each version of the article, in order.
std::vector<std::vector<std::string>> versions_of(const fs::path& archive, const FixtureArticle& article)
{
    return ledger_rows(archive / "ledger.sqlite3",
                       "SELECT v.version, v.origin, v.rules_version, v.fetch_id FROM versions v"
                       " JOIN articles a ON a.id = v.article_id WHERE a.oid = '"
                           + article.oid + "' AND a.aid = '" + article.aid + "' ORDER BY v.version");
}

} // namespace

TEST_CASE("e2e::reparse re-extracts the stored responses offline, a change of rules is no edit")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    auto requests = server.requests().size();

    // Newer rules: every article gets a version of origin reparse, under rules version 2.
    auto newer = reparse(SILLOK_RULES_TEST_BINARY, archive);
    INFO("stderr:\n" << newer.err);
    CHECK(newer.exit_code == 0);
    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        CHECK(newer.out.find("updated\t" + article.id + "\t" + article.archive_path) != std::string::npos);
        auto rows = versions_of(archive, article);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0] == std::vector<std::string>{"1", "crawl", "1", rows[0][3]});
        CHECK(rows[1] == std::vector<std::string>{"2", "reparse", "2", rows[0][3]}); // the same response
        CHECK(read_file(archive / article.archive_path).find("(rules test build)") != std::string::npos);
    }

    // The current rules again: the files are the golden ones, crawled when the bytes came.
    auto current = reparse(SILLOK_BINARY, archive, {"--threads", "2"});
    INFO("stderr:\n" << current.err);
    CHECK(current.exit_code == 0);
    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        auto text = read_file(archive / article.archive_path);
        CHECK(with_golden_crawled_at(text, crawled) == golden_file(article.id));
        auto rows = versions_of(archive, article);
        REQUIRE(rows.size() == 3);
        CHECK(rows[2] == std::vector<std::string>{"3", "reparse", "1", rows[0][3]});
    }

    // Nothing differs now: nothing is written; --id narrows the work.
    auto again = reparse(SILLOK_BINARY, archive, {"--id", fixture_articles()[0].id});
    CHECK(again.exit_code == 0);
    CHECK(again.out
          == "unchanged\t" + fixture_articles()[0].id + "\t" + fixture_articles()[0].archive_path + "\t"
                 + field(front_matter(golden_file(fixture_articles()[0].id)), "content_hash") + "\n");
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 9);
    CHECK(server.requests().size() == requests); // offline
    CHECK(run_command({SILLOK_BINARY, "verify", "--archive", archive.string()}).exit_code == 0);
}

TEST_CASE("e2e::reparse --failed archives a page that failed to parse when it was fetched")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_articles()[0];
    auto page = article_page(article.id);
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid),
                      page + "<!-- sillok-rules-test-reject -->");
    const auto archive = scratch.path() / "archive";
    std::vector<std::string> argv{SILLOK_RULES_TEST_BINARY,
                                  "crawl",
                                  "--archive",
                                  archive.string(),
                                  "--rate",
                                  "0",
                                  "--url",
                                  canonical_url(article.oid, article.aid)};
    auto server_args = server.curl_args();
    argv.insert(argv.end(), server_args.begin(), server_args.end());
    auto run = run_command(argv);
    INFO("crawl:\n" << run.out << run.err);
    REQUIRE(run.exit_code == 1);
    CHECK(run.out.starts_with("failed\t" + article.id));

    CHECK(reparse(SILLOK_BINARY, archive).out.empty()); // no version to read again
    auto failed = reparse(SILLOK_BINARY, archive, {"--failed"});
    INFO("stderr:\n" << failed.err);
    CHECK(failed.exit_code == 0);
    CHECK(failed.out.starts_with("saved\t" + article.id + "\t" + article.archive_path));
    REQUIRE(fs::exists(archive / article.archive_path));
    auto rows = versions_of(archive, article);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][1] == "reparse");
    // Once archived, the failed response is not read again.
    CHECK(reparse(SILLOK_BINARY, archive, {"--failed"}).out.empty());
}
