// WARC files after a crash: a record torn by SIGKILL is cut off at the next start, and
// `sillok verify` checks every record the ledger points to.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"
#include "tests/e2e/warc_check.hpp"

#include <doctest/doctest.h>

#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

CommandResult verify(const fs::path& archive)
{
    return run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
}

std::vector<std::string> article_urls(NaverStandIn& server)
{
    std::vector<std::string> args;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
        args.insert(args.end(), {"--url", canonical_url(article.oid, article.aid)});
    }
    return args;
}

} // namespace

TEST_CASE("e2e::warc a record torn by kill -9 is cut off at the next start, and verify is clean")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto urls = article_urls(server);

    // Every record write stops half-way for 30 s: the kill lands inside the first record.
    std::vector<std::string> args{"crawl", "--archive", archive.string(), "--rate", "0", "--timeout", "20"};
    auto server_args = server.curl_args();
    args.insert(args.end(), server_args.begin(), server_args.end());
    args.insert(args.end(), urls.begin(), urls.end());
    uintmax_t torn_size = 0;
    {
        ServiceProcess crawler(args, scratch.path(), {{"SILLOK_TEST_WARC_PAUSE_MS", "30000"}});
        REQUIRE(wait_until([&] { return warc_files_under(archive / "warc").size() == 1; }, 20s));
        auto file = warc_files_under(archive / "warc").at(0);
        // Half-way: the warcinfo and part of the first exchange are on disk, then nothing moves.
        REQUIRE(wait_until(
            [&] {
                auto size = fs::file_size(file);
                std::this_thread::sleep_for(300ms);
                return size > 0 && fs::file_size(file) == size;
            },
            20s));
        CHECK(crawler.kill() == 128 + SIGKILL);
        torn_size = fs::file_size(file);
    }
    auto torn = warc_files_under(archive / "warc").at(0);
    CHECK(fs::exists(archive / "warc/.open" / (torn.filename().string() + ".writing"))); // left by the dead writer
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM fetches WHERE warc_file IS NOT NULL") == 0);

    // The next start cuts the torn record off, then archives everything into a new file.
    auto run = crawl(server, archive, urls);
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(mentions_any(run.result.err, {"cut after its last whole record"}));
    CHECK(fs::file_size(torn) < torn_size);
    CHECK_FALSE(fs::exists(archive / "warc/.open" / (torn.filename().string() + ".writing")));
    auto files = warc_files_under(archive / "warc");
    REQUIRE(files.size() == 2);

    // warcio reads every record of both files whole, and the ledger points at whole records.
    auto records = read_with_warcio(files);
    size_t responses = 0;
    for (const auto& record : records) {
        CAPTURE(record.offset);
        CHECK(record.block_digest_holds);
        CHECK(record.content_length == record.block_size);
        responses += record.type == "response" && record.file == 1 ? 1 : 0;
    }
    CHECK(responses == fixture_articles().size());
    auto checked = verify(archive);
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 0);
    CHECK(checked.out.find("3 WARC records checked, 0 problems") != std::string::npos);
}

TEST_CASE("e2e::warc verify reports a record the ledger points to that was damaged")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto run = crawl(server, archive, article_urls(server));
    REQUIRE(run.result.exit_code == 0);
    auto rows = ledger_rows(archive / "ledger.sqlite3",
                            "SELECT warc_file, warc_offset, warc_length FROM fetches WHERE warc_file IS NOT NULL"
                            " ORDER BY id LIMIT 1");
    REQUIRE(rows.size() == 1);
    REQUIRE(verify(archive).exit_code == 0);

    // One byte in the middle of the first response record's gzip member.
    {
        std::fstream file(archive / rows[0][0], std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(std::stoll(rows[0][1]) + std::stoll(rows[0][2]) / 2);
        file.put('\x5a');
    }
    auto checked = verify(archive);
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 1);
    CHECK(checked.out.find("warc_record\t" + rows[0][0] + "\tfetch ") != std::string::npos);
}
