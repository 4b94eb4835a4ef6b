// Reparse throughput: a WARC of N article responses (default 10,000) built from the three
// saved article pages, each under its own made-up article id, is imported into a fresh
// archive; then `sillok reparse` reads every stored response again, on one core and on all
// cores. Prints articles/s and MB/s (decoded HTML) for each. Asserts nothing.
// Usage: reparse_throughput [--articles N]
#include "daemon/warc_writer.hpp"
#include "tests/support/fixtures.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace sillok;
using Steady = std::chrono::steady_clock;

constexpr std::string_view k_pages[] = {"003_0012577249", "018_0005316196", "421_0008770777"};

// Writes n responses to one WARC file under dir; returns it and the body bytes written.
std::pair<fs::path, size_t> build_warc(const fs::path& dir, int n)
{
    std::vector<std::string> pages;
    for (auto id : k_pages) {
        pages.push_back(test::read_file(test::fixtures_dir() / "naver" / "article" / (std::string(id) + ".html")));
    }
    size_t bytes = 0;
    std::string file;
    {
        daemon::WarcWriter writer(dir, uint64_t{1} << 40);
        for (int i = 0; i < n; ++i) {
            const auto& page = pages[static_cast<size_t>(i) % pages.size()];
            daemon::HttpExchange exchange{fmt::format("https://n.news.naver.com/mnews/article/003/09{:08}", i),
                                          daemon::WallClock::now(),
                                          "GET / HTTP/1.1\r\nHost: n.news.naver.com\r\n\r\n",
                                          "HTTP/1.1 200 OK\r\nContent-Type: text/html;charset=UTF-8\r\n\r\n", page,
                                          "127.0.0.1"};
            if (auto written = writer.write_exchange(exchange); !written) {
                fmt::print(stderr, "cannot write the WARC: {}\n", written.error().message);
                std::exit(74);
            }
            bytes += page.size();
        }
        file = writer.current_file();
    }
    return {dir / file, bytes};
}

double timed(const std::vector<std::string>& argv)
{
    auto start = Steady::now();
    auto run = test::run_command(argv);
    double seconds = std::chrono::duration<double>(Steady::now() - start).count();
    if (run.exit_code != 0) {
        fmt::print(stderr, "{} exited {}:\n{}\n", argv[1], run.exit_code, run.err);
        std::exit(1);
    }
    return seconds;
}

} // namespace

int main(int argc, char** argv)
{
    int n = 10000;
    if (argc == 3 && std::string(argv[1]) == "--articles") {
        n = std::atoi(argv[2]);
    }
    test::ScratchDir scratch;
    auto [warc, bytes] = build_warc(scratch.path() / "source", n);
    double mb = static_cast<double>(bytes) / 1e6;
    fmt::print("WARC of {} article responses: {:.1f} MB of HTML, {:.1f} MB on disk\n", n, mb,
               static_cast<double>(fs::file_size(warc)) / 1e6);
    auto archive = (scratch.path() / "archive").string();
    double imported = timed({SILLOK_BINARY, "import", "-q", "--archive", archive, warc.string()});
    fmt::print("import (one core; writes {} files):  {:8.0f} articles/s  {:6.1f} MB/s\n", n, n / imported, mb / imported);
    for (unsigned threads : {1u, std::max(1u, std::thread::hardware_concurrency())}) {
        double seconds = timed({SILLOK_BINARY, "reparse", "-q", "--archive", archive, "--threads", std::to_string(threads)});
        fmt::print("reparse, {:2} thread(s):                {:8.0f} articles/s  {:6.1f} MB/s\n", threads, n / seconds,
                   mb / seconds);
    }
    return 0;
}
