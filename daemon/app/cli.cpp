#include "daemon/app/cli.hpp"

#include "daemon/commands/adopt.hpp"
#include "daemon/archive/archive.hpp"
#include "daemon/commands/backfill.hpp"
#include "daemon/commands/coverage.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/commands/crawl_command.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/history/history_commands.hpp"
#include "daemon/commands/import.hpp"
#include "daemon/commands/reparse.hpp"
#include "daemon/commands/search_command.hpp"
#include "daemon/service/service.hpp"
#include "daemon/service/status.hpp"
#include "daemon/config/stores.hpp"
#include "daemon/util/url_file.hpp"
#include "daemon/verify/verify.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/listing.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <iostream>

namespace sillok::daemon {
namespace {

std::atomic<bool> g_stop_requested{false};
std::atomic<bool> g_reload_requested{false};

extern "C" void on_stop_signal(int signal_number)
{
    if (g_stop_requested.exchange(true)) {
        std::signal(signal_number, SIG_DFL); // a second signal ends the process at once
        std::raise(signal_number);
    }
}

extern "C" void on_reload_signal(int /*signal_number*/) { g_reload_requested = true; }

void install_signal_handlers(bool reload)
{
    struct sigaction action{};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    if (reload) {
        action.sa_handler = on_reload_signal;
        sigaction(SIGHUP, &action, nullptr);
    }
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

// Options every command takes; each overrides the config file only when given.
struct CommonOptions {
    std::string config_file;
    Config values; // what the options set; a setting's value is used only when its option was given
    int verbose = 0;
    int quiet = 0;
    // Every subcommand registers its own options under the settings' keys.
    std::multimap<std::string_view, CLI::Option*> given;
};

std::string option_help(const Setting& setting)
{
    std::string help(setting.help);
    if (!setting.range.empty()) {
        help += "; " + std::string(setting.range);
    }
    return help + " (default " + setting_value_text(setting, Config{}) + ")";
}

// The settings of one group as options of a command, bound to CommonOptions::values.
void add_setting_options(CLI::App& command, CommonOptions& o, OptionGroup group)
{
    for (const auto& setting : settings()) {
        if (setting.group != group || setting.option.empty()) {
            continue;
        }
        std::visit(
            [&](auto member) {
                using T = std::remove_cvref_t<decltype(o.values.*member)>;
                if constexpr (!std::is_enum_v<T>) { // words are for the configuration file
                    auto* option = command.add_option(std::string(setting.option), o.values.*member, option_help(setting));
                    o.given.emplace(setting.key, option);
                }
            },
            setting.field);
    }
}

void add_storage_options(CLI::App& command, CommonOptions& o)
{
    o.given.emplace("config", command.add_option("--config", o.config_file, "TOML configuration file")->check(CLI::ExistingFile));
    add_setting_options(command, o, OptionGroup::storage);
    command.add_flag("-v,--verbose", o.verbose, "Log each request");
    command.add_flag("-q,--quiet", o.quiet, "Log only warnings and errors");
}

void add_network_options(CLI::App& command, CommonOptions& o)
{
    add_storage_options(command, o);
    add_setting_options(command, o, OptionGroup::network);
}

void add_discovery_options(CLI::App& command, CommonOptions& o)
{
    add_setting_options(command, o, OptionGroup::discovery);
}

bool given(const CommonOptions& o, std::string_view key)
{
    auto [first, last] = o.given.equal_range(key);
    return std::any_of(first, last, [](const auto& entry) { return entry.second->count() > 0; });
}

// Defaults, then the config file, then the options given on the command line.
// Errors in the file are configuration errors (78); in options, usage errors (64).
Result<Config> effective_config(const CommonOptions& o)
{
    Config config;
    if (!o.config_file.empty()) {
        SILLOK_TRY_ASSIGN(loaded, load_config(o.config_file));
        config = std::move(loaded);
    }
    for (const auto& setting : settings()) {
        if (given(o, setting.key)) {
            copy_setting(setting, o.values, config);
        }
    }
    SILLOK_TRY(validate(config));
    return config;
}

int crawl_command(const Config& config, std::vector<std::string> urls, const std::string& url_file)
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
    auto stores = open_stores(config);
    if (!stores) {
        return fail(stores.error());
    }
    ArticlePipeline pipeline(stores->archive, stores->ledger, stores->keeper());
    Fetcher fetcher(fetch_options(config), *stores->politeness);
    return run_crawl(pipeline, fetcher, refs, std::cout, &g_stop_requested, static_cast<unsigned>(config.workers));
}

int status_command(const Config& config)
{
    if (!std::filesystem::exists(config.ledger_path())) {
        return fail(k_exit_io, "no ledger at " + config.ledger_path().string());
    }
    auto stats = read_stats(config.ledger_path(), wall_now());
    if (!stats) {
        return fail(k_exit_io, stats.error().message);
    }
    std::cout << render_status(*stats, wall_now());
    std::cout << render_capacity(*stats, capacity(*stats, config.rate, config.revisit_after.size()));
    return k_exit_ok;
}

struct BackfillOptions {
    std::string from;
    std::string to;
    std::vector<std::string> presses;
    bool refresh = false;
    bool dry_run = false;
    size_t limit = 0;
    CLI::Option* limit_option = nullptr;
};

// Every argument is checked before any request is made.
int backfill_command(const Config& config, const BackfillOptions& options, bool sections_given)
{
    auto now = wall_now();
    auto from = parse_kst_date(options.from, now);
    auto to = parse_kst_date(options.to, now);
    if (!from || !to) {
        return fail(k_exit_usage, "dates are YYYY-MM-DD (Korean dates), 'today', 'yesterday' or 'today-N': got '"
                                      + (!from ? options.from : options.to) + "'");
    }
    if (std::chrono::sys_days{*from} > std::chrono::sys_days{*to}) {
        return fail(k_exit_usage, "--from " + iso_date(*from) + " is after --to " + iso_date(*to));
    }
    if (std::chrono::sys_days{*to} > std::chrono::sys_days{kst_today(now)}) {
        return fail(k_exit_usage, "--to " + iso_date(*to) + " is in the future (today in Korea is "
                                      + iso_date(kst_today(now)) + ")");
    }
    for (const auto& oid : options.presses) {
        if (!parsers::is_press_id(oid)) {
            return fail(k_exit_usage, "--press '" + oid + "' is not a press id (3 digits, e.g. 015)");
        }
    }
    BackfillRequest request;
    request.from = *from;
    request.to = *to;
    request.presses = options.presses;
    request.sections = options.presses.empty() || sections_given ? config.sections : std::vector<std::string>{};
    request.refresh = options.refresh;
    request.dry_run = options.dry_run;
    if (options.limit_option->count() > 0) {
        request.limit = options.limit;
    }
    return run_backfill(config, request, std::cout, &g_stop_requested);
}

int verify_command(const Config& config, bool repair)
{
    auto report = verify_archive(VerifyOptions{config.archive, config.ledger_path(), repair}, std::cout);
    if (!report) {
        return fail(k_exit_io, report.error().message);
    }
    return report->clean() ? k_exit_ok : k_exit_some_failed;
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
    add_network_options(*crawl, common);

    auto* run = app.add_subcommand("run", "Run the service: discover, archive and revisit articles until stopped");
    add_network_options(*run, common);
    add_discovery_options(*run, common);

    BackfillOptions backfill_options;
    auto* backfill = app.add_subcommand("backfill", "Archive every article listed for a range of dates (resumable)");
    backfill->add_option("--from", backfill_options.from, "First date, YYYY-MM-DD (KST), or today, yesterday, today-N")
        ->required();
    backfill->add_option("--to", backfill_options.to, "Last date, same forms")->required();
    common.given.emplace("sections", backfill->add_option("--section", common.values.sections,
                                                          "SID1[/SID2] to walk (repeatable; default: the configured "
                                                          "sections, all six main ones)"));
    backfill->add_option("--press", backfill_options.presses, "Press id (oid) to walk (repeatable)");
    backfill->add_flag("--refresh", backfill_options.refresh, "Walk listings again even if walked completely before");
    backfill->add_flag("--dry-run", backfill_options.dry_run, "List the articles that would be queued; change nothing");
    backfill_options.limit_option =
        backfill->add_option("--limit", backfill_options.limit, "Stop after queuing this many articles")
            ->check(CLI::Range(size_t{1}, size_t{1'000'000'000}));
    add_network_options(*backfill, common);

    CoverageOptions coverage_options;
    auto* coverage = app.add_subcommand("coverage", "Walk a date's per-date lists: listed, archived, missing per section");
    coverage->add_option("date", coverage_options.date, "YYYY-MM-DD (KST), or today, yesterday, today-N")->required();
    coverage->add_option("--section", coverage_options.sections, "SID1[/SID2] (repeatable; default: the configured)");
    coverage->add_option("--press", coverage_options.presses, "Press id (oid) to walk (repeatable)");
    coverage->add_flag("--queue", coverage_options.queue, "Queue the missing articles in the frontier");
    add_network_options(*coverage, common);

    auto* status = app.add_subcommand("status", "Show the queue, the archive and recent errors from the ledger");
    add_storage_options(*status, common);

    bool repair = false;
    auto* verify = app.add_subcommand("verify", "Check every archive file against its hash and the ledger");
    verify->add_flag("--repair", repair, "Re-derive missing ledger rows from intact files (never changes a file)");
    add_storage_options(*verify, common);

    AdoptRequest adopt_request;
    auto* adopt = app.add_subcommand("adopt", "Bring files written by the earlier crawler under sillok");
    adopt->add_option("DIR", adopt_request.sources, "Folder of old files (walked for *.md) or one file; repeatable")
        ->required();
    adopt->add_flag("--recrawl", adopt_request.recrawl, "Queue and crawl again every article whose text is adopted");
    add_network_options(*adopt, common);

    LogCommand log_command;
    auto* log = add_log_command(app, log_command);
    add_storage_options(*log, common);
    DiffCommand diff_command;
    auto* diff = add_diff_command(app, diff_command);
    add_storage_options(*diff, common);
    ExportCommand export_command;
    auto* export_cmd = add_export_command(app, export_command);
    add_storage_options(*export_cmd, common);

    SearchCommand search_command;
    auto* search = add_search_command(app, search_command);
    add_storage_options(*search, common);

    ReparseArguments reparse_arguments;
    auto* reparse = add_reparse_command(app, reparse_arguments);
    add_storage_options(*reparse, common);

    std::vector<std::string> import_files;
    auto* import = app.add_subcommand("import", "Archive the Naver News articles in WARC files of other tools");
    import->add_option("FILE", import_files, "WARC file (.warc or .warc.gz)")->required()->check(CLI::ExistingFile);
    add_storage_options(*import, common);

    auto* config_command = app.add_subcommand("config", "Print the effective configuration as TOML");
    bool describe = false;
    config_command->add_flag("--describe", describe, "Print every setting (default, reload, meaning) as a Markdown table");
    add_network_options(*config_command, common);
    add_discovery_options(*config_command, common);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? k_exit_ok : k_exit_usage;
    }
    setup_logging(common.verbose - common.quiet);
    auto loaded = effective_config(common);
    if (!loaded) {
        return fail(loaded.error());
    }
    const auto& config = *loaded;

    // Each command and its work; `interruptible` ones take SIGINT/SIGTERM (and `run` SIGHUP)
    // as a request to stop cleanly.
    struct Command {
        CLI::App* app;
        bool interruptible;
        std::function<int()> work;
    };
    const std::vector<Command> commands = {
        {config_command, false, [&] {
             std::cout << (describe ? describe_settings() : to_toml(config));
             return k_exit_ok;
         }},
        {status, false, [&] { return status_command(config); }},
        {verify, false, [&] { return verify_command(config, repair); }},
        {log, false, [&] { return run_log_command(log_command, config); }},
        {diff, false, [&] { return run_diff_command(diff_command, config); }},
        {search, true, [&] { return run_search_command(search_command, config, std::cout, &g_stop_requested); }},
        {export_cmd, true, [&] { return run_export_command(export_command, config, &g_stop_requested); }},
        {crawl, true, [&] { return crawl_command(config, urls, url_file); }},
        {adopt, true, [&] { return run_adopt(config, adopt_request, std::cout, &g_stop_requested); }},
        {backfill, true, [&] { return backfill_command(config, backfill_options, given(common, "sections")); }},
        {coverage, true, [&] { return coverage_command(config, coverage_options, &g_stop_requested); }},
        {import, true, [&] { return run_import(config, import_files, std::cout); }},
        {reparse, true, [&] { return reparse_command(config, reparse_arguments, &g_stop_requested); }},
        {run, true, [&] {
             ConfigLoader reload = [&common] { return effective_config(common); };
             return run_service(config, reload, ServiceSignals{&g_stop_requested, &g_reload_requested});
         }},
    };
    for (const auto& command : commands) {
        if (command.app->parsed()) {
            if (command.interruptible) {
                install_signal_handlers(command.app == run);
            }
            return command.work();
        }
    }
    return k_exit_usage;
}

} // namespace sillok::daemon
