#include "daemon/app/cli.hpp"

#include "daemon/archive/archive.hpp"
#include "daemon/commands/adopt.hpp"
#include "daemon/commands/backfill.hpp"
#include "daemon/commands/coverage.hpp"
#include "daemon/commands/crawl_command.hpp"
#include "daemon/commands/import.hpp"
#include "daemon/commands/reparse.hpp"
#include "daemon/commands/search_command.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/config/stores.hpp"
#include "daemon/history/comments_view.hpp"
#include "daemon/history/history_commands.hpp"
#include "daemon/history/names.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/service/service.hpp"
#include "daemon/service/service_lock.hpp"
#include "daemon/service/status.hpp"
#include "daemon/util/numbers.hpp"
#include "daemon/util/progress_line.hpp"
#include "daemon/verify/verify.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/listing.hpp"
#include "parsers/text.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

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
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    if (reload) {
        action.sa_handler = on_reload_signal;
        sigaction(SIGHUP, &action, nullptr);
    }
}

// The log's sink on standard error, clearing a progress bar before each line.
class LogSink final : public spdlog::sinks::sink {
public:
    explicit LogSink(std::shared_ptr<spdlog::sinks::sink> inner) : m_inner(std::move(inner)) {}
    void log(const spdlog::details::log_msg& message) override
    {
        without_progress_line([&] { m_inner->log(message); });
    }
    void flush() override { m_inner->flush(); }
    void set_pattern(const std::string& pattern) override { m_inner->set_pattern(pattern); }
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override
    {
        m_inner->set_formatter(std::move(formatter));
    }

private:
    std::shared_ptr<spdlog::sinks::sink> m_inner;
};

