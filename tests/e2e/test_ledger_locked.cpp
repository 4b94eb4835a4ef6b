// A command on a ledger that another process holds locked says so, and which process, rather
// than "cannot start migration: database is locked" on a ledger that needs no migration.
#include "daemon/ledger/ledger.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

using namespace sillok::test;

TEST_CASE("e2e::crawl on a ledger another process holds locked names that process")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    std::filesystem::create_directories(archive);
    REQUIRE(sillok::daemon::Ledger::open(ledger).has_value()); // up to date: nothing to migrate

    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t holder = ::fork();
    REQUIRE(holder >= 0);
    if (holder == 0) {
        ::close(ready[0]);
        sqlite3* db = nullptr;
        sqlite3_open(ledger.c_str(), &db);
        const char byte = sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK ? '1' : '0';
        (void)::write(ready[1], &byte, 1);
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    REQUIRE(byte == '1');

    // The ledger's busy timeout (30 s) passes first.
    auto run = run_command({SILLOK_BINARY, "crawl", "--archive", archive.string(), "--url",
                            "https://n.news.naver.com/mnews/article/001/0000000001"});
    ::kill(holder, SIGKILL);
    ::waitpid(holder, nullptr, 0);
    INFO("stdout:\n" << run.out << "stderr:\n" << run.err);
    CHECK(run.exit_code == 75); // a temporary failure: run again once the other process is done
    CHECK(run.err.contains("is locked by another process: pid " + std::to_string(holder)));
    CHECK_FALSE(run.err.contains("migration"));
}
