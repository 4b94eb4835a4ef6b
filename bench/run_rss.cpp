// Memory and CPU of `sillok run` with a large frontier. A ledger is filled with made-up
// refs (priority backfill), the stand-in serves a saved article page at each, then:
//   1. `sillok run --rate R` for some seconds: VmRSS sampled every second, and what is
//      still pending when it stops;
//   2. `sillok run --rate 0 --concurrency C` on the same archive until it has archived
//      warmup + N more articles: CPU (utime + stime) and wall time of the N.
#include "bench/site.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/util/c_handles.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/https_server.hpp"

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace {

using namespace sillok;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
    std::string sillok = SILLOK_BINARY;
    std::size_t items = 100000;
    int seconds = 20;
    double rate = 5;
    std::size_t articles = 500;
    std::size_t warmup = 100;
    int concurrency = 4;
};

// One `sillok` process; its output goes to a log file. Killed if still running at the end.
class Daemon {
public:
    Daemon(const std::vector<std::string>& args, const fs::path& log)
    {
        std::vector<char*> argv;
        for (const auto& arg : args) {
            argv.push_back(const_cast<char*>(arg.c_str()));
        }
        argv.push_back(nullptr);
        m_pid = fork();
        if (m_pid < 0) {
            throw std::runtime_error("fork failed");
        }
        if (m_pid == 0) {
            int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(out, 1);
            ::dup2(out, 2);
            sigset_t none;
            sigemptyset(&none);
            pthread_sigmask(SIG_SETMASK, &none, nullptr);
            ::execv(argv[0], argv.data());
            _exit(127);
        }
    }
    ~Daemon()
    {
        if (m_pid > 0 && !m_exit) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    [[nodiscard]] pid_t pid() const { return m_pid; }
    [[nodiscard]] bool running()
    {
        int status = 0;
        if (!m_exit && ::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        return !m_exit;
    }
    // SIGTERM (the service drains and exits), then waits; SIGKILL after the timeout.
    int stop(std::chrono::seconds timeout = 60s)
    {
        if (running()) {
            ::kill(m_pid, SIGTERM);
        }
        auto deadline = Steady::now() + timeout;
        while (running() && Steady::now() < deadline) {
            std::this_thread::sleep_for(20ms);
        }
        if (running()) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
            m_exit = 128 + SIGKILL;
        }
        return *m_exit;
    }

private:
    pid_t m_pid = -1;
    std::optional<int> m_exit;
};

// A field of /proc/PID/status in kB ("VmRSS", "VmHWM"); nullopt once the process is gone.
std::optional<long> status_kb(pid_t pid, std::string_view field)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
            return std::stol(line.substr(field.size() + 1));
        }
    }
    return std::nullopt;
}

