// Symbolic links inside the archive: never written through, always reported by verify.
#include "daemon/archive/archive.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/verify/verify.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;
using sillok::daemon::Archive;
using sillok::daemon::ProblemKind;
using sillok::test::ScratchDir;
using sillok::test::write_file;

TEST_CASE("daemon::Archive refuses to write through a symbolic link inside the archive")
{
    ScratchDir scratch;
    const auto root = scratch.path() / "archive";
    const auto outside = scratch.path() / "outside";
    fs::create_directories(outside);
    auto archive = Archive::open(root);
    REQUIRE(archive.has_value());

    SUBCASE("a linked folder")
    {
        fs::create_directory_symlink(outside, root / "2024");
        auto written = archive->write("2024/05/30/003_0000000001.md", "x");
        REQUIRE_FALSE(written.has_value());
        CHECK(written.error().error_number == ELOOP);
        CHECK(written.error().message.find("symbolic link") != std::string::npos);
        CHECK(fs::is_empty(outside));
    }
    SUBCASE("a linked file")
    {
        write_file(outside / "target.md", "outside");
        fs::create_directories(root / "2024/05/30");
        fs::create_symlink(outside / "target.md", root / "2024/05/30/003_0000000001.md");
        CHECK_FALSE(archive->write("2024/05/30/003_0000000001.md", "x").has_value());
        CHECK(sillok::test::read_file(outside / "target.md") == "outside");
    }
    SUBCASE("an earlier version kept into a linked folder")
    {
        REQUIRE(archive->write("2024/05/30/003_0000000001.md", "x").has_value());
        fs::create_directory_symlink(outside, root / "2023");
        CHECK_FALSE(
            archive->keep_as("2024/05/30/003_0000000001.md", "2023/003_0000000001.aaaaaaaaaaaa.md").has_value());
        CHECK(fs::is_empty(outside));
    }
    SUBCASE("the temp folder")
    {
        fs::remove_all(root / ".tmp");
        fs::create_directory_symlink(outside, root / ".tmp");
        CHECK_FALSE(archive->write("2024/05/30/003_0000000001.md", "x").has_value());
        CHECK(fs::is_empty(outside));
    }
}

TEST_CASE("daemon::verify_archive reports symbolic links instead of skipping them")
{
    ScratchDir scratch;
    const auto root = scratch.path() / "archive";
    const auto outside = scratch.path() / "outside";
    fs::create_directories(outside);
    REQUIRE(Archive::open(root).has_value());
    REQUIRE(sillok::daemon::Ledger::open(root / "ledger.sqlite3").has_value());
    write_file(outside / "003_0000000001.md", "---\n");
    fs::create_directory_symlink(outside, root / "2024");

    std::ostringstream out;
    auto report = sillok::daemon::verify_archive({root, {}, false}, out);
    REQUIRE(report.has_value());
    CHECK_FALSE(report->clean());
    CHECK(report->count(ProblemKind::symlink) == 1);
    CHECK(out.str().find("symlink\t2024\t") != std::string::npos);
    CHECK(to_string(ProblemKind::symlink) == "symlink");
}
