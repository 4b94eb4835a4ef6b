// Reparse throughput: a WARC of N article responses (default 10,000) built from the three
// saved article pages, each under its own made-up article id, is imported into a fresh
// archive; then `sillok reparse` reads every stored response again, on one core and on all
// cores. Prints articles/s and MB/s (decoded HTML) for each, and the CPU time the command
// took (user + system), which a shared machine slows less than the wall time. Asserts nothing.
// Usage: reparse_throughput [--articles N]
#include "daemon/warc/warc_writer.hpp"
#include "tests/support/fixtures.hpp"

#include <fmt/format.h>

#include <sys/resource.h>

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
            auto url = fmt::format("https://n.news.naver.com/mnews/article/003/09{:08}", i);
            // The page names the made-up id as its own: import files a page only under that.
            auto page = pages[static_cast<size_t>(i) % pages.size()];
            constexpr std::string_view k_own_url = "property=\"og:url\" content=\"";
            if (auto at = page.find(k_own_url); at != std::string::npos) {
                at += k_own_url.size();
                page.replace(at, page.find('"', at) - at, url);
            }
            daemon::HttpExchange exchange{url,
                                          daemon::WallClock::now(),
                                          "GET / HTTP/1.1\r\nHost: n.news.naver.com\r\n\r\n",
                                          "HTTP/1.1 200 OK\r\nContent-Type: text/html;charset=UTF-8\r\n\r\n",
                                          page,
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

// User + system CPU seconds of the children reaped so far.
double children_cpu_seconds()
{
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Timing {
    double wall = 0; // seconds
    double cpu = 0;  // seconds, user + system
};

Timing timed(const std::vector<std::string>& argv)
{
    auto cpu_before = children_cpu_seconds();
    auto start = Steady::now();
    auto run = test::run_command(argv);
    double seconds = std::chrono::duration<double>(Steady::now() - start).count();
    if (run.exit_code != 0) {
        fmt::print(stderr, "{} exited {}:\n{}\n", argv[1], run.exit_code, run.err);
        std::exit(1);
    }
    return Timing{seconds, children_cpu_seconds() - cpu_before};
}

void print(std::string_view what, int n, double mb, Timing timing)
{
    fmt::print("{:<38} {:8.0f} articles/s  {:6.1f} MB/s   CPU {:6.1f} s ({:5.2f} ms/article)\n", what, n / timing.wall,
               mb / timing.wall, timing.cpu, 1000 * timing.cpu / n);
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
    print(fmt::format("import (one core; writes {} files):", n), n, mb,
          timed({SILLOK_BINARY, "import", "-q", "--archive", archive, warc.string()}));
    for (unsigned threads : {1u, std::max(1u, std::thread::hardware_concurrency())}) {
        print(fmt::format("reparse, {} thread(s):", threads), n, mb,
              timed({SILLOK_BINARY, "reparse", "-q", "--archive", archive, "--threads", std::to_string(threads)}));
    }
    return 0;
}
