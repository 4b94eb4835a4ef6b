// `sillok crawl` end to end when things go wrong: faults injected by the HTTPS stand-in
// (missing pages, overload, redirects, huge and stalled bodies, an untrusted certificate) and
// bad invocations.
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <memory>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

const FixtureArticle& sample() { return fixture_article("003_0012577249"); }
std::string sample_path() { return canonical_path(sample().oid, sample().aid); }
std::string sample_url() { return canonical_url(sample().oid, sample().aid); }

bool has_article_files(const fs::path& archive)
{
    return std::ranges::any_of(files_under(archive), [](const std::string& f) { return f.ends_with(".md"); });
}

// Streams `body` without a Content-Length, in chunks; `stall_after` bytes, then waits for the
// server to stop (0: never stalls).
void serve_chunked(NaverStandIn& server, std::string text, size_t stall_after = 0)
{
    // The provider runs after the handler has returned, so it shares ownership of the body.
    auto body = std::make_shared<const std::string>(std::move(text));
    server.on("n.news.naver.com", sample_path(),
              [&server, body, stall_after](const httplib::Request&, httplib::Response& response) {
                  response.set_chunked_content_provider(
                      "text/html;charset=UTF-8", [&server, body, stall_after](size_t offset, httplib::DataSink& sink) {
                          if (stall_after != 0 && offset >= stall_after) {
                              server.sleep_unless_stopped(60s);
                              return false;
                          }
                          if (offset >= body->size()) {
                              sink.done();
                              return true;
                          }
                          const size_t chunk = std::min<size_t>(16384, body->size() - offset);
                          return sink.write(body->data() + offset, chunk);
                      });
              });
}

} // namespace

TEST_CASE("e2e::crawl reports a missing page as gone")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, {"--url", sample_url()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.line(sample().id).outcome == "gone");
    CHECK(server.count("n.news.naver.com", sample_path()) == 1);
    CHECK_FALSE(has_article_files(archive));
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM fetches WHERE status = 404") >= 1);
}

TEST_CASE("e2e::crawl waits as long as Retry-After asks before trying again")
{
    ScratchDir scratch;
    NaverStandIn server;
    std::atomic<int> calls{0};
    server.on("n.news.naver.com", sample_path(),
              [&calls, page = article_page(sample().id)](const httplib::Request&, httplib::Response& response) {
                  if (calls++ == 0) {
                      response.status = 503;
                      response.set_header("Retry-After", "1");
                      response.set_content("<html><body>busy</body></html>", "text/html;charset=UTF-8");
                      return;
                  }
                  response.set_content(page, "text/html;charset=UTF-8");
              });
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, {"--url", sample_url()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.line(sample().id).outcome == "saved");
    auto seen = server.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].at - seen[0].at >= 1s);
    CHECK(fs::is_regular_file(archive / sample().archive_path));
}

TEST_CASE("e2e::crawl follows no redirect off Naver")
{
    ScratchDir scratch;
    NaverStandIn server;
    server.on("n.news.naver.com", sample_path(), [](const httplib::Request&, httplib::Response& response) {
        response.set_redirect("https://evil.example.com/x", 302);
    });
    server.serve_html("evil.example.com", "/x", article_page(sample().id));
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, {"--url", sample_url(), "--retries", "0"});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    CHECK(run.line(sample().id).outcome == "failed");
    CHECK(server.count("n.news.naver.com", sample_path()) == 1);
    CHECK(server.count("evil.example.com") == 0);
    CHECK_FALSE(has_article_files(archive));
}

TEST_CASE("e2e::crawl skips articles that Naver moved to sports or entertainment")
{
    ScratchDir scratch;
    NaverStandIn server;
    std::string target;
    SUBCASE("sports") { target = "https://m.sports.naver.com/article/003/0012577249"; }
    SUBCASE("entertainment") { target = "https://m.entertain.naver.com/article/003/0012577249"; }
    server.on("n.news.naver.com", sample_path(),
              [target](const httplib::Request&, httplib::Response& response) { response.set_redirect(target, 302); });
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, {"--url", sample_url()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.line(sample().id).outcome == "skipped");
    CHECK_FALSE(has_article_files(archive));
}

TEST_CASE("e2e::crawl refuses a body over --max-bytes")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = article_page(sample().id);
    REQUIRE(page.size() > 200000);
    const auto archive = scratch.path() / "archive";

    SUBCASE("announced by Content-Length") { serve_fixture(server, sample().id); }
    SUBCASE("streamed without a length") { serve_chunked(server, page); }
    auto run = crawl(server, archive, {"--url", sample_url(), "--max-bytes", "100000", "--retries", "0"});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    auto line = run.line(sample().id);
    CHECK(line.outcome == "failed");
    CHECK_MESSAGE(mentions_any(line.reason, {"size", "large", "bytes", "big", "limit"}),
                  "reason does not mention the size: " << line.reason);
    CHECK_FALSE(has_article_files(archive));

    // The same page is fine under a cap it fits.
    auto roomy = crawl(server, archive, {"--url", sample_url(), "--max-bytes", "400000", "--retries", "0"});
    INFO("stderr:\n" << roomy.result.err);
    CHECK(roomy.result.exit_code == 0);
    CHECK(roomy.line(sample().id).outcome == "saved");
}

