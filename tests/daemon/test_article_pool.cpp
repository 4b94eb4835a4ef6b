// The parsing pool and the group commit: results recorded in the order they came (one
// article's results too), a failing batch records nothing, finishing drains every job.
#include "daemon/config/config.hpp"
#include "daemon/pipeline/article_pool.hpp"
#include "daemon/service/status.hpp"
#include "daemon/util/kst.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

using sillok::daemon::Archive;
using sillok::daemon::ArticlePipeline;
using sillok::daemon::ArticlePool;
using sillok::daemon::ArticleReport;
using sillok::daemon::FetchErrorKind;
using sillok::daemon::FetchResult;
using sillok::daemon::Ledger;
using sillok::daemon::Outcome;
using sillok::daemon::PoolOptions;
using sillok::daemon::PreparedFetch;
using sillok::daemon::StorageError;
using sillok::test::ScratchDir;

namespace {

const std::vector<std::string> k_fixture_ids = {"003_0012577249", "018_0005316196", "421_0008770777"};

sillok::parsers::ArticleRef ref_of(const std::string& id) { return {id.substr(0, 3), id.substr(4)}; }

FetchResult page_fetch(const std::string& id)
{
    FetchResult fetched;
    fetched.url = ref_of(id).canonical_url();
    fetched.final_url = fetched.url;
    fetched.status = 200;
    fetched.body = sillok::test::read_file(sillok::test::fixtures_dir() / "naver/article" / (id + ".html"));
    fetched.fetched_at = sillok::daemon::wall_now();
    fetched.attempts.push_back({fetched.url, sillok::daemon::kst_iso(fetched.fetched_at), 200,
                                static_cast<int64_t>(fetched.body.size()), 10, ""});
    return fetched;
}

FetchResult gone_fetch(const std::string& id)
{
    FetchResult fetched;
    fetched.url = ref_of(id).canonical_url();
    fetched.final_url = fetched.url;
    fetched.status = 404;
    fetched.error = sillok::daemon::FetchError{FetchErrorKind::http_status, "HTTP 404"};
    fetched.fetched_at = sillok::daemon::wall_now();
    fetched.attempts.push_back({fetched.url, sillok::daemon::kst_iso(fetched.fetched_at), 404, 0, 10, "HTTP 404"});
    return fetched;
}

// One value of a query on the ledger, read by a connection of its own.
std::string ledger_value(const std::filesystem::path& ledger, const std::string& sql)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(ledger.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
        value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

void ledger_exec(const std::filesystem::path& ledger, const std::string& sql)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(ledger.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

struct Stores {
    ScratchDir scratch;
    std::filesystem::path ledger_path = scratch.path() / "ledger.sqlite3";
    Archive archive = Archive::open(scratch.path() / "archive").value();
    Ledger ledger = Ledger::open(ledger_path).value();
    ArticlePipeline pipeline{archive, ledger};
};

// What the pool reported, by the writer thread, in order.
struct Reports {
    std::mutex mutex;
    std::vector<uint64_t> tags;
    std::map<uint64_t, std::expected<ArticleReport, StorageError>> by_tag;

    ArticlePool::Done hook()
    {
        return [this](uint64_t tag, const std::expected<ArticleReport, StorageError>& report) {
            std::lock_guard lock(mutex);
            tags.push_back(tag);
            by_tag.emplace(tag, report);
        };
    }
};

} // namespace

TEST_CASE("daemon::ArticlePool reports every job in submission order and one article's results in order")
{
    Stores stores;
    Reports reports;
    {
        ArticlePool pool(stores.pipeline, PoolOptions{4, 0, 8}, reports.hook());
        uint64_t tag = 0;
        // Each article: its page, then a 404, then its page again; listings' attempts between.
        for (int round = 0; round < 3; ++round) {
            for (const auto& id : k_fixture_ids) {
                pool.submit(tag++, ref_of(id), round == 1 ? gone_fetch(id) : page_fetch(id));
                pool.submit(tag++, std::nullopt, gone_fetch(id)); // attempts only
            }
        }
        pool.finish();
        CHECK(pool.backlog() == 0);
        CHECK_FALSE(pool.storage_failure());
    }
    REQUIRE(reports.tags.size() == 18);
    for (uint64_t i = 0; i < reports.tags.size(); ++i) {
        CHECK(reports.tags[i] == i);
    }
    for (uint64_t tag = 0; tag < 18; tag += 2) {
        auto expected = tag / 6 == 1 ? Outcome::gone : tag / 6 == 0 ? Outcome::saved : Outcome::unchanged;
        REQUIRE(reports.by_tag.at(tag).has_value());
        CHECK(reports.by_tag.at(tag)->outcome == expected);
    }
    // Recorded in order: archived again after the 404, one version each, every attempt kept.
    CHECK(ledger_value(stores.ledger_path, "SELECT count(*) FROM articles WHERE state = 'archived'") == "3");
    CHECK(ledger_value(stores.ledger_path, "SELECT count(*) FROM versions") == "3");
    CHECK(ledger_value(stores.ledger_path, "SELECT count(*) FROM fetches") == "18");
    CHECK(ledger_value(stores.ledger_path, "SELECT sum(regions) + sum(whole_page) FROM extractions") == "6");
}

TEST_CASE("daemon::ArticlePipeline::commit records one article twice in one batch in order")
{
    Stores stores;
    std::vector<PreparedFetch> batch;
    const auto& id = k_fixture_ids.front();
    batch.push_back(stores.pipeline.prepare(ref_of(id), page_fetch(id)));
    batch.push_back(stores.pipeline.prepare(ref_of(id), gone_fetch(id)));
    auto results = stores.pipeline.commit(batch);
    REQUIRE(results.size() == 2);
    REQUIRE(results[0].has_value());
    REQUIRE(results[1].has_value());
    CHECK(results[0]->outcome == Outcome::saved);
    CHECK(results[1]->outcome == Outcome::gone);
    CHECK(ledger_value(stores.ledger_path, "SELECT state FROM articles") == "gone");
    CHECK(ledger_value(stores.ledger_path, "SELECT count(*) FROM versions") == "1");
}

TEST_CASE("daemon::ArticlePool: a batch whose transaction fails records none of it, and nothing after")
{
    Stores stores;
    // The batch's last statement (the extraction counts) fails: the whole batch rolls back.
    ledger_exec(stores.ledger_path, "DROP TABLE extractions");
    Reports reports;
    std::optional<std::string> failure;
    {
        ArticlePool pool(stores.pipeline, PoolOptions{2, 0, 64}, reports.hook());
        uint64_t tag = 0;
        for (const auto& id : k_fixture_ids) {
            pool.submit(tag++, ref_of(id), page_fetch(id));
        }
        pool.finish();
        failure = pool.storage_failure();
    }
    REQUIRE(failure);
    CHECK(failure->find("extractions") != std::string::npos);
    REQUIRE(reports.tags.size() == 3);
    for (const auto& [tag, report] : reports.by_tag) {
        CHECK_FALSE(report.has_value());
    }
    CHECK(ledger_value(stores.ledger_path, "SELECT count(*) FROM articles") == "0");
    CHECK(ledger_value(stores.ledger_path, "SELECT count(*) FROM fetches") == "0");
}

TEST_CASE("daemon::ArticlePool::finish drains every job submitted")
{
    Stores stores;
    Reports reports;
    {
        ArticlePool pool(stores.pipeline, PoolOptions{2, 0, 2}, reports.hook());
        for (uint64_t tag = 0; tag < 3; ++tag) {
            pool.submit(tag, ref_of(k_fixture_ids[tag]), page_fetch(k_fixture_ids[tag]));
        }
        CHECK(pool.room() <= pool.capacity() - 3);
    } // the destructor finishes
    CHECK(reports.tags.size() == 3);
    CHECK(ledger_value(stores.ledger_path, "SELECT count(*) FROM articles WHERE state = 'archived'") == "3");
    for (const auto& id : k_fixture_ids) {
        CHECK(std::filesystem::exists(
            stores.scratch.path() / "archive"
            / ledger_value(stores.ledger_path, "SELECT path FROM articles WHERE aid = '" + ref_of(id).aid + "'")));
    }
}

TEST_CASE("daemon::ArticlePool wakes the network loop once reported jobs have made room")
{
    Stores stores;
    Reports reports;
    std::mutex mutex;
    std::condition_variable woken;
    size_t wakes = 0;
    std::optional<size_t> reported_at_first_wake;
    ArticlePool pool(stores.pipeline, PoolOptions{2, 3, 64}, reports.hook());
    pool.wake_on_room([&] {
        std::lock_guard reports_lock(reports.mutex);
        std::lock_guard lock(mutex);
        ++wakes;
        if (!reported_at_first_wake) {
            reported_at_first_wake = reports.tags.size();
        }
        woken.notify_all();
    });
    for (uint64_t tag = 0; tag < 3; ++tag) {
        pool.submit(tag, ref_of(k_fixture_ids[tag]), page_fetch(k_fixture_ids[tag]));
    }
    CHECK(pool.room() == 0); // full: the feed holds back new requests
    {
        std::unique_lock lock(mutex);
        REQUIRE(woken.wait_for(lock, std::chrono::seconds(60), [&] { return reported_at_first_wake.has_value(); }));
    }
    // The jobs reported before the wake had left the backlog by then: the loop finds room.
    CHECK(*reported_at_first_wake >= 1);
    CHECK(pool.room() >= *reported_at_first_wake);
    pool.finish();
    CHECK(pool.room() == 3);
    pool.wake_on_room({});
    std::lock_guard lock(mutex);
    CHECK(wakes >= 1);
}

TEST_CASE("daemon: whole-page fallbacks are counted in the ledger and shown by status and the metrics")
{
    Stores stores;
    std::vector<PreparedFetch> batch;
    for (const auto& id : k_fixture_ids) {
        auto fetched = page_fetch(id);
        if (id == k_fixture_ids.front()) {
            fetched.body += "&#65;"; // text after the end of the document: an unusual page
        }
        batch.push_back(stores.pipeline.prepare(ref_of(id), std::move(fetched)));
    }
    CHECK(batch.front().extract.whole_page);
    for (const auto& result : stores.pipeline.commit(batch)) {
        REQUIRE(result.has_value());
        CHECK(result->outcome == Outcome::saved);
    }
    auto now = sillok::daemon::wall_now();
    auto stats = sillok::daemon::read_stats(stores.ledger_path, now);
    REQUIRE(stats.has_value());
    CHECK(stats->extract_whole_page_today == 1);
    CHECK(stats->extract_regions_today == 2);
    CHECK(stats->extract_whole_page_total == 1);
    CHECK_FALSE(stats->last_fallback.empty());
    auto text = sillok::daemon::render_status(*stats, now);
    CHECK(text.find("pages read: today 2 from their regions, 1 whole (fallback)") != std::string::npos);
    CHECK(text.find("last whole-page fallback: " + stats->last_fallback) != std::string::npos);
    CHECK(sillok::daemon::status_line(*stats).find("1 whole-page parses today") != std::string::npos);
    CHECK(sillok::daemon::render_prometheus(*stats, now).find("sillok_pages_read_total{path=\"whole_page\"} 1")
          != std::string::npos);
}

TEST_CASE("daemon: the workers setting is read from the config file and checked")
{
    ScratchDir scratch;
    const auto file = scratch.path() / "sillok.toml";
    sillok::test::write_file(file, "workers = 3\n");
    auto loaded = sillok::daemon::load_config(file);
    REQUIRE(loaded.has_value());
    CHECK(loaded->workers == 3);
    CHECK(sillok::daemon::to_toml(*loaded).find("workers = 3") != std::string::npos);
    for (int bad : {-1, 257}) {
        sillok::daemon::Config config;
        config.workers = bad;
        auto checked = sillok::daemon::validate(config);
        REQUIRE_FALSE(checked.has_value());
        CHECK(checked.error().message.find("workers") != std::string::npos);
    }
    CHECK(sillok::daemon::pool_workers(0) >= 1);
    CHECK(sillok::daemon::pool_workers(5) == 5);
}