// utime + stime of a process from /proc/PID/stat, in milliseconds.
double cpu_ms(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may hold spaces.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    long utime = 0;
    long stime = 0;
    for (int number = 3; fields >> field; ++number) {
        if (number == 14) {
            utime = std::stol(field);
        } else if (number == 15) {
            stime = std::stol(field);
            break;
        }
    }
    return 1000.0 * static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Counts the ledger's articles through a read-only connection of its own.
class ArticleCounter {
public:
    explicit ArticleCounter(const fs::path& ledger)
    {
        sqlite3* raw = nullptr;
        sqlite3_open_v2(ledger.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
        m_db.reset(raw);
        sqlite3_busy_timeout(m_db.get(), 5000);
        m_count = daemon::sql::prepare(m_db.get(), "SELECT count(*) FROM articles WHERE state = 'archived'");
        if (!m_count) {
            throw std::runtime_error("cannot read " + ledger.string() + ": " + sqlite3_errmsg(m_db.get()));
        }
    }
    std::int64_t archived()
    {
        daemon::sql::Bound step(m_count.get());
        return step.step() == SQLITE_ROW ? sqlite3_column_int64(m_count.get(), 0) : -1;
    }

private:
    daemon::SqliteDb m_db;
    daemon::SqliteStmt m_count;
};

double mib(long kb) { return static_cast<double>(kb) / 1024.0; }

void print_mib(const char* label, double value) { std::printf("  %-34s %8.1f MiB\n", label, value); }

std::vector<std::string> run_args(const Options& options, const test::NaverStandIn& server, const fs::path& archive,
                                  double rate, int concurrency)
{
    std::vector<std::string> args{options.sillok,
                                  "run",
                                  "--archive",
                                  archive.string(),
                                  "--section",
                                  "100",
                                  "--poll-interval",
                                  "86400",
                                  "--timeout",
                                  "20",
                                  "--rate",
                                  std::to_string(rate),
                                  "--concurrency",
                                  std::to_string(concurrency),
                                  "-q"};
    auto server_args = server.curl_args();
    args.insert(args.end(), server_args.begin(), server_args.end());
    return args;
}

void fill_frontier(const std::vector<parsers::ArticleRef>& refs, const fs::path& ledger)
{
    auto created = daemon::Ledger::open(ledger); // creates and migrates the ledger
    if (!created) {
        throw std::runtime_error(created.error().message);
    }
    auto frontier = daemon::Frontier::open(ledger);
    if (!frontier) {
        throw std::runtime_error(frontier.error().message);
    }
    auto started = Steady::now();
    auto added = frontier->enqueue(refs, daemon::QueueSource::backfill, daemon::WallClock::now());
    if (!added) {
        throw std::runtime_error(added.error().message);
    }
    auto took = std::chrono::duration<double>(Steady::now() - started).count();
    std::printf("frontier: %zu items queued in %.2f s\n", *added, took);
}

void measure_rss(const Options& options, const test::NaverStandIn& server, const fs::path& work)
{
    auto archive = work / "archive";
    Daemon daemon(run_args(options, server, archive, options.rate, 2), work / "run-rss.log");
    std::vector<long> samples;
    for (int second = 0; second < options.seconds && daemon.running(); ++second) {
        std::this_thread::sleep_for(1s);
        if (auto rss = status_kb(daemon.pid(), "VmRSS")) {
            samples.push_back(*rss);
        }
    }
    auto peak = status_kb(daemon.pid(), "VmHWM");
    int exit_code = daemon.stop();
    if (samples.empty()) {
        throw std::runtime_error("sillok run ended at once (exit " + std::to_string(exit_code) + "); see "
                                 + (work / "run-rss.log").string());
    }
    std::ostringstream series;
    for (auto rss : samples) {
        series << (series.tellp() > 0 ? " " : "") << static_cast<long>(mib(rss) + 0.5);
    }
    auto sorted = samples;
    std::ranges::sort(sorted);

    auto frontier = daemon::Frontier::open(archive / "ledger.sqlite3");
    if (!frontier) {
        throw std::runtime_error(frontier.error().message);
    }
    auto counts = frontier->counts_by_state();
    if (!counts) {
        throw std::runtime_error("cannot read the frontier after the run");
    }
    std::printf("\n1. sillok run --rate %g --concurrency 2, %zu frontier items, %d s (exit %d)\n", options.rate,
                options.items, options.seconds, exit_code);
    std::printf("  VmRSS every second (MiB): %s\n", series.str().c_str());
    print_mib("VmRSS min", mib(sorted.front()));
    print_mib("VmRSS median", mib(sorted[sorted.size() / 2]));
    print_mib("VmRSS max", mib(sorted.back()));
    if (peak) {
        print_mib("VmHWM (peak) at stop", mib(*peak));
    }
    std::printf("  %-34s %8lld\n", "frontier items archived (done)", static_cast<long long>(counts->at("done")));
    std::printf("  %-34s %8lld\n", "frontier items still pending", static_cast<long long>(counts->at("pending")));
}

// Polls until the archive holds `target` articles; false when the daemon ends first or
// archives nothing for a minute.
bool wait_for_articles(Daemon& daemon, ArticleCounter& counter, std::int64_t target)
{
    constexpr auto k_stall = 60s;
    auto last = counter.archived();
    auto last_progress = Steady::now();
    while (daemon.running() && Steady::now() - last_progress < k_stall) {
        auto archived = counter.archived();
        if (archived >= target) {
            return true;
        }
        if (archived > last) {
            last = archived;
            last_progress = Steady::now();
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

void measure_cpu(const Options& options, const test::NaverStandIn& server, const fs::path& work)
{
    auto archive = work / "archive";
    ArticleCounter counter(archive / "ledger.sqlite3");
    auto before = counter.archived();
    Daemon daemon(run_args(options, server, archive, 0, options.concurrency), work / "run-cpu.log");
    auto start = before + static_cast<std::int64_t>(options.warmup);
    auto end = start + static_cast<std::int64_t>(options.articles);
    if (!wait_for_articles(daemon, counter, start)) {
        throw std::runtime_error("sillok run did not archive the warm-up articles; see "
                                 + (work / "run-cpu.log").string());
    }
    auto cpu_start = cpu_ms(daemon.pid());
    auto wall_start = Steady::now();
    auto archived_start = counter.archived();
    if (!wait_for_articles(daemon, counter, end)) {
        throw std::runtime_error("sillok run stopped before archiving " + std::to_string(options.articles)
                                 + " articles; see " + (work / "run-cpu.log").string());
    }
    auto cpu_end = cpu_ms(daemon.pid());
    auto wall = std::chrono::duration<double>(Steady::now() - wall_start).count();
    auto archived = static_cast<double>(counter.archived() - archived_start);
    auto peak = status_kb(daemon.pid(), "VmHWM");
    int exit_code = daemon.stop();

    std::printf("\n2. sillok run --rate 0 --concurrency %d: %.0f articles after %zu of warm-up (exit %d)\n",
                options.concurrency, archived, options.warmup, exit_code);
    std::printf("  %-34s %8.2f ms\n", "CPU (user + system) per article", (cpu_end - cpu_start) / archived);
    std::printf("  %-34s %8.1f articles/s\n", "throughput", archived / wall);
    if (peak) {
        print_mib("VmHWM (peak)", mib(*peak));
    }
}

int run(const Options& options)
{
    auto pages = bench::load_saved_pages();
    auto refs = bench::made_up_refs(pages, options.items);
    test::NaverStandIn server;
    bench::serve_articles(server, pages, refs);
    bench::serve_empty_sections(server, {"100"});
    test::ScratchDir work;
    fs::create_directories(work.path() / "archive");
    std::printf("sillok: %s\n", options.sillok.c_str());
    fill_frontier(refs, work.path() / "archive" / "ledger.sqlite3");
    measure_rss(options, server, work.path());
    measure_cpu(options, server, work.path());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"RSS and CPU per article of `sillok run` with a large frontier, against a local stand-in"};
    Options options;
    app.add_option("--sillok", options.sillok, "The sillok binary")->check(CLI::ExistingFile);
    app.add_option("--items", options.items, "Frontier items queued before the run")->check(CLI::PositiveNumber);
    app.add_option("--seconds", options.seconds, "Length of the RSS run")->check(CLI::Range(1, 3600));
    app.add_option("--rate", options.rate, "--rate of the RSS run")->check(CLI::PositiveNumber);
    app.add_option("--articles", options.articles, "Articles the CPU figure is taken over")->check(CLI::PositiveNumber);
    app.add_option("--warmup", options.warmup, "Articles archived before the CPU figure starts");
    app.add_option("--concurrency", options.concurrency, "--concurrency of the CPU run")->check(CLI::Range(1, 64));
    CLI11_PARSE(app, argc, argv);
    try {
        return run(options);
    } catch (const std::exception& error) {
        std::cerr << "run_rss: " << error.what() << '\n';
        return 1;
    }
}
