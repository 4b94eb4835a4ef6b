// `sillok run` whose ledger is deleted under it: it stops saving and exits with a clear
// error instead of writing files whose rows go to a file nobody can open again.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

} // namespace

TEST_CASE("e2e::run stops with exit 74 when its ledger is deleted")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto listed = listed_refs(page);
    serve_section(server, page);
    // Slow answers: the ledger goes while articles are still being fetched.
    serve_articles(server, listed, article_page("003_0012577249"), 300ms);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    ServiceProcess service(
        run_args(server, archive, {"--section", "100", "--poll-interval", "1", "--rate", "0", "--concurrency", "1"}),
        scratch.path());
    INFO("service log:\n" << service.log());
    REQUIRE(wait_until([&] { return archived_count(ledger) >= 1; }, 30s));
    for (const auto* suffix : {"", "-wal", "-shm"}) {
        fs::remove(ledger.string() + suffix);
    }
    const auto files_then = article_files(archive).size();

    auto code = service.wait(20s);
    REQUIRE_MESSAGE(code.has_value(), "the service went on running without its ledger");
    CHECK(*code == 74);
    CHECK(service.log().find("was deleted") != std::string::npos);
    // At most the articles in flight at that moment were saved after it.
    CHECK(article_files(archive).size() <= files_then + 2);
    CHECK(article_files(archive).size() < listed.size());
}
