#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/statement_cache.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

namespace sql = sillok::daemon::sql;
using sillok::daemon::FetchRecord;
using sillok::daemon::Ledger;
using sillok::daemon::SavedVersion;
using sillok::test::sample_article;
using sillok::test::ScratchDir;

namespace {

sillok::daemon::SqliteDb memory_db()
{
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(":memory:", &raw) == SQLITE_OK);
    sillok::daemon::SqliteDb db(raw);
    REQUIRE(
        sqlite3_exec(raw, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)", nullptr, nullptr, nullptr)
        == SQLITE_OK);
    return db;
}

int statements_of(sqlite3* db)
{
    int count = 0;
    for (auto* stmt = sqlite3_next_stmt(db, nullptr); stmt != nullptr; stmt = sqlite3_next_stmt(db, stmt)) {
        ++count;
    }
    return count;
}

} // namespace

TEST_CASE("daemon::sql::StatementCache prepares each SQL text once")
{
    auto db = memory_db();
    sql::StatementCache cache;
    auto* first = cache.find_or_prepare(db.get(), "SELECT x FROM t WHERE x = ?1");
    REQUIRE(first != nullptr);
    CHECK(cache.find_or_prepare(db.get(), "SELECT x FROM t WHERE x = ?1") == first);
    auto* other = cache.find_or_prepare(db.get(), "SELECT count(*) FROM t");
    REQUIRE(other != nullptr);
    CHECK(other != first);
    CHECK(statements_of(db.get()) == 2);
}

TEST_CASE("daemon::sql::StatementCache gives no statement for SQL that does not prepare, and keeps none")
{
    auto db = memory_db();
    sql::StatementCache cache;
    CHECK(cache.find_or_prepare(db.get(), "SELECT x FROM nowhere") == nullptr);
    CHECK(std::string(sqlite3_errmsg(db.get())).find("nowhere") != std::string::npos);
    CHECK(statements_of(db.get()) == 0);
}

TEST_CASE("daemon::sql::CachedStatement resets its statement when the use ends at a row")
{
    auto db = memory_db();
    sql::StatementCache cache;
    auto* stmt = cache.find_or_prepare(db.get(), "SELECT x FROM t ORDER BY x");
    REQUIRE(stmt != nullptr);
    {
        sql::CachedStatement use(stmt);
        REQUIRE(sqlite3_step(use.get()) == SQLITE_ROW);
        CHECK(sqlite3_stmt_busy(stmt) != 0);
    }
    CHECK(sqlite3_stmt_busy(stmt) == 0);
    CHECK(sqlite3_get_autocommit(db.get()) != 0);
}

// A lookup stops at its row; its kept statement must not pin the snapshot it read, or the
// next read on the connection misses what another process committed meanwhile.
TEST_CASE("daemon::Ledger sees another connection's commit after a lookup that found its article")
{
    ScratchDir dir;
    auto path = dir.path() / "ledger.sqlite3";
    auto reader = Ledger::open(path);
    REQUIRE(reader.has_value());
    auto seen = sample_article();
    const std::vector<FetchRecord> fetch{
        {seen.ref.canonical_url(), "2026-01-01T09:00:00.000+09:00", 200, 1234, 56, {}}};
    REQUIRE(reader->record_version(
        SavedVersion{seen, std::string(64, 'a'), "2024/05/30/seen.md", "2026-01-01T09:00:00+09:00", std::nullopt},
        fetch));
    auto found = reader->find(seen.ref);
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());

    auto later = sample_article();
    later.ref.aid = "0000000001";
    {
        auto writer = Ledger::open(path);
        REQUIRE(writer.has_value());
        REQUIRE(writer->record_version(
            SavedVersion{later, std::string(64, 'b'), "2024/05/30/later.md", "2026-01-01T09:01:00+09:00", std::nullopt},
            fetch));
    }
    auto versions = reader->versions(later.ref);
    REQUIRE(versions.has_value());
    CHECK(versions->size() == 1);
}
