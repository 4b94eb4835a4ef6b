#include "daemon/history/history_commands.hpp"

#include "daemon/config/stores.hpp"
#include "daemon/history/log.hpp"
#include "daemon/util/exit_codes.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace sillok::daemon {

CLI::App* add_log_command(CLI::App& app, LogCommand& command)
{
    auto* log = app.add_subcommand("log", "List the versions of one article: when seen, hash, what changed, file");
    log->add_option("article", command.article, "OID_AID (e.g. 015_0005230666) or article URL")->required();
    return log;
}

int run_log_command(const LogCommand& command, const Config& config)
{
    return run_log(config.ledger_path(), command.article, std::cout);
}

CLI::App* add_diff_command(CLI::App& app, DiffCommand& command)
{
    auto* diff =
        app.add_subcommand("diff", "Show what changed between two versions of an article (default: the last two)");
    diff->add_option("article", command.article, "OID_AID (e.g. 015_0005230666) or article URL")->required();
    diff->add_option("versions", command.versions, "V1 [V2]: compare V1 with V2 (default: the last version)")
        ->expected(0, 2)
        ->check(CLI::PositiveNumber);
    diff->add_option("--format", command.format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
    diff->add_flag("--no-color", command.no_colour, "No colours, even on a terminal");
    return diff;
}

int run_diff_command(const DiffCommand& command, const Config& config)
{
    DiffRequest request;
    request.archive = config.archive;
    request.ledger = config.ledger_path();
    request.article = command.article;
    if (!command.versions.empty()) {
        request.from = command.versions[0];
    }
    if (command.versions.size() > 1) {
        request.to = command.versions[1];
    }
    request.json = command.format == "json";
    request.colour = !command.no_colour && std::getenv("NO_COLOR") == nullptr && isatty(STDOUT_FILENO) == 1;
    return run_diff(request, std::cout);
}

CLI::App* add_export_command(CLI::App& app, ExportCommand& command)
{
    auto* cmd = app.add_subcommand("export", "Write the archive as a dataset (JSON Lines or CSV) from its files");
    cmd->add_option("--format", command.format, "jsonl (default) or csv")->check(CLI::IsMember({"jsonl", "csv"}));
    cmd->add_option("--from", command.from, "First publication date, YYYY-MM-DD (KST), or today, yesterday, today-N");
    cmd->add_option("--to", command.to, "Last publication date, same forms");
    cmd->add_option("--section", command.sections,
                    "Section name as the page shows it (경제) or sid1 100-105 (repeatable)");
    cmd->add_option("--press", command.presses, "Press id (oid, e.g. 015) (repeatable)");
    cmd->add_option("--state", command.states, "archived, gone or skipped (repeatable)");
    cmd->add_option("--versions", command.versions, "current (default) or all")
        ->check(CLI::IsMember({"current", "all"}));
    cmd->add_option("-o,--output", command.output, "Write to FILE (complete or not at all) instead of standard output");
    cmd->add_flag("--no-progress", command.no_progress, "No progress bar, even on a terminal");
    return cmd;
}

int run_export_command(const ExportCommand& command, const Config& config, const std::atomic<bool>* stop)
{
    ExportRequest request;
    request.archive = config.archive;
    request.ledger = config.ledger_path();
    request.format = command.format == "csv" ? ExportFormat::csv : ExportFormat::jsonl;
    if (!command.from.empty()) {
        request.from = command.from;
    }
    if (!command.to.empty()) {
        request.to = command.to;
    }
    request.sections = command.sections;
    request.presses = command.presses;
    request.states = command.states;
    request.all_versions = command.versions == "all";
    request.output = command.output;
    // The bar goes to standard error, and only when the data does not go to the same terminal.
    bool data_on_terminal = command.output.empty() && isatty(STDOUT_FILENO) == 1;
    request.progress = !command.no_progress && isatty(STDERR_FILENO) == 1 && !data_on_terminal;
    request.stop = stop;
    if (auto checked = check_export_options(request); !checked) {
        return fail(k_exit_usage, checked.error());
    }
    if (auto archive = require_archive(config); !archive) {
        return fail(archive.error());
    }
    return run_export(request, std::cout);
}

} // namespace sillok::daemon
