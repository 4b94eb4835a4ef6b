#include "daemon/cli.hpp"

#include "daemon/crawl.hpp"
#include "parsers/article_ref.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace sillok::daemon {
namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int signal_number)
{
    if (g_stop_requested.exchange(true)) {
        std::signal(signal_number, SIG_DFL); // a second signal ends the process at once
        std::raise(signal_number);
    }
}

void install_signal_handlers()
{
    struct sigaction action{};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void setup_logging(int verbosity)
{
    auto logger = spdlog::stderr_color_mt("sillok");
    // Under systemd, journald stamps each line itself.
    bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
    logger->set_pattern(journald ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %l: %v");
    logger->set_level(verbosity > 0 ? spdlog::level::debug : verbosity < 0 ? spdlog::level::warn : spdlog::level::info);
    spdlog::set_default_logger(logger);
}

struct CommonOptions {
    std::string archive = "archive";
    std::string ledger;
    std::vector<std::string> connect_to;
    std::string cacert;
    double rate = 1.0;
    int concurrency = 2;
    double timeout_seconds = 60;
    int retries = 4;
    size_t max_bytes = size_t{20} << 20;
    std::string user_agent = default_user_agent();
    int verbose = 0;
    int quiet = 0;
};

void add_common_options(CLI::App& command, CommonOptions& common)
{
    command.add_option("--archive", common.archive, "Archive folder")->capture_default_str();
    command.add_option("--ledger", common.ledger, "Ledger file (default: <archive>/ledger.sqlite3)");
    command.add_option("--connect-to", common.connect_to,
                       "HOST:PORT:ADDR:PORT: connect to ADDR:PORT for HOST:PORT (curl's semantics; repeatable)")
        ->check([](const std::string& value) -> std::string {
            return std::count(value.begin(), value.end(), ':') >= 3 ? "" : "expected HOST:PORT:ADDR:PORT";
        });
    command.add_option("--cacert", common.cacert, "CA certificates (PEM) to verify servers with")
        ->check(CLI::ExistingFile);
    command.add_option("--rate", common.rate, "Requests per second per host (0: unlimited)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    command.add_option("--concurrency", common.concurrency, "Requests in flight per host")
        ->check(CLI::Range(1, 64))->capture_default_str();
    command.add_option("--timeout", common.timeout_seconds, "Seconds one request may take")
        ->check(CLI::Range(0.1, 3600.0))->capture_default_str();
    command.add_option("--retries", common.retries, "Retries on timeouts, 429 and 5xx")
        ->check(CLI::Range(0, 20))->capture_default_str();
    command.add_option("--max-bytes", common.max_bytes, "Largest page body accepted, in bytes")
        ->check(CLI::Range(size_t{1024}, size_t{1} << 34))->capture_default_str();
    command.add_option("--user-agent", common.user_agent, "User-Agent header")->capture_default_str();
    command.add_flag("-v,--verbose", common.verbose, "Log each request");
    command.add_flag("-q,--quiet", common.quiet, "Log only warnings and errors");
}

FetchOptions fetch_options(const CommonOptions& common)
{
    FetchOptions options;
    options.user_agent = common.user_agent;
    options.connect_to = common.connect_to;
    options.cacert = common.cacert;
    options.concurrency = common.concurrency;
    options.total_timeout = std::chrono::milliseconds(static_cast<long>(common.timeout_seconds * 1000));
    options.connect_timeout = std::min(options.connect_timeout, options.total_timeout);
    options.low_speed_time = std::min(options.low_speed_time,
                                      std::chrono::ceil<std::chrono::seconds>(options.total_timeout));
    options.max_retries = common.retries;
    options.max_body_bytes = common.max_bytes;
    return options;
}

// URLs from --url-file: one per line; blank lines and lines starting with '#' are skipped.
std::expected<std::vector<std::string>, std::string> read_url_file(const std::string& name)
{
    std::ifstream file;
    std::istream* in = &std::cin;
    if (name != "-") {
        file.open(name);
        if (!file) {
            return std::unexpected("cannot read URL file " + name);
        }
        in = &file;
    }
    std::vector<std::string> urls;
    std::string line;
    while (std::getline(*in, line)) {
        auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        urls.push_back(line.substr(first, line.find_last_not_of(" \t\r") - first + 1));
    }
    return urls;
}

// Startup problems end the program here, with one message format and a documented code.
int fail(int exit_code, std::string_view message)
{
    std::cerr << "sillok: error: " << message << '\n';
    return exit_code;
}

int crawl_command(const CommonOptions& common, std::vector<std::string> urls, const std::string& url_file)
{
    if (!url_file.empty()) {
        auto listed = read_url_file(url_file);
        if (!listed) {
            return fail(k_exit_usage, listed.error());
        }
        urls.insert(urls.end(), listed->begin(), listed->end());
    }
    if (urls.empty()) {
        return fail(k_exit_usage, "no article URL given: use --url URL or --url-file FILE");
    }
    // Every URL is checked before any request is made.
    std::vector<parsers::ArticleRef> refs;
    size_t refused = 0;
    for (const auto& url : urls) {
        auto ref = parsers::parse_url(url);
        if (!ref) {
            std::cerr << "sillok: refused: " << ref.error().message << '\n';
            ++refused;
            continue;
        }
        refs.push_back(*ref);
    }
    if (refused > 0) {
        return fail(k_exit_usage, std::to_string(refused) + " URL(s) refused; nothing was fetched");
    }
    std::filesystem::path archive_dir = common.archive;
    auto archive = Archive::open(archive_dir);
    if (!archive) {
        return fail(k_exit_io, archive.error().message);
    }
    auto ledger_path = common.ledger.empty() ? archive_dir / "ledger.sqlite3" : std::filesystem::path(common.ledger);
    auto ledger = Ledger::open(ledger_path);
    if (!ledger) {
        return fail(k_exit_io, ledger.error().message);
    }
    std::string error;
    auto politeness = Politeness::shared(ledger_path, PolitenessOptions{common.rate}, &error);
    if (!politeness) {
        return fail(k_exit_io, error);
    }
    ArticlePipeline pipeline(*archive, *ledger);
    Fetcher fetcher(fetch_options(common), *politeness);
    return run_crawl(pipeline, fetcher, refs, std::cout, &g_stop_requested);
}

} // namespace

int sillok_main(int argc, char** argv)
{
    CLI::App app{"sillok: a faithful, verifiable archive of Naver News"};
    app.set_version_flag("--version", std::string("sillok ") + SILLOK_VERSION);
    app.require_subcommand(1);

    CommonOptions common;
    std::vector<std::string> urls;
    std::string url_file;
    auto* crawl = app.add_subcommand("crawl", "Archive the given articles now");
    crawl->add_option("--url", urls, "Article URL (any Naver News form; repeatable)");
    crawl->add_option("--url-file", url_file, "File with one URL per line ('-': standard input)");
    add_common_options(*crawl, common);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? k_exit_ok : k_exit_usage;
    }
    setup_logging(common.verbose - common.quiet);
    install_signal_handlers();
    if (crawl->parsed()) {
        return crawl_command(common, urls, url_file);
    }
    return k_exit_usage;
}

} // namespace sillok::daemon
