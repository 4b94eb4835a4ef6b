// A fetch's WARC records built on the parsing threads (prepare) and only appended by the
// group commit: which responses get records prepared, that a batch's records are where
// its fetch rows point, and that an unchanged page's prepared records are dropped.
#include "daemon/pipeline/crawl.hpp"
#include "daemon/util/kst.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace sillok::daemon;
using sillok::test::ScratchDir;

namespace {

const std::vector<std::string> k_ids = {"003_0012577249", "018_0005316196"};

sillok::parsers::ArticleRef ref_of(const std::string& id) { return {id.substr(0, 3), id.substr(4)}; }

FetchResult page_response(const std::string& id, long status = 200)
{
    FetchResult fetched;
    fetched.url = ref_of(id).canonical_url();
    fetched.final_url = fetched.url;
    fetched.status = status;
    if (status == 200) {
        fetched.body = sillok::test::read_file(sillok::test::fixtures_dir() / "naver/article" / (id + ".html"));
    } else {
        fetched.error = FetchError{FetchErrorKind::http_status, "HTTP " + std::to_string(status)};
    }
    fetched.fetched_at = wall_now();
    fetched.request_head = "GET /article HTTP/1.1\r\nHost: n.news.naver.com\r\n\r\n";
    fetched.response_head = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: text/html\r\n\r\n";
    fetched.attempts.push_back({fetched.url, kst_iso(fetched.fetched_at), status,
                                static_cast<int64_t>(fetched.body.size()), 10, status == 200 ? "" : "HTTP 404"});
    return fetched;
}

struct Stores {
    explicit Stores(const std::filesystem::path& root, WarcMode mode)
        : archive(Archive::open(root).value()), ledger(Ledger::open(root / "ledger.sqlite3").value()),
          writer(root, k_default_warc_file_bytes), pipeline(archive, ledger, ResponseKeeper{&writer, mode})
    {
    }
    Archive archive;
    Ledger ledger;
    WarcWriter writer;
    ArticlePipeline pipeline;
};

// file, offset, length of every fetch row that points at WARC, in insertion order.
std::vector<std::tuple<std::string, int64_t, int64_t>> warc_links(const std::filesystem::path& ledger)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(ledger.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "SELECT warc_file, warc_offset, warc_length FROM fetches"
                               " WHERE warc_file IS NOT NULL ORDER BY id",
                               -1, &stmt, nullptr)
            == SQLITE_OK);
    std::vector<std::tuple<std::string, int64_t, int64_t>> links;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        links.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), sqlite3_column_int64(stmt, 1),
                           sqlite3_column_int64(stmt, 2));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return links;
}

} // namespace

TEST_CASE("warc::prepare builds the records of a response that may be kept, and only those")
{
    ScratchDir dir;
    Stores versions(dir.path() / "versions", WarcMode::versions);
    auto page = versions.pipeline.prepare(ref_of(k_ids[0]), page_response(k_ids[0]));
    REQUIRE(page.article);
    CHECK(page.warc_members.size() == 2); // request and response
    auto gone = versions.pipeline.prepare(ref_of(k_ids[0]), page_response(k_ids[0], 404));
    CHECK(gone.decided == Outcome::gone);
    CHECK(gone.warc_members.empty());

    Stores all(dir.path() / "all", WarcMode::all);
    CHECK(all.pipeline.prepare(ref_of(k_ids[0]), page_response(k_ids[0], 404)).warc_members.size() == 2);

    Stores off(dir.path() / "off", WarcMode::off);
    CHECK(off.pipeline.prepare(ref_of(k_ids[0]), page_response(k_ids[0])).warc_members.empty());
}

TEST_CASE("warc::a batch appends its prepared records where its fetch rows point")
{
    ScratchDir dir;
    Stores stores(dir.path(), WarcMode::versions);
    std::vector<PreparedFetch> batch;
    for (const auto& id : k_ids) {
        batch.push_back(stores.pipeline.prepare(ref_of(id), page_response(id)));
    }
    auto results = stores.pipeline.commit(batch);
    for (const auto& result : results) {
        REQUIRE(result);
        CHECK(result->outcome == Outcome::saved);
    }
    auto links = warc_links(dir.path() / "ledger.sqlite3");
    REQUIRE(links.size() == 2);
    for (size_t i = 0; i < links.size(); ++i) {
        const auto& [file, offset, length] = links[i];
        auto record = read_record_at(dir.path() / file, static_cast<uint64_t>(offset), static_cast<uint64_t>(length));
        REQUIRE_MESSAGE(record, record.error());
        CHECK(record->type() == "response");
        CHECK(record->field("WARC-Target-URI") == ref_of(k_ids[i]).canonical_url());
        CHECK(check_digests(*record));
    }
    auto size = std::filesystem::file_size(dir.path() / std::get<0>(links[0]));

    // The same page again is unchanged: its prepared records are dropped, not appended.
    std::vector<PreparedFetch> again;
    again.push_back(stores.pipeline.prepare(ref_of(k_ids[0]), page_response(k_ids[0])));
    CHECK(again.front().warc_members.size() == 2);
    auto unchanged = stores.pipeline.commit(again);
    REQUIRE(unchanged.front());
    CHECK(unchanged.front()->outcome == Outcome::unchanged);
    CHECK(std::filesystem::file_size(dir.path() / std::get<0>(links[0])) == size);
    CHECK(warc_links(dir.path() / "ledger.sqlite3").size() == 2);
}
