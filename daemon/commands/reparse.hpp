#pragma once
// `sillok reparse`: the stored responses read again with the current content rules,
// offline. Parsing runs on every core; saving is one at a time, in ledger order. A result
// that differs from the current version becomes a new version of origin "reparse" (a
// change of rules, with its rules version), never an edit by the publisher.
#include "daemon/config/config.hpp"
#include "parsers/article_ref.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

namespace sillok::daemon {

struct ReparseOptions {
    std::string since;                    // crawl date YYYY-MM-DD (KST); empty: all
    std::vector<parsers::ArticleRef> ids; // empty: all
    bool failed = false;                  // the responses that failed to parse instead
    unsigned threads = 0;                 // 0: every core
};

// The command line: registered by the CLI, checked before anything is opened.
struct ReparseArguments {
    std::string since;
    std::vector<std::string> ids;
    bool failed = false;
    unsigned threads = 0;
};
CLI::App* add_reparse_command(CLI::App& app, ReparseArguments& arguments);
int reparse_command(const Config& config, const ReparseArguments& arguments, const std::atomic<bool>* stop);

// Prints one line per response (outcome, id, path, hash[, reason]) on out. Returns the exit code.
int run_reparse(const Config& config, const ReparseOptions& options, std::ostream& out, const std::atomic<bool>* stop);

} // namespace sillok::daemon
