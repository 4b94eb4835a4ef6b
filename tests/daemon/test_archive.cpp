#include "daemon/archive/archive.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using sillok::daemon::Archive;
using sillok::test::read_file;
using sillok::test::ScratchDir;

TEST_CASE("daemon::Archive writes files atomically and leaves no temp file")
{
    ScratchDir dir;
    auto archive = Archive::open(dir.path() / "archive");
    REQUIRE(archive.has_value());
    REQUIRE(archive->write("2024/05/30/003_0012577249.md", "first\n").has_value());
    CHECK(read_file(dir.path() / "archive/2024/05/30/003_0012577249.md") == "first\n");
    REQUIRE(archive->write("2024/05/30/003_0012577249.md", "second\n").has_value());
    CHECK(archive->read("2024/05/30/003_0012577249.md") == "second\n");
    CHECK(fs::is_empty(dir.path() / "archive" / Archive::k_temp_dir));
    CHECK_FALSE(archive->read("2024/05/30/missing.md").has_value());
}

TEST_CASE("daemon::Archive::open removes temp files of dead writers only")
{
    ScratchDir dir;
    auto temp_dir = dir.path() / "archive" / Archive::k_temp_dir;
    fs::create_directories(temp_dir);
    // A pid above the kernel's maximum (4194304) belongs to no process.
    sillok::test::write_file(temp_dir / "99999999.0.tmp", "partial");
    sillok::test::write_file(temp_dir / (std::to_string(::getpid()) + ".7.tmp"), "in progress");
    auto archive = Archive::open(dir.path() / "archive");
    REQUIRE(archive.has_value());
    CHECK_FALSE(fs::exists(temp_dir / "99999999.0.tmp"));
    CHECK(fs::exists(temp_dir / (std::to_string(::getpid()) + ".7.tmp")));
}

TEST_CASE("daemon::Archive::keep_as keeps an earlier version beside the current one")
{
    ScratchDir dir;
    auto archive = Archive::open(dir.path());
    REQUIRE(archive.has_value());
    REQUIRE(archive->write("a/x.md", "v1").has_value());
    REQUIRE(archive->keep_as("a/x.md", "a/x.v1.md").has_value());
    REQUIRE(archive->write("a/x.md", "v2").has_value());
    CHECK(archive->read("a/x.v1.md") == "v1");
    CHECK(archive->read("a/x.md") == "v2");
    // Keeping again under an existing name changes nothing.
    REQUIRE(archive->keep_as("a/x.md", "a/x.v1.md").has_value());
    CHECK(archive->read("a/x.v1.md") == "v1");
    // Moving removes the source.
    REQUIRE(archive->keep_as("a/x.md", "b/x.v2.md", true).has_value());
    CHECK_FALSE(archive->exists("a/x.md"));
    CHECK(archive->read("b/x.v2.md") == "v2");
}

TEST_CASE("daemon::Archive::open refuses a folder it cannot create")
{
    ScratchDir dir;
    sillok::test::write_file(dir.path() / "file", "not a folder");
    auto archive = Archive::open(dir.path() / "file" / "archive");
    REQUIRE_FALSE(archive.has_value());
    CHECK(archive.error().message.find("file") != std::string::npos);
}

TEST_CASE("daemon::Archive::lock_saves excludes every other saver until released")
{
    ScratchDir dir;
    auto archive = Archive::open(dir.path());
    REQUIRE(archive.has_value());
    auto try_lock = [&] {
        // A separate open file description, as another process would have.
        int fd = ::open((dir.path() / Archive::k_lock_file).c_str(), O_RDWR);
        REQUIRE(fd >= 0);
        bool got = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
        ::close(fd);
        return got;
    };
    {
        auto lock = archive->lock_saves();
        REQUIRE(lock.has_value());
        CHECK_FALSE(try_lock());
    }
    CHECK(try_lock());
}
