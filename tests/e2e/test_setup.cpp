// scripts/setup installs everything the tests run: every program a test starts by its path
// (or through `env` or `command -v`) and every module a test's Python script imports comes
// from a package in setup's list, or from one of Debian's essential packages, which every
// Debian system has. A program or module this test does not know fails it, so that a new
// one is looked at (and its package added to the set-up) when it is first used.
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

const fs::path root = fs::path(SILLOK_E2E_DIR) / ".." / "..";

// Debian 12's essential packages among those the tests use: installed on every system.
const std::set<std::string> essential{"bash", "dash", "bsdutils", "coreutils", "gzip", "sed", "mawk", "findutils"};

// What each program the tests run is installed by (Debian 12 package names).
// clang-format off
const std::map<std::string, std::string> program_package{
    {"bash", "bash"},        {"sh", "dash"},         {"env", "coreutils"}, {"timeout", "coreutils"},
    {"mktemp", "coreutils"}, {"script", "bsdutils"}, {"gzip", "gzip"},     {"python3", "python3"},
    {"wget", "wget"},        {"node", "nodejs"},     {"npm", "npm"},       {"systemd-analyze", "systemd"},
    {"mount", "mount"},      {"umount", "mount"},    {"sed", "sed"},       {"awk", "mawk"},
    {"clang-format-16", "clang-format-16"},          {"git", "git"},    {"sha256sum", "coreutils"},
};
// clang-format on

// Python modules the tests' scripts import: the standard library's come with python3.
const std::map<std::string, std::string> module_package{
    {"csv", "python3"},      {"hashlib", "python3"},   {"json", "python3"}, {"pathlib", "python3"},
    {"re", "python3"},       {"sqlite3", "python3"},   {"sys", "python3"},  {"os", "python3"},
    {"datetime", "python3"}, {"yaml", "python3-yaml"},
};

// The words of scripts/setup's package list (and of the lines that add to it).
std::set<std::string> setup_packages()
{
    std::istringstream lines(read_file(root / "scripts" / "setup"));
    std::set<std::string> packages;
    bool in_list = false;
    for (std::string line; std::getline(lines, line);) {
        if (const auto hash = line.find('#'); hash != std::string::npos) {
            line.erase(hash);
        }
        std::string words;
        if (line.starts_with("packages=(")) {
            in_list = true;
            words = line.substr(10);
        } else if (const auto add = line.find("packages+=("); add != std::string::npos) {
            words = line.substr(add + 11, line.find(')', add) - add - 11);
        } else if (in_list) {
            words = line;
        }
        if (in_list && words.contains(')')) {
            words.erase(words.find(')'));
            in_list = false;
        }
        std::istringstream split(words);
        for (std::string word; split >> word;) {
            packages.insert(word);
        }
    }
    return packages;
}

struct Use {
    std::string name;
    std::string where;
};

// Programs started by the tests: absolute paths in argument lists, `env NAME`, `command -v NAME`.
std::vector<Use> programs_run()
{
    const std::regex by_path(R"re("(?:/usr)?/s?bin/([A-Za-z0-9_.+-]+)")re");
    const std::regex through_env(R"re("/usr/bin/env",\s*"([A-Za-z0-9_.+-]+)")re");
    const std::regex command_v(R"re(command -v ([A-Za-z0-9_.+-]+))re");
    const std::regex shell_line(R"re(std::system\("([a-z0-9_-]+) )re");
    std::vector<Use> uses;
    for (const auto& entry : fs::recursive_directory_iterator(root / "tests")) {
        const auto ext = entry.path().extension();
        if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".sh" && ext != ".txt")
            || entry.path().filename() == "test_setup.cpp") {
            continue;
        }
        const auto text = read_file(entry.path());
        for (const auto* pattern : {&by_path, &through_env, &command_v, &shell_line}) {
            for (std::sregex_iterator it(text.begin(), text.end(), *pattern), end; it != end; ++it) {
                uses.push_back({(*it)[1].str(), entry.path().filename().string()});
            }
        }
        // std::system("mount ...") is built in pieces; a mount of a test disk is in the text.
        if (text.contains("\"mount ") || text.contains("(\"mount")) {
            uses.push_back({"mount", entry.path().filename().string()});
        }
        if (text.contains("\"umount ") || text.contains("(\"umount")) {
            uses.push_back({"umount", entry.path().filename().string()});
        }
    }
    return uses;
}

std::vector<Use> python_imports()
{
    const std::regex import_line(
        R"re((?:^|\n)(?:import ([A-Za-z0-9_]+)|from ([A-Za-z0-9_]+)[A-Za-z0-9_.]* import ))re");
    std::vector<Use> uses;
    for (const auto& entry : fs::recursive_directory_iterator(root / "tests")) {
        if (!entry.is_regular_file() || entry.path().extension() != ".py") {
            continue;
        }
        const auto text = read_file(entry.path());
        for (std::sregex_iterator it(text.begin(), text.end(), import_line), end; it != end; ++it) {
            uses.push_back({(*it)[1].matched ? (*it)[1].str() : (*it)[2].str(), entry.path().filename().string()});
        }
    }
    return uses;
}

void check_installed(const Use& use, const std::map<std::string, std::string>& table,
                     const std::set<std::string>& packages)
{
    INFO(use.name << " (used by " << use.where << ")");
    const auto known = table.find(use.name);
    REQUIRE_MESSAGE(known != table.end(), "not known to this test: add its package here and to scripts/setup");
    INFO("package " << known->second);
    CHECK((essential.contains(known->second) || packages.contains(known->second)));
}

} // namespace

TEST_CASE("e2e::scripts/setup installs every program a test runs and every module a test imports")
{
    const auto packages = setup_packages();
    // The list was read: packages it has always had are in it.
    REQUIRE(packages.contains("g++"));
    REQUIRE(packages.contains("wget"));
    REQUIRE(packages.contains("nodejs"));

    const auto programs = programs_run();
    // The scan finds what the tests are known to run.
    CHECK(std::ranges::any_of(programs, [](const Use& use) { return use.name == "python3"; }));
    CHECK(std::ranges::any_of(programs, [](const Use& use) { return use.name == "systemd-analyze"; }));
    for (const auto& use : programs) {
        check_installed(use, program_package, packages);
    }
    const auto modules = python_imports();
    CHECK(std::ranges::any_of(modules, [](const Use& use) { return use.name == "yaml"; }));
    for (const auto& use : modules) {
        check_installed(use, module_package, packages);
    }
}
