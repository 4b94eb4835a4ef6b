// The raw responses as WARC: what `sillok crawl` writes is read back by warcio, an
// independent reader, and the ledger points at the exact records.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/warc_check.hpp"

#include <doctest/doctest.h>

#include <map>
#include <regex>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

const CheckedRecord* find_record(const std::vector<CheckedRecord>& records, std::string_view type,
                                 std::string_view target)
{
    for (const auto& record : records) {
        if (record.type == type && record.target == target) {
            return &record;
        }
    }
    return nullptr;
}

} // namespace

TEST_CASE("e2e::warc responses of new versions are WARC records that warcio reads, linked from the ledger")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto run = crawl_fixtures(server, archive);
    INFO("stderr:\n" << run.result.err);
    REQUIRE(run.result.exit_code == 0);

    auto files = warc_files_under(archive / "warc");
    REQUIRE(files.size() == 1);
    auto relative = fs::relative(files[0], archive).string();
    CHECK(std::regex_match(relative, std::regex(R"(warc/\d{4}/\d{2}/sillok-\d{14}-\d{5}\.warc\.gz)")));
    CHECK(fs::is_empty(archive / "warc/.open")); // sealed at exit

    auto records = read_with_warcio(files);
    REQUIRE(records.size() == 1 + 2 * fixture_articles().size());
    CHECK(records[0].type == "warcinfo");
    CHECK(records[0].offset == 0);
    for (const auto& record : records) {
        CAPTURE(record.offset);
        CHECK(record.block_digest_holds);
        CHECK(record.content_length == record.block_size);
    }

    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        auto url = canonical_url(article.oid, article.aid);
        const auto* response = find_record(records, "response", url);
        const auto* request = find_record(records, "request", url);
        REQUIRE(response != nullptr);
        REQUIRE(request != nullptr);
        CHECK(response->status == 200);
        CHECK(response->payload_digest_holds);
        CHECK(response->payload == article_page(article.id)); // the bytes the server sent
        CHECK(response->ip == "127.0.0.1");
        CHECK(response->content_type == "application/http;msgtype=response");
        CHECK(request->content_type == "application/http;msgtype=request");
        CHECK(response->concurrent_to == request->id);
        CHECK(request->concurrent_to == response->id);
        CHECK(request->offset < response->offset);

        // The fetch points at the response record; the version points at the fetch.
        auto rows = ledger_rows(archive / "ledger.sqlite3",
                                "SELECT f.warc_file, f.warc_offset, f.warc_length, v.origin FROM versions v"
                                " JOIN articles a ON a.id = v.article_id JOIN fetches f ON f.id = v.fetch_id"
                                " WHERE a.oid = '"
                                    + article.oid + "' AND a.aid = '" + article.aid + "'");
        REQUIRE(rows.size() == 1);
        CHECK(rows[0][0] == relative);
        CHECK(rows[0][1] == std::to_string(response->offset));
        CHECK(rows[0][2] == std::to_string(response->length));
        CHECK(rows[0][3] == "crawl");
    }
}

TEST_CASE("e2e::warc \"all\" keeps every response, \"off\" none, \"versions\" only those of new versions")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_articles()[0];
    serve_fixture(server, article.id);
    std::vector<std::string> url{"--url", canonical_url(article.oid, article.aid)};
    auto with_mode = [&](const std::string& mode) {
        auto config = scratch.path() / (mode + ".toml");
        write_file(config, "warc = \"" + mode + "\"\n");
        auto args = url;
        args.insert(args.end(), {"--config", config.string()});
        return args;
    };
    auto kept = [](const fs::path& archive) {
        return ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM fetches WHERE warc_file IS NOT NULL");
    };

    const auto versions = scratch.path() / "versions";
    REQUIRE(crawl(server, versions, url).result.exit_code == 0);
    REQUIRE(crawl(server, versions, url).result.exit_code == 0); // unchanged: not kept
    CHECK(kept(versions) == 1);

    const auto all = scratch.path() / "all";
    REQUIRE(crawl(server, all, with_mode("all")).result.exit_code == 0);
    REQUIRE(crawl(server, all, with_mode("all")).result.exit_code == 0);
    CHECK(kept(all) == 2);
    CHECK(read_with_warcio(warc_files_under(all / "warc")).size() == 2 * (1 + 2)); // two files

    const auto off = scratch.path() / "off";
    REQUIRE(crawl(server, off, with_mode("off")).result.exit_code == 0);
    CHECK(kept(off) == 0);
    CHECK(warc_files_under(off / "warc").empty());
}