void setup_logging(int verbosity)
{
    auto sink = std::make_shared<LogSink>(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    auto logger = std::make_shared<spdlog::logger>("sillok", sink);
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

// "15m" → "900" before the option's value is read; a plain number stays as it is.
std::string seconds_with_unit(std::string& text)
{
    if (text.empty() || (text.back() >= '0' && text.back() <= '9') || text.back() == '.') {
        return {};
    }
    auto seconds = parse_duration(text);
    if (!seconds) {
        return "'" + parsers::quoted_for_message(text) + "' is not a duration (90s, 15m, 6h, 2d)";
    }
    text = std::to_string(seconds->count());
    return {};
}

std::string option_help(const Setting& setting)
{
    std::string help(setting.help);
    if (!setting.range.empty()) {
        help += "; " + std::string(setting.range);
    }
    return help + " (default " + setting_value_text(setting, Config{}) + ")";
}

// One setting as an option of a command, bound to CommonOptions::values.
void add_setting_option(CLI::App& command, CommonOptions& o, const Setting& setting)
{
    std::visit(
        [&](auto member) {
            using T = std::remove_cvref_t<decltype(o.values.*member)>;
            if constexpr (!std::is_enum_v<T>) { // words are for the configuration file
                auto* option = command.add_option(std::string(setting.option), o.values.*member, option_help(setting));
                if (setting.duration) {
                    option->transform(CLI::Validator(seconds_with_unit, "DURATION"));
                }
                o.given.emplace(setting.key, option);
            }
        },
        setting.field);
}

// The settings of one group as options of a command.
void add_setting_options(CLI::App& command, CommonOptions& o, OptionGroup group)
{
    for (const auto& setting : settings()) {
        if (setting.group == group && !setting.option.empty()) {
            add_setting_option(command, o, setting);
        }
    }
}

void add_storage_options(CLI::App& command, CommonOptions& o)
{
    o.given.emplace("config",
                    command.add_option("--config", o.config_file, "TOML configuration file")->check(CLI::ExistingFile));
    add_setting_options(command, o, OptionGroup::storage);
    command.add_flag("-v,--verbose", o.verbose, "Log more: each request, where the command makes any");
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

// The user's own configuration file, read when no --config is given:
// $XDG_CONFIG_HOME/sillok/sillok.toml, or ~/.config/sillok/sillok.toml.
std::optional<std::string> user_config_file()
{
    std::filesystem::path folder;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') {
        folder = xdg;
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        folder = std::filesystem::path(home) / ".config";
    } else {
        return std::nullopt;
    }
    auto file = folder / "sillok" / "sillok.toml";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    spdlog::debug("reading the configuration of {}", file.string());
    return file.string();
}

// Defaults, then the config file (--config, or the user's own), then SILLOK_ARCHIVE, then
// the options given on the command line.
// Errors in the file are configuration errors (78); in options, usage errors (64).
Result<Config> effective_config(const CommonOptions& o)
{
    Config config;
    if (auto file = o.config_file.empty() ? user_config_file() : std::optional<std::string>(o.config_file)) {
        SILLOK_TRY_ASSIGN(loaded, load_config(*file));
        config = std::move(loaded);
    }
    if (const char* archive = std::getenv("SILLOK_ARCHIVE"); archive != nullptr && *archive != '\0') {
        config.archive = archive;
    }
    for (const auto& setting : settings()) {
        if (given(o, setting.key)) {
            copy_setting(setting, o.values, config);
        }
    }
    SILLOK_TRY(validate(config));
    // Sections by name ("경제") are kept as their ids, the form listings and resume keys use.
    for (auto& section : config.sections) {
        section = parsers::section_text(*parsers::parse_section(section));
    }
    return config;
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
    if (auto service = running_service(config.archive)) {
        std::cout << "service: sillok run (pid " << service->pid << ") since " << service->since << '\n';
    } else {
        std::cout << "service: none runs on this archive\n";
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
        return fail(k_exit_usage,
                    "--to " + iso_date(*to) + " is in the future (today in Korea is " + iso_date(kst_today(now)) + ")");
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

// Two examples per command, shown under its --help.
void add_examples(CLI::App& app)
{
    const std::map<std::string, std::string> examples{
        {"run", "  sillok run --config /etc/sillok/sillok.toml\n"
                "  sillok run --archive archive --section 101 --section 100/264 --rate 0.5"},
        {"backfill", "  sillok backfill --from 2024-05-01 --to 2024-05-31 --section 101 --archive archive\n"
                     "  sillok backfill --from today-7 --to yesterday --press 015 --dry-run --archive archive"},
        {"coverage", "  sillok coverage yesterday --archive archive\n"
                     "  sillok coverage 2024-05-30 --section 101 --queue --archive archive"},
        {"status", "  sillok status --archive archive\n  sillok status --config /etc/sillok/sillok.toml"},
        {"verify", "  sillok verify --archive archive\n  sillok verify --repair --archive archive"},
        {"adopt", "  sillok adopt /srv/old-naver-archive --archive archive\n"
                  "  sillok adopt old/ more/file.md --recrawl --archive archive"},
        {"log", "  sillok log 003_0012577249 --archive archive\n"
                "  sillok log https://n.news.naver.com/mnews/article/003/0012577249 --archive archive"},
        {"diff", "  sillok diff 003_0012577249 --archive archive\n"
                 "  sillok diff 003_0012577249 1 3 --format json --archive archive"},
        {"export", "  sillok export --format csv --from 2024-05-01 --to 2024-05-31 -o may.csv --archive archive\n"
                   "  sillok export --versions all --archive archive | gzip > archive.jsonl.gz"},
        {"reparse", "  sillok reparse --archive archive\n  sillok reparse --id 003_0012577249 --archive archive"},
        {"import", "  sillok import crawl.warc.gz --archive archive\n"
                   "  sillok import a.warc b.warc.gz --archive archive"},
        {"config", "  sillok config --config /etc/sillok/sillok.toml\n  sillok config --describe"},
        {"sections", "  sillok sections\n  sillok sections --archive archive"},
        {"presses", "  sillok presses --archive archive\n  sillok presses --archive archive | grep 한국"},
        {"comments", "  sillok comments 003_0012577249 --archive archive\n"
                     "  sillok comments 003_0012577249 --at 2026-05-30T14:00:00 --archive archive"},
    };
    for (auto* command : app.get_subcommands({})) {
        if (auto found = examples.find(command->get_name()); found != examples.end()) {
            command->footer("Examples:\n" + found->second + "\n");
        }
    }
}

// `sillok help [COMMAND]`.
int print_help(const CLI::App& app, const char* command)
{
    if (command == nullptr) {
        std::cout << app.help();
        return k_exit_ok;
    }
    for (const auto* sub : app.get_subcommands({})) {
        if (sub->get_name() == command) {
            std::cout << sub->help(app.get_name());
            return k_exit_ok;
        }
    }
    return fail(k_exit_usage,
                "'" + parsers::quoted_for_message(command) + "' is not a sillok command; see 'sillok --help'");
}

// The edit distance of two short words (the suggestion for a mistyped command).
size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// What went wrong on the command line, in words: a word that is no command gets the nearest
// command's name, as git does.
std::string usage_error(const CLI::App& app, int argc, char** argv, const CLI::ParseError& error)
{
    std::string_view first = argc >= 2 ? argv[1] : "";
    const auto commands = app.get_subcommands({});
    if (first.empty()) {
        return "a command is required: see 'sillok --help' (or 'sillok help COMMAND')";
    }
    bool is_command =
        std::any_of(commands.begin(), commands.end(), [&](const CLI::App* sub) { return sub->get_name() == first; });
    if (!first.starts_with('-') && !is_command) {
        std::string message = "'" + parsers::quoted_for_message(first) + "' is not a sillok command";
        const CLI::App* nearest = nullptr;
        size_t best = 3; // suggest only close words
        for (const auto* sub : commands) {
            auto distance = edit_distance(first, sub->get_name());
            if (distance < best) {
                best = distance;
                nearest = sub;
            }
        }
        if (nearest != nullptr) {
            message += "; did you mean 'sillok " + nearest->get_name() + "'?";
        } else {
            message += "; see 'sillok --help'";
        }
        return message;
    }
    std::string message = error.what();
    std::string where = is_command ? "sillok " + std::string(first) + " --help" : "sillok --help";
    return message + " (see '" + where + "')";
}

} // namespace

int sillok_main(int argc, char** argv)
{
    CLI::App app{"sillok: a faithful, verifiable archive of Naver News", "sillok"};
    app.set_version_flag("--version", std::string("sillok ") + SILLOK_VERSION);
    app.require_subcommand(1);

    CommonOptions common;
    CrawlArguments crawl_arguments;
    auto* crawl = add_crawl_command(app, crawl_arguments);
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
    auto* coverage =
        app.add_subcommand("coverage", "Walk a date's per-date lists: listed, archived, missing per section");
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
    std::string comments_article;
    std::string comments_at;
    auto* comments_cmd = app.add_subcommand("comments", "Print an article's readers' comments as threads");
    comments_cmd->add_option("article", comments_article, "OID_AID (e.g. 015_0005230666) or article URL")->required();
    comments_cmd->add_option("--at", comments_at, "As of this time (YYYY-MM-DDTHH:MM:SS, Korean time)");
    add_storage_options(*comments_cmd, common);
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
    add_setting_option(*import, common, *find_setting("max_bytes")); // a record body's cap

    auto* sections_cmd = app.add_subcommand("sections", "List the section ids and their names");
    add_storage_options(*sections_cmd, common);
    auto* presses_cmd = app.add_subcommand("presses", "List the press ids (oid) and names the archive holds");
    add_storage_options(*presses_cmd, common);

    auto* config_command = app.add_subcommand("config", "Print the effective configuration as TOML");
    bool describe = false;
    config_command->add_flag("--describe", describe,
                             "Print every setting (default, reload, meaning) as a Markdown table");
    add_network_options(*config_command, common);
    add_discovery_options(*config_command, common);

    add_examples(app);
    if (argc >= 2 && std::string_view(argv[1]) == "help") {
        return print_help(app, argc >= 3 ? argv[2] : nullptr);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForAllHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForVersion& version) {
        return app.exit(version);
    } catch (const CLI::ParseError& error) {
        return fail(k_exit_usage, usage_error(app, argc, argv, error));
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
        bool reads_archive = false; // refuses a folder that holds no ledger (a typo, not a new archive)
    };
    const std::vector<Command> commands = {
        {config_command, false,
         [&] {
             std::cout << (describe ? describe_settings() : to_toml(config));
             return k_exit_ok;
         }},
        {status, false, [&] { return status_command(config); }, true},
        {sections_cmd, false, [&] { return run_sections_command(config, std::cout); }},
        {presses_cmd, false, [&] { return run_presses_command(config, std::cout); }, true},
        // --repair rebuilds a lost ledger from the files.
        {verify, false, [&] { return verify_command(config, repair); }, !repair},
        {log, false, [&] { return run_log_command(log_command, config); }, true},
        {diff, false, [&] { return run_diff_command(diff_command, config); }, true},
        {comments_cmd, false,
         [&] { return run_comments_view(config.ledger_path(), comments_article, comments_at, std::cout); }, true},
        {search, true, [&] { return run_search_command(search_command, config, std::cout, &g_stop_requested); }, true},
        // export checks its options first, then the archive (history_commands).
        {export_cmd, true, [&] { return run_export_command(export_command, config, &g_stop_requested); }},
        {crawl, true, [&] { return run_crawl_command(config, crawl_arguments, &g_stop_requested); }},
        {adopt, true, [&] { return run_adopt(config, adopt_request, std::cout, &g_stop_requested); }},
        {backfill, true, [&] { return backfill_command(config, backfill_options, given(common, "sections")); }},
        {coverage, true, [&] { return coverage_command(config, coverage_options, &g_stop_requested); }},
        {import, true, [&] { return run_import(config, import_files, std::cout); }},
        {reparse, true, [&] { return reparse_command(config, reparse_arguments, &g_stop_requested); }, true},
        {run, true,
         [&] {
             ConfigLoader reload = [&common] { return effective_config(common); };
             return run_service(config, reload, ServiceSignals{&g_stop_requested, &g_reload_requested});
         }},
    };
    for (const auto& command : commands) {
        if (command.app->parsed()) {
            if (config.comments != "off" && (command.app == run || command.app == backfill)) {
                spdlog::warn("comments = \"{}\": only `crawl` reads comments for now; `{}` reads none", config.comments,
                             command.app->get_name());
            }
            if (command.reads_archive) {
                if (auto archive = require_archive(config); !archive) {
                    return fail(archive.error());
                }
            }
            if (command.interruptible) {
                install_signal_handlers(command.app == run);
            }
            return command.work();
        }
    }
    return k_exit_usage;
}

} // namespace sillok::daemon
