// Leftover temp files: removed once their writer has exited, or once they are an hour old
// whatever process now holds their writer's pid (pid 1 never exits).
#include "daemon/archive/archive.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

namespace fs = std::filesystem;

TEST_CASE("daemon::clean_stale_temp_files removes an old temp file of a live, unrelated pid")
{
    sillok::test::ScratchDir scratch;
    const auto root = scratch.path() / "archive";
    REQUIRE(sillok::daemon::Archive::open(root).has_value());
    const auto old_file = root / ".tmp" / "1.0.tmp";
    const auto fresh_file = root / ".tmp" / "1.1.tmp";
    sillok::test::write_file(old_file, "partial");
    sillok::test::write_file(fresh_file, "partial");
    fs::last_write_time(old_file, fs::file_time_type::clock::now() - std::chrono::hours(2));

    CHECK(sillok::daemon::clean_stale_temp_files(root) == 1);
    CHECK_FALSE(fs::exists(old_file));
    CHECK(fs::exists(fresh_file)); // pid 1 is alive and the file is new: its write may go on
}