TEST_CASE("e2e::crawl gives up on a stalled server after --timeout and --retries")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    CrawlRun run;
    SUBCASE("no response at all, retried once")
    {
        server.on("n.news.naver.com", sample_path(), [&server](const httplib::Request&, httplib::Response& response) {
            server.sleep_unless_stopped(60s);
            response.set_content("late", "text/plain");
        });
        run = crawl(server, archive, {"--url", sample_url(), "--timeout", "2", "--retries", "1"});
        CHECK(server.count("n.news.naver.com", sample_path()) == 2);
        CHECK(run.elapsed >= 4s);
    }
    SUBCASE("a body that stops half-way")
    {
        serve_chunked(server, article_page(sample().id), 50000);
        run = crawl(server, archive, {"--url", sample_url(), "--timeout", "2", "--retries", "0"});
        CHECK(server.count("n.news.naver.com", sample_path()) == 1);
        CHECK(run.elapsed >= 2s);
    }
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    auto line = run.line(sample().id);
    CHECK(line.outcome == "failed");
    CHECK_MESSAGE(mentions_any(line.reason, {"timeout", "timed out"}), "not a timeout reason: " << line.reason);
    CHECK(run.elapsed < 20s);
    CHECK_FALSE(has_article_files(archive));
}

TEST_CASE("e2e::crawl verifies the server certificate")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, sample().id);
    const auto archive = scratch.path() / "archive";
    CrawlOptions untrusted;
    untrusted.trust_test_ca = false;
    auto run = crawl(server, archive, {"--url", sample_url(), "--retries", "0"}, untrusted);
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    auto line = run.line(sample().id);
    CHECK(line.outcome == "failed");
    CHECK_MESSAGE(mentions_any(line.reason, {"tls", "ssl", "certificate"}), "not a TLS reason: " << line.reason);
    CHECK(server.requests().empty());
    CHECK_FALSE(has_article_files(archive));
}

TEST_CASE("e2e::crawl exits 1 only when a URL failed, and reports every URL")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& good = fixture_article("018_0005316196");
    serve_fixture(server, good.id);
    const auto archive = scratch.path() / "archive";
    auto run =
        crawl(server, archive, {"--url", sample_url(), "--url", canonical_url(good.oid, good.aid), "--retries", "0"});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.lines.size() == 2);
    CHECK(run.line(sample().id).outcome == "gone");
    CHECK(run.line(good.id).outcome == "saved");

    server.on("n.news.naver.com", sample_path(), [](const httplib::Request&, httplib::Response& response) {
        response.status = 500;
        response.set_content("<html><body>error</body></html>", "text/html;charset=UTF-8");
    });
    auto failing =
        crawl(server, archive, {"--url", sample_url(), "--url", canonical_url(good.oid, good.aid), "--retries", "0"});
    INFO("stderr:\n" << failing.result.err);
    CHECK(failing.result.exit_code == 1);
    CHECK(failing.lines.size() == 2);
    CHECK(failing.line(sample().id).outcome == "failed");
    CHECK(failing.line(good.id).outcome == "unchanged");
}

TEST_CASE("e2e::crawl rejects a URL that is not a Naver article before fetching anything")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, sample().id);
    std::string bad;
    SUBCASE("another site") { bad = "https://example.com/a"; }
    SUBCASE("a Naver section page") { bad = "https://news.naver.com/section/100"; }
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, {"--url", sample_url(), "--url", bad});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 64);
    CHECK_MESSAGE(run.result.err.contains(bad), "stderr does not name the rejected URL");
    CHECK(run.result.err.contains("sillok: error:"));
    CHECK(run.result.out.empty());
    CHECK(server.requests().empty());
    CHECK_FALSE(has_article_files(archive));
}

TEST_CASE("e2e::crawl exits 64 on an unknown option")
{
    ScratchDir scratch;
    NaverStandIn server;
    auto run = crawl(server, scratch.path() / "archive", {"--url", sample_url(), "--no-such-option"});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 64);
    CHECK_FALSE(run.result.err.empty());
    CHECK(server.requests().empty());
}

TEST_CASE("e2e::crawl exits 74 when the archive or the ledger cannot be written")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, sample().id);
    const auto blocker = scratch.path() / "a-file";
    write_file(blocker, "not a directory\n");
    CrawlRun run;
    SUBCASE("archive inside a regular file") { run = crawl(server, blocker / "archive", {"--url", sample_url()}); }
    SUBCASE("ledger inside a regular file")
    {
        run = crawl(server, scratch.path() / "archive",
                    {"--url", sample_url(), "--ledger", (blocker / "ledger.sqlite3").string()});
    }
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 74);
    CHECK(run.result.err.contains("sillok: error:"));
    CHECK(read_file(blocker) == "not a directory\n");
}
