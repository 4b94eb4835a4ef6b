// Hostile answers and a damaged archive, end to end: redirects that must never be archived
// (to another article, to plain HTTP, back to themselves) and a damaged file that a crawl
// must heal.
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

const FixtureArticle& sample() { return fixture_article("003_0012577249"); }
std::string sample_path() { return canonical_path(sample().oid, sample().aid); }
std::string sample_url() { return canonical_url(sample().oid, sample().aid); }

bool has_article_files(const fs::path& archive)
{
    return std::ranges::any_of(files_under(archive), [](const std::string& f) { return f.ends_with(".md"); });
}

CommandResult verify(const fs::path& archive, bool repair = false)
{
    std::vector<std::string> argv{SILLOK_BINARY, "verify", "--archive", archive.string()};
    if (repair) {
        argv.emplace_back("--repair");
    }
    return run_command(argv);
}

} // namespace

TEST_CASE("faults::hostile: a crawl rewrites a damaged file whose content the ledger records")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, sample().id);
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl(server, archive, {"--url", sample_url()}).result.exit_code == 0);
    const auto file = archive / sample().archive_path;
    auto text = read_file(file);
    const auto at = text.find("삼성전자");
    REQUIRE(at != std::string::npos);
    write_file(file, std::string(text).replace(at, 0, "[위조] "));

    auto check = verify(archive, true);
    CHECK(check.exit_code == 1);
    CHECK(check.out.find("modified\t" + sample().archive_path) != std::string::npos);
    // Repair changes no file, and says how this one is mended.
    CHECK(check.out.find("mend\t" + sample().archive_path + "\t") != std::string::npos);
    CHECK(check.out.find("sillok crawl --url " + sample_url()) != std::string::npos);

    auto again = crawl(server, archive, {"--url", sample_url()});
    INFO("stderr:\n" << again.result.err);
    CHECK(again.result.exit_code == 0);
    CHECK(again.line(sample().id).outcome == "saved");
    CHECK(with_golden_crawled_at(read_file(file), again) == golden_file(sample().id));
    CHECK(verify(archive).exit_code == 0);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 1);
}

TEST_CASE("faults::hostile: a redirect to another article is never archived under the first id")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& other = fixture_article("018_0005316196");
    serve_fixture(server, other.id);
    const auto asked = canonical_path("003", "0000000009");
    server.on("n.news.naver.com", asked, [&](const httplib::Request&, httplib::Response& response) {
        response.set_redirect(canonical_url(other.oid, other.aid), 302);
    });
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, {"--url", canonical_url("003", "0000000009"), "--retries", "0"});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    auto line = run.line("003_0000000009");
    CHECK(line.outcome == "failed");
    CHECK(line.reason.starts_with("redirected_to_other_article"));
    CHECK_FALSE(has_article_files(archive));
}

TEST_CASE("faults::hostile: a redirect from HTTPS to HTTP is not followed")
{
    ScratchDir scratch;
    NaverStandIn server;
    server.on("n.news.naver.com", sample_path(), [](const httplib::Request&, httplib::Response& response) {
        response.set_redirect("http://n.news.naver.com/mnews/article/003/0012577249?plain=1", 302);
    });
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, {"--url", sample_url(), "--retries", "0"});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    auto line = run.line(sample().id);
    CHECK(line.outcome == "failed");
    CHECK(line.reason.starts_with("insecure_redirect"));
    CHECK(server.count("n.news.naver.com", sample_path()) == 1);
    CHECK_FALSE(has_article_files(archive));
}

TEST_CASE("faults::hostile: a redirect to itself is a redirect loop, with a body or without")
{
    for (bool with_body : {true, false}) {
        CAPTURE(with_body);
        ScratchDir scratch;
        NaverStandIn server;
        server.on("n.news.naver.com", sample_path(), [with_body](const httplib::Request&, httplib::Response& response) {
            response.status = 302;
            response.set_header("Location", sample_url());
            if (with_body) {
                response.set_content(article_page(sample().id), "text/html;charset=UTF-8");
            }
        });
        const auto archive = scratch.path() / "archive";
        auto run = crawl(server, archive, {"--url", sample_url(), "--retries", "0"});
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 1);
        auto line = run.line(sample().id);
        CHECK(line.outcome == "failed");
        CHECK(line.reason.starts_with("redirect_loop"));
        CHECK_FALSE(has_article_files(archive));
    }
}

TEST_CASE("faults::hostile: verify compares the front matter's fields with the ledger, and a crawl restores them")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, sample().id);
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl(server, archive, {"--url", sample_url()}).result.exit_code == 0);
    const auto file = archive / sample().archive_path;
    auto text = read_file(file);
    const auto title = field(front_matter(text), "title");
    const auto at = text.find("title: \"");
    REQUIRE(at != std::string::npos);
    write_file(file, std::string(text).replace(at, 8, "title: \"[위조] "));

    auto check = verify(archive);
    CHECK(check.exit_code == 1);
    CHECK(check.out.find("ledger_mismatch\t" + sample().archive_path + "\ttitle: the file says \"[위조] " + title)
          != std::string::npos);

    auto again = crawl(server, archive, {"--url", sample_url()});
    CHECK(again.line(sample().id).outcome == "saved");
    CHECK(with_golden_crawled_at(read_file(file), again) == golden_file(sample().id));
    CHECK(verify(archive).exit_code == 0);
}

TEST_CASE("faults::hostile: verify and status work on a read-only archive")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, sample().id);
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl(server, archive, {"--url", sample_url()}).result.exit_code == 0);
    const auto mounted = scratch.path() / "backup";
    fs::create_directories(mounted);
    const auto mount = "mount --bind '" + archive.string() + "' '" + mounted.string()
                       + "' && mount -o remount,ro,bind '" + mounted.string() + "'";
    if (std::system(mount.c_str()) != 0) {
        MESSAGE("skipped: cannot make a read-only bind mount (needs root)");
        return;
    }
    auto checked = verify(mounted);
    auto status = run_command({SILLOK_BINARY, "status", "--archive", mounted.string()});
    std::system(("umount '" + mounted.string() + "'").c_str());
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 0);
    CHECK(checked.out.find("1 files checked, 1 WARC records checked, 0 problems") != std::string::npos);
    INFO("status:\n" << status.out << status.err);
    CHECK(status.exit_code == 0);
}

TEST_CASE("faults::hostile: a ledger that is not a database is met with what to do")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    fs::create_directories(archive);
    write_file(archive / "ledger.sqlite3", std::string(8192, 'x'));
    for (bool repair : {false, true}) {
        auto result = verify(archive, repair);
        CHECK(result.exit_code == 74);
        CHECK(result.err.find("not a SQLite database") != std::string::npos);
        CHECK(result.err.find("verify --repair") != std::string::npos);
    }
    auto status = run_command({SILLOK_BINARY, "status", "--archive", archive.string()});
    CHECK(status.exit_code == 74);
    CHECK(status.err.find("move it aside") != std::string::npos);
}
