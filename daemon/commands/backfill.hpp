#pragma once
// sillok backfill: walks Naver's per-date listings for a range of Korean dates, queues
// every article in the shared frontier (priority backfill) and archives them. Progress
// per (listing, date) lives in the ledger, so any interruption resumes where it stopped;
// the politeness budget and the frontier are shared with a running service.
#include "daemon/config/config.hpp"
#include "parsers/listing.hpp"

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sillok::daemon {

struct BackfillRequest {
    std::chrono::year_month_day from;
    std::chrono::year_month_day to;
    std::vector<std::string> sections; // "101" or "101/259"
    std::vector<std::string> presses;  // oids
    bool refresh = false;              // walk listings again even when fully walked before
    bool dry_run = false;              // list what would be queued; queue and archive nothing
    std::optional<size_t> limit;       // stop queuing after this many new articles
    // When set, every ref each listing lists, by listing ("section 100", "press 015").
    std::map<std::string, std::set<parsers::ArticleRef>>* listed = nullptr;
};

// Exit codes: 0 the range is complete; 1 some articles or listings failed (listed, and
// retried on the next run); 75 interrupted, throttled or stopped by --limit before
// finishing; 74 archive or ledger not writable.
int run_backfill(const Config& config, const BackfillRequest& request, std::ostream& out,
                 const std::atomic<bool>* stop);

} // namespace sillok::daemon
