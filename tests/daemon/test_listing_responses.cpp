// Responses that are no article (listing pages, robots.txt) in WARC: which are kept in each
// `warc` mode, and that the fetch row then points at the record.
#include "daemon/pipeline/crawl.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace sillok::daemon;
using sillok::test::ScratchDir;

namespace {

const std::string k_listing_url =
    "https://news.naver.com/main/list.naver?mode=LSD&mid=sec&sid1=100&date=20240301&page=1";
const std::string k_listing_body = "<html><body>a listing page</body></html>";

FetchResult listing_response(long status = 200)
{
    FetchResult result;
    result.url = k_listing_url;
    result.final_url = k_listing_url;
    result.status = status;
    result.body = k_listing_body;
    result.fetched_at = WallClock::now();
    result.request_head = "GET /main/list.naver?mode=LSD HTTP/1.1\r\nHost: news.naver.com\r\n\r\n";
    result.response_head = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: text/html\r\n\r\n";
    result.peer_ip = "127.0.0.1";
    result.attempts.push_back(FetchRecord{k_listing_url, "2024-03-01T09:00:00+09:00", status,
                                          static_cast<int64_t>(k_listing_body.size()), 5,
                                          status == 200 ? "" : "http_status: HTTP 404"});
    return result;
}

struct KeptRow {
    std::string file;
    int64_t offset = 0;
    int64_t length = 0;
};

// The WARC link of every fetch row, in insertion order.
std::vector<KeptRow> fetch_links(const std::filesystem::path& ledger)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(ledger.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT warc_file, warc_offset, warc_length FROM fetches ORDER BY id", -1, &stmt,
                               nullptr)
            == SQLITE_OK);
    std::vector<KeptRow> rows;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* file = sqlite3_column_text(stmt, 0);
        rows.push_back(KeptRow{file != nullptr ? reinterpret_cast<const char*>(file) : "",
                               sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2)});
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows;
}

// Records a listing that yielded articles, one that yielded none and a 404 in `mode`; returns
// the fetch rows' links.
std::vector<KeptRow> record_three(const std::filesystem::path& root, WarcMode mode)
{
    auto archive = Archive::open(root);
    REQUIRE(archive);
    auto ledger = Ledger::open(root / "ledger.sqlite3");
    REQUIRE(ledger);
    std::optional<WarcWriter> writer;
    if (mode != WarcMode::off) {
        writer.emplace(root, k_default_warc_file_bytes);
    }
    ArticlePipeline pipeline(*archive, *ledger, ResponseKeeper{writer ? &*writer : nullptr, mode});
    auto yielded = listing_response();
    REQUIRE(pipeline.record_response(yielded, true));
    auto nothing_new = listing_response();
    REQUIRE(pipeline.record_response(nothing_new, false));
    auto missing = listing_response(404);
    REQUIRE(pipeline.record_response(missing, false));
    return fetch_links(root / "ledger.sqlite3");
}

void check_points_at_listing(const std::filesystem::path& root, const KeptRow& row, long status)
{
    auto record = read_record_at(root / row.file, static_cast<uint64_t>(row.offset), static_cast<uint64_t>(row.length));
    REQUIRE_MESSAGE(record, record.error());
    CHECK(record->type() == "response");
    CHECK(record->field("WARC-Target-URI") == k_listing_url);
    CHECK(record->block.starts_with("HTTP/1.1 " + std::to_string(status) + " "));
    CHECK(record->block.ends_with("\r\n\r\n" + k_listing_body));
}

} // namespace

TEST_CASE("warc::versions keeps a listing page only when it yielded articles")
{
    ScratchDir dir;
    auto rows = record_three(dir.path(), WarcMode::versions);
    REQUIRE(rows.size() == 3);
    REQUIRE(!rows[0].file.empty());
    check_points_at_listing(dir.path(), rows[0], 200);
    CHECK(rows[1].file.empty());
    CHECK(rows[2].file.empty());
}

TEST_CASE("warc::all keeps every listing response, a failed one too, and off keeps none")
{
    ScratchDir dir;
    auto rows = record_three(dir.path() / "all", WarcMode::all);
    REQUIRE(rows.size() == 3);
    for (const auto& row : rows) {
        REQUIRE(!row.file.empty());
    }
    check_points_at_listing(dir.path() / "all", rows[0], 200);
    check_points_at_listing(dir.path() / "all", rows[1], 200);
    check_points_at_listing(dir.path() / "all", rows[2], 404);
    CHECK(rows[0].offset < rows[1].offset);

    auto off = record_three(dir.path() / "off", WarcMode::off);
    REQUIRE(off.size() == 3);
    for (const auto& row : off) {
        CHECK(row.file.empty());
    }
    CHECK(!std::filesystem::exists(dir.path() / "off" / "warc"));
}
