#pragma once
// `sillok adopt`: brings files that the earlier crawler wrote (parsers/old_layout) under
// sillok: each becomes a version of its article in sillok's format, with a byte-exact copy
// of the original in <archive>/adopted/ and a ledger row naming the file it came from. With
// recrawl, every article whose current version is adopted is queued and crawled again.
#include "daemon/config/config.hpp"

#include <atomic>
#include <filesystem>
#include <iosfwd>
#include <vector>

namespace sillok::daemon {

struct AdoptRequest {
    std::vector<std::filesystem::path> sources; // folders (walked for *.md) and single files
    bool recrawl = false;
};

// Prints one tab-separated line per file (adopted, unchanged, skipped, failed) and, with
// recrawl, one per crawled article, then a summary line. Exit codes: 0 every file adopted
// or unchanged (and every recrawl archived); 1 some file was skipped or failed, or some
// recrawl failed; 64 a source does not exist; 74 archive or ledger not writable; 75 the
// recrawl was interrupted (run again to go on).
int run_adopt(const Config& config, const AdoptRequest& request, std::ostream& out, const std::atomic<bool>* stop);

} // namespace sillok::daemon
