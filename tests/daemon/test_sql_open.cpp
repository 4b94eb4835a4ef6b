#include "daemon/ledger/sql.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

namespace sql = sillok::daemon::sql;

namespace {

int pragma(sqlite3* db, const char* name)
{
    auto stmt = sql::prepare(db, std::string("PRAGMA ") + name);
    REQUIRE(stmt);
    REQUIRE(sqlite3_step(stmt.get()) == SQLITE_ROW);
    return sqlite3_column_int(stmt.get(), 0);
}

} // namespace

TEST_CASE("daemon::sql::open_connection opens each kind of connection as its options say")
{
    sillok::test::ScratchDir dir;
    auto path = dir.path() / "ledger.sqlite3";

    SUBCASE("a state connection needs an existing ledger")
    {
        auto db = sql::open_connection(path, sql::k_state);
        REQUIRE_FALSE(db);
        CHECK(db.error().sqlite_code == SQLITE_CANTOPEN);
        CHECK_FALSE(std::filesystem::exists(path));
    }
    SUBCASE("article data is created, synced FULL, with foreign keys; state is NORMAL")
    {
        auto article = sql::open_connection(path, sql::k_article_data);
        REQUIRE(article);
        CHECK(pragma(article->get(), "synchronous") == 2);
        CHECK(pragma(article->get(), "foreign_keys") == 1);
        REQUIRE(sqlite3_exec(article->get(), "CREATE TABLE t (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
        auto state = sql::open_connection(path, sql::k_state);
        REQUIRE(state);
        CHECK(pragma(state->get(), "synchronous") == 1);
        CHECK(pragma(state->get(), "foreign_keys") == 0);
    }
    SUBCASE("a read-only connection reads but never writes")
    {
        REQUIRE(sql::open_connection(path, sql::k_article_data));
        auto reader = sql::open_connection(path, sql::k_read_only);
        REQUIRE(reader);
        CHECK(pragma(reader->get(), "user_version") == 0);
        CHECK((sqlite3_exec(reader->get(), "CREATE TABLE t (x)", nullptr, nullptr, nullptr) & 0xff) == SQLITE_READONLY);
    }
    SUBCASE("a file that is not a database says so by its code")
    {
        sillok::test::write_file(path, std::string(4096, 'x'));
        auto reader = sql::open_connection(path, sql::k_read_only);
        REQUIRE_FALSE(reader);
        CHECK(reader.error().sqlite_code == SQLITE_NOTADB);
    }
}

TEST_CASE("daemon::sql::Bound makes a statement fail when a parameter cannot be bound")
{
    sillok::test::ScratchDir dir;
    auto db = sql::open_connection(dir.path() / "ledger.sqlite3", sql::k_article_data);
    REQUIRE(db);
    auto stmt = sql::prepare(db->get(), "SELECT ?1");
    REQUIRE(stmt);
    // A second parameter the statement does not have.
    CHECK(sql::Bound(stmt.get()).integer(1).integer(2).step() == SQLITE_RANGE);
    CHECK(sql::Bound(stmt.get()).integer(1).step() == SQLITE_ROW);
    CHECK_FALSE(sql::prepare(db->get(), "SELEKT 1"));
}
