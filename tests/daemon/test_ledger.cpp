#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/migrations.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using sillok::daemon::FetchRecord;
using sillok::daemon::Ledger;
using sillok::daemon::SavedVersion;
using sillok::daemon::SaveResult;
using sillok::test::sample_article;
using sillok::test::ScratchDir;

namespace {

std::vector<FetchRecord> one_fetch(const std::string& url)
{
    return {FetchRecord{url, "2026-01-01T09:00:00.000+09:00", 200, 1234, 56, {}}};
}

// A value from a fresh read-only connection, so the test sees what is on disk.
std::string query_one(const std::filesystem::path& path, const std::string& sql)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
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

} // namespace

TEST_CASE("daemon::Ledger opens, migrates and uses WAL")
{
    ScratchDir dir;
    auto path = dir.path() / "ledger.sqlite3";
    {
        auto ledger = Ledger::open(path);
        REQUIRE(ledger.has_value());
        CHECK(ledger->schema_version() == static_cast<int>(sillok::daemon::migrations().size()));
    }
    CHECK(query_one(path, "PRAGMA user_version") == std::to_string(sillok::daemon::migrations().size()));
    CHECK(query_one(path, "PRAGMA journal_mode") == "wal");
    CHECK(query_one(path, "PRAGMA integrity_check") == "ok");
    // Opening again migrates nothing and keeps the data.
    auto again = Ledger::open(path);
    REQUIRE(again.has_value());
}

TEST_CASE("daemon::Ledger refuses a ledger from a newer sillok")
{
    ScratchDir dir;
    auto path = dir.path() / "ledger.sqlite3";
    REQUIRE(Ledger::open(path).has_value());
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto ledger = Ledger::open(path);
    REQUIRE_FALSE(ledger.has_value());
    CHECK(ledger.error().message.find("newer") != std::string::npos);
}

TEST_CASE("daemon::Ledger records versions, keeps earlier ones and every fetch")
{
    ScratchDir dir;
    auto path = dir.path() / "ledger.sqlite3";
    auto ledger = Ledger::open(path);
    REQUIRE(ledger.has_value());
    auto article = sample_article();
    const auto url = article.ref.canonical_url();

    auto none = ledger->find(article.ref);
    REQUIRE(none.has_value());
    CHECK_FALSE(none->has_value());

    auto first = ledger->record_version(SavedVersion{article, std::string(64, 'a'), "2024/05/30/003_0012577249.md",
                                                     "2026-01-01T09:00:00+09:00", std::nullopt},
                                        one_fetch(url));
    REQUIRE(first.has_value());
    CHECK(*first == SaveResult::inserted);

    // The same content again (another process got there first): no new version.
    auto same = ledger->record_version(SavedVersion{article, std::string(64, 'a'), "2024/05/30/003_0012577249.md",
                                                    "2026-01-01T10:00:00+09:00", std::nullopt},
                                       one_fetch(url));
    REQUIRE(same.has_value());
    CHECK(*same == SaveResult::already_current);

    article.content = "고친 본문";
    auto second =
        ledger->record_version(SavedVersion{article, std::string(64, 'b'), "2024/05/30/003_0012577249.md",
                                            "2026-01-02T09:00:00+09:00", "2024/05/30/003_0012577249.aaaaaaaaaaaa.md"},
                               one_fetch(url));
    REQUIRE(second.has_value());
    CHECK(*second == SaveResult::inserted);

    auto versions = ledger->versions(article.ref);
    REQUIRE(versions.has_value());
    REQUIRE(versions->size() == 2);
    CHECK((*versions)[0].version == 1);
    CHECK((*versions)[0].content_hash == std::string(64, 'a'));
    CHECK((*versions)[0].path == "2024/05/30/003_0012577249.aaaaaaaaaaaa.md");
    CHECK((*versions)[1].version == 2);
    CHECK((*versions)[1].path == "2024/05/30/003_0012577249.md");
    CHECK((*versions)[1].rules_version == sillok::parsers::k_content_rules_version);

    auto current = ledger->find(article.ref);
    REQUIRE(current.has_value());
    REQUIRE(current->has_value());
    CHECK((*current)->content_hash == std::string(64, 'b'));
    CHECK((*current)->current_version == 2);
    CHECK(query_one(path, "SELECT count(*) FROM fetches") == "3");
    CHECK(query_one(path, "SELECT title FROM articles") == "제목");
}

TEST_CASE("daemon::Ledger records gone and failed fetches")
{
    ScratchDir dir;
    auto path = dir.path() / "ledger.sqlite3";
    auto ledger = Ledger::open(path);
    REQUIRE(ledger.has_value());
    sillok::parsers::ArticleRef ref{"001", "0000000001"};
    std::vector<FetchRecord> failed = {
        FetchRecord{ref.canonical_url(), "2026-01-01T09:00:00.000+09:00", 503, 10, 5, "http_status: HTTP 503"},
        FetchRecord{ref.canonical_url(), "2026-01-01T09:00:01.000+09:00", std::nullopt, 0, 2000, "timeout: slow"}};
    REQUIRE(ledger->record_fetches(failed).has_value());
    REQUIRE(ledger->record_state(ref, "gone", "HTTP 404", "2026-01-01T09:00:02+09:00", one_fetch(ref.canonical_url()))
                .has_value());
    auto found = ledger->find(ref);
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    CHECK((*found)->state == "gone");
    CHECK_FALSE((*found)->content_hash.has_value());
    CHECK(query_one(path, "SELECT count(*) FROM fetches WHERE status IS NULL") == "1");
    CHECK(query_one(path, "SELECT error FROM fetches WHERE status = 503") == "http_status: HTTP 503");
}
