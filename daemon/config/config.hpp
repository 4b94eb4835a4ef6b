#pragma once
// Configuration: built-in defaults, then one TOML file (--config), then command-line
// options. Every key is documented in the README.
#include "daemon/util/error.hpp"
#include "daemon/warc/warc_writer.hpp"

#include <chrono>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

// The complete source `run` walks first for each section; the other is the fallback when it
// fails or goes silent.
enum class DiscoveryOrder {
    per_date, // main/list.naver: every article of the day
    latest,   // each sub-section's breaking-news list
};
std::optional<DiscoveryOrder> parse_discovery_order(std::string_view text);
std::string_view to_string(DiscoveryOrder order);

struct Config {
    std::filesystem::path archive = "archive";
    std::filesystem::path ledger; // empty: <archive>/ledger.sqlite3
    // Network and politeness.
    double rate = 1.0;
    int concurrency = 2;
    int workers = 0; // parsing threads beside the network loop; 0: one per core
    double timeout = 60;
    int retries = 4;
    int64_t max_bytes = int64_t{20} << 20;
    std::string user_agent;
    std::vector<std::string> connect_to;
    std::string cacert;
    int pause_after = 5;
    int64_t pause_seconds = 600;
    // Discovery (sillok run).
    std::vector<std::string> sections = {"100", "101", "102", "103", "104", "105"};
    std::vector<std::string> presses;
    int64_t poll_interval = 120;
    int max_listing_pages = 10;
    DiscoveryOrder discovery = DiscoveryOrder::per_date;
    std::vector<int64_t> revisit_after = {3600, 6 * 3600, 24 * 3600};
    std::string metrics_file; // Prometheus textfile; empty: none
    // Raw responses kept as WARC; files rotate at warc_max_bytes.
    WarcMode warc = WarcMode::versions;
    int64_t warc_max_bytes = int64_t{1} << 30;
    // Readers' comments: "off", "counts" (the totals, one small request a snapshot) or "all"
    // (every comment, 100 a request); the last snapshot comments_final_after seconds after
    // publication; writer identifiers kept only with comments_author_ids.
    std::string comments = "off";
    int64_t comments_final_after = 7 * 86400;
    bool comments_author_ids = false;

    [[nodiscard]] std::filesystem::path ledger_path() const
    {
        return ledger.empty() ? archive / "ledger.sqlite3" : ledger;
    }
};

// Reads a TOML file over the defaults. Unknown keys, wrong types and out-of-range values
// are errors (the message names the file, key and line).
// Errors are of kind config.
Result<Config> load_config(const std::filesystem::path& path, Config base = {});
// Checks values that any source may have set.
// Errors are of kind usage (a value from the command line); load_config makes them config.
Result<> validate(const Config& config);
// The configuration as a TOML file that load_config reads back to the same values.
std::string to_toml(const Config& config);

} // namespace sillok::daemon
