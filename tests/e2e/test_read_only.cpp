// diff on a terminal, and log, diff and export on an archive on read-only media: a read-only bind mount of a crawled
// archive, where SQLite cannot create the ledger's shared-memory file. Needs the right to
// mount (root); without it the test says so and checks nothing.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/read_only_mount.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// log, diff and export of the two versions, on the read-only mount.
void check_read_only(const fs::path& mounted, const std::string& id)
{
    REQUIRE_FALSE(fs::exists(mounted / "ledger.sqlite3-shm"));
    auto log = run_command({SILLOK_BINARY, "log", "--archive", mounted.string(), id});
    INFO("log: " << log.out << log.err);
    CHECK(log.exit_code == 0);
    CHECK(std::ranges::count(log.out, '\n') == 2);
    auto diff = run_command({SILLOK_BINARY, "diff", "--archive", mounted.string(), id});
    INFO("diff: " << diff.out << diff.err);
    CHECK(diff.exit_code == 0);
    CHECK(diff.out.contains("삼성전자는 [-신제품-]{+새+} 노트북인"));
    auto exported = run_command({SILLOK_BINARY, "export", "--archive", mounted.string(), "--versions", "all"});
    INFO("export: " << exported.err);
    CHECK(exported.exit_code == 0);
    CHECK(std::ranges::count(exported.out, '\n') == 2);
}

} // namespace

TEST_CASE("e2e::log, diff and export work on a read-only archive, diff is coloured on a terminal")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article("003_0012577249");
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> args{"--url", canonical_url(article.oid, article.aid)};
    auto page = article_page(article.id);
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid), page);
    REQUIRE(crawl(server, archive, args).result.exit_code == 0);
    const std::string old_sentence = "삼성전자는 신제품 노트북인";
    page.replace(page.find(old_sentence), old_sentence.size(), "삼성전자는 새 노트북인");
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid), page);
    REQUIRE(crawl(server, archive, args).result.exit_code == 0);
    REQUIRE_FALSE(fs::exists(archive / "ledger.sqlite3-shm")); // the crawl's last connection removed it

    const auto mounted = scratch.path() / "read-only";
    {
        ReadOnlyMount read_only(archive, mounted);
        if (read_only.error().empty()) {
            check_read_only(mounted, article.id);
        } else {
            MESSAGE("not checked: cannot mount the archive read-only: " << read_only.error());
        }
    }

    // On a terminal, diff colours the changes instead of marking them.
    const std::string diff_command =
        std::string(SILLOK_BINARY) + " diff --archive " + archive.string() + " " + article.id;
    auto coloured = run_command({"/usr/bin/script", "-qec", diff_command, "/dev/null"});
    INFO("terminal:\n" << coloured.out);
    CHECK(coloured.exit_code == 0);
    CHECK(coloured.out.contains("삼성전자는 \033[31m신제품\033[m\033[32m새\033[m 노트북인"));
    CHECK_FALSE(coloured.out.contains("[-"));
}
