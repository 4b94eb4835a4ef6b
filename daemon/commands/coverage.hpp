#pragma once
// sillok coverage: walks the per-date lists of one Korean date (as backfill --dry-run does)
// and reports, per section or press, how many articles the lists name, how many of them are
// archived and which are missing; with queue, the missing ones go into the frontier, where
// a running service (or the next backfill) fetches them.
#include "daemon/config/config.hpp"

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

namespace sillok::daemon {

struct CoverageRequest {
    std::chrono::year_month_day date;
    std::vector<std::string> sections;
    std::vector<std::string> presses;
    bool queue = false;
};

// The command line's values, checked by coverage_command before any request is made.
struct CoverageOptions {
    std::string date;                  // YYYY-MM-DD (KST), today, yesterday, today-N
    std::vector<std::string> sections; // empty: the configured ones
    std::vector<std::string> presses;
    bool queue = false;
};
int coverage_command(const Config& config, const CoverageOptions& options, const std::atomic<bool>* stop);

// Exit codes: 0 every listed article is archived; 1 some are missing (or a listing failed);
// 74 archive or ledger not writable; 75 interrupted or throttled before the lists were walked.
int run_coverage(const Config& config, const CoverageRequest& request, std::ostream& out,
                 const std::atomic<bool>* stop);

} // namespace sillok::daemon
