// A host's robots.txt in the ledger: what the log and `status` say it asks, escaped as any
// text from outside is; a huge robots.txt read to RFC 9309's 500 KiB; one over the fetch's cap
// said to be unreadable rather than asking nothing.
#include "daemon/discovery/robots.hpp"
#include "daemon/ledger/ledger.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <optional>

using namespace sillok::daemon;
using sillok::test::ScratchDir;

namespace {

struct Robots {
    ScratchDir dir;
    std::filesystem::path ledger = dir.path() / "ledger.sqlite3";
    std::optional<RobotsLedger> robots;

    Robots()
    {
        REQUIRE(Ledger::open(ledger).has_value());
        auto opened = RobotsLedger::open(ledger);
        REQUIRE(opened.has_value());
        robots.emplace(std::move(*opened));
    }

    std::vector<RobotsEntry> read() const
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(ledger.c_str(), &db) == SQLITE_OK);
        auto entries = read_robots(db);
        sqlite3_close(db);
        REQUIRE(entries.has_value());
        return *entries;
    }
};

bool has_control_byte(std::string_view text)
{
    return std::ranges::any_of(text, [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && byte != '\n') || byte == 0x7f;
    });
}

} // namespace

TEST_CASE("daemon::robots control bytes in robots.txt reach neither the log nor status raw")
{
    Robots r;
    const std::string body = "User-agent: *\nDisallow: /\x1b[2J\x1b]52;c;ZXZpbA==\x07x\nAllow: /ok\rDisallow: /y\n";
    auto rules = r.robots->record("news.naver.com", 200, body, "sillok", WallClock::now());
    REQUIRE(rules.has_value());
    INFO(*rules);
    CHECK_FALSE(has_control_byte(*rules));
    CHECK(rules->contains("Disallow: /\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07x\n"));
    auto entries = r.read();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].rules == *rules);
    CHECK_FALSE(has_control_byte(entries[0].rules));
}

TEST_CASE("daemon::robots a robots.txt over 500 KiB is read to its first 500 KiB")
{
    Robots r;
    std::string body = "User-agent: *\nDisallow: /first\n";
    while (body.size() < k_robots_read_bytes - 100) {
        body += "# " + std::string(78, 'x') + "\n";
    }
    body += "Disallow: /within\n";
    while (body.size() < k_robots_read_bytes + 100) {
        body += "# " + std::string(78, 'y') + "\n";
    }
    body += "Disallow: /beyond\n";
    REQUIRE(body.size() > k_robots_read_bytes);
    auto rules = r.robots->record("news.naver.com", 200, body, "sillok", WallClock::now());
    REQUIRE(rules.has_value());
    CHECK(*rules == "Disallow: /first\nDisallow: /within\n");
}

TEST_CASE("daemon::robots a robots.txt over the fetch's cap is unreadable, not a robots.txt that asks nothing")
{
    Robots r;
    auto rules = r.robots->record("news.naver.com", 200, "", "sillok", WallClock::now(), true);
    REQUIRE(rules.has_value());
    CHECK(*rules == "unreadable (too large)\n");
    auto entries = r.read();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].rules == "unreadable (too large)\n");
    // An empty robots.txt asks nothing.
    auto empty = r.robots->record("n.news.naver.com", 200, "", "sillok", WallClock::now());
    REQUIRE(empty.has_value());
    CHECK(empty->empty());
}
