// Memory of `sillok export`: a made-up archive of N articles (tests/support's synthetic
// archive), exported by the real binary as JSON Lines and as CSV to /dev/null; the peak
// resident memory (ru_maxrss of the finished child) for a small export and for all N shows
// whether memory grows with the archive.
#include "tests/support/synthetic_archive.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Measured {
    int exit_code = -1;
    long max_rss_kib = 0;
    double seconds = 0;
};

// Runs argv with stdout on /dev/null; returns its exit code, peak RSS and wall time.
Measured run_measured(const std::vector<std::string>& argv)
{
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    Measured measured;
    if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
        int status = 0;
        rusage usage{};
        wait4(pid, &status, 0, &usage);
        measured.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        measured.max_rss_kib = usage.ru_maxrss;
    }
    posix_spawn_file_actions_destroy(&actions);
    measured.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return measured;
}

} // namespace

int main(int argc, char** argv)
{
    std::string sillok = SILLOK_BINARY;
    size_t articles = 100000;
    std::string dir;
    CLI::App app{"Peak memory of sillok export on a made-up archive"};
    app.add_option("--sillok", sillok, "sillok binary");
    app.add_option("--articles", articles, "Articles in the archive (default 100000)");
    app.add_option("--dir", dir, "Folder for the archive (default: a new one under the temp folder, removed after)");
    CLI11_PARSE(app, argc, argv);

    auto root =
        dir.empty() ? fs::temp_directory_path() / fmt::format("sillok-export-bench-{}", getpid()) : fs::path(dir);
    auto archive = root / "archive";
    auto start = std::chrono::steady_clock::now();
    sillok::test::write_synthetic_archive(archive, articles);
    std::cout << fmt::format("archive\t{} articles written in {:.1f} s\n", articles,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    for (std::string format : {"jsonl", "csv"}) {
        // One day of the 28 (about 1/28 of the articles), then all of them.
        auto small = run_measured({sillok, "export", "--archive", archive.string(), "--format", format, "--from",
                                   "2024-01-01", "--to", "2024-01-01"});
        auto all = run_measured({sillok, "export", "--archive", archive.string(), "--format", format});
        std::cout << fmt::format("{}\tone day: exit {}, peak RSS {} KiB, {:.2f} s\n", format, small.exit_code,
                                 small.max_rss_kib, small.seconds);
        std::cout << fmt::format("{}\tall {}: exit {}, peak RSS {} KiB, {:.2f} s ({:.0f} articles/s)\n", format,
                                 articles, all.exit_code, all.max_rss_kib, all.seconds,
                                 static_cast<double>(articles) / all.seconds);
    }
    if (dir.empty()) {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    return 0;
}
