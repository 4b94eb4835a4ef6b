// Archive::write_group: the group commit's files, all in place or none half-written.
#include "daemon/archive/archive.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

using sillok::daemon::Archive;
using sillok::test::ScratchDir;

namespace {

size_t temp_files(const std::filesystem::path& root)
{
    size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(root / Archive::k_temp_dir)) {
        ++count;
    }
    return count;
}

} // namespace

TEST_CASE("daemon::Archive::write_group puts every file in place, or leaves no temp file")
{
    ScratchDir scratch;
    auto archive = Archive::open(scratch.path() / "archive");
    REQUIRE(archive.has_value());
    const auto& root = archive->root();

    REQUIRE(archive->write_group({{"2024/05/30/001_1.md", "one\n"}, {"2024/05/31/001_2.md", "two\n"}}).has_value());
    CHECK(sillok::test::read_file(root / "2024/05/30/001_1.md") == "one\n");
    CHECK(sillok::test::read_file(root / "2024/05/31/001_2.md") == "two\n");
    CHECK(temp_files(root) == 0);

    // The second file's folder is a file: nothing of the group is renamed into place.
    sillok::test::write_file(root / "2024/06", "not a folder");
    auto failed = archive->write_group({{"2024/05/30/001_1.md", "changed\n"}, {"2024/06/01/001_3.md", "three\n"}});
    REQUIRE_FALSE(failed.has_value());
    CHECK(sillok::test::read_file(root / "2024/05/30/001_1.md") == "one\n");
    CHECK_FALSE(std::filesystem::exists(root / "2024/06/01/001_3.md"));
    CHECK(temp_files(root) == 0);
}
