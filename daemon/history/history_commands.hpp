#pragma once
// The command lines of `log`, `diff` and `export`: each registers its subcommand and its
// own options; cli.cpp adds the storage options every command shares and runs it.
#include "daemon/config/config.hpp"
#include "daemon/history/diff.hpp"
#include "daemon/history/export.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

struct LogCommand {
    std::string article;
};
CLI::App* add_log_command(CLI::App& app, LogCommand& command);
int run_log_command(const LogCommand& command, const Config& config);

struct DiffCommand {
    std::string article;
    std::vector<int> versions; // none, V1, or V1 V2
    std::string format = "text";
    bool no_colour = false;
};
CLI::App* add_diff_command(CLI::App& app, DiffCommand& command);
int run_diff_command(const DiffCommand& command, const Config& config);

struct ExportCommand {
    std::string format = "jsonl";
    std::string from, to;
    std::vector<std::string> sections, presses, states;
    std::string versions = "current";
    std::string output;
    bool no_progress = false;
};
CLI::App* add_export_command(CLI::App& app, ExportCommand& command);
int run_export_command(const ExportCommand& command, const Config& config, const std::atomic<bool>* stop);

} // namespace sillok::daemon
