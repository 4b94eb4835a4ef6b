#pragma once
// Access to the saved Naver pages in ../shared/fixtures and per-test scratch directories.
#include "parsers/article.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace sillok::test {

// The fixtures folder (SILLOK_FIXTURES in the environment overrides the build's default).
// Fails the running test with a clear message when the folder is missing.
std::filesystem::path fixtures_dir();
std::filesystem::path seed_example_path();
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

// True once an assertion of the running test case has failed.
bool current_test_failed();

// A fresh directory under the system temp dir, removed on destruction unless the test failed
// (then its path is printed so it can be inspected).
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

// Runs a command (argv[0] is a path), capturing stdout and stderr; returns the exit code.
struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = {});

// A small made-up article with every field a ledger row holds (ledger unit tests).
parsers::Article sample_article();

// One gzip member of prefix, then `zeros` zero bytes, then suffix, compressed as it goes: a
// gzip bomb that neither side ever holds inflated.
std::string gzip_with_zeros(std::string_view prefix, std::size_t zeros, std::string_view suffix);

} // namespace sillok::test
