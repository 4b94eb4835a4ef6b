#pragma once
// `sillok search`: the archive's articles (or every version of them) that match a query,
// from the search index beside the ledger (daemon/search/search_index.hpp), which is built
// on first use and brought up to the ledger before each answer.
#include "daemon/config/config.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace sillok::daemon {

struct SearchCommand {
    std::string query;
    std::string from, to;
    std::vector<std::string> sections, presses;
    std::string versions = "current";
    std::string sort = "relevance";
    int64_t limit = 20;
    int64_t offset = 0;
    std::string format = "text";
    bool rebuild = false;
    bool no_colour = false;
};
CLI::App* add_search_command(CLI::App& app, SearchCommand& command);

// Exit codes: 0 something found (or the index built), 1 nothing found, 64 a bad query or
// option, 74 an archive, ledger or index that cannot be read (or an index that cannot be
// built), 75 stopped by SIGINT/SIGTERM while building or catching up the index (what was
// committed is kept by a catch-up, nothing by a build).
int run_search_command(const SearchCommand& command, const Config& config, std::ostream& out,
                       const std::atomic<bool>* stop);

} // namespace sillok::daemon
