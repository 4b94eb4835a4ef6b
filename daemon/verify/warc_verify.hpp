#pragma once
// `sillok verify` for WARC: every response record a fetch row points to is there, whole,
// of the fetch's URL, the very record stored (the SHA-256 the ledger kept), and its digests
// match; every response record in the archive's WARC files has a fetch row pointing to it;
// and <archive>/warc holds only folders and regular files.
#include "daemon/verify/verify.hpp"

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

using WarcProblem = std::function<void(ProblemKind kind, std::string_view file, std::string_view detail)>;

struct WarcLinksChecked {
    size_t records = 0;        // fetch rows that point to a record
    size_t without_digest = 0; // of them, rows the ledger keeps no SHA-256 for (recorded before it did)
};

// Calls problem(kind, warc file, detail) for each bad record. Error: the ledger cannot be read.
std::expected<WarcLinksChecked, std::string> check_warc_links(sqlite3* db, const std::filesystem::path& archive_root,
                                                              const WarcProblem& problem);

// A response record of the archive's WARC files that no fetch row points to.
struct UnlinkedResponse {
    std::string file; // relative to the archive
    int64_t offset = 0;
    int64_t length = 0;
    std::string sha256;     // of its gzip member
    std::string url;        // WARC-Target-URI
    std::string started_at; // its WARC-Date in KST, with milliseconds; empty when it has none
    std::string crawled_at; // the same to the second, as a version's first_seen has it
    std::optional<long> status;
    int64_t bytes = 0; // HTTP body bytes
};

// Reads every WARC file under <archive>/warc (folders are not followed through links; a
// FIFO, device, socket or link there is a problem) and returns the response records no fetch
// row points to, once a fresh look at the ledger confirms it. Records of a file still being
// written may be ahead of their fetch rows: a torn end of such a file is not a problem.
std::expected<std::vector<UnlinkedResponse>, std::string>
find_unlinked_responses(sqlite3* db, const std::filesystem::path& archive_root, const WarcProblem& problem);

// The fetch rows that point to a record but keep no SHA-256 of it get the SHA-256 of the
// record as it now is (a ledger from before the ledger kept it); returns how many.
std::expected<size_t, std::string> record_missing_digests(sqlite3* db, const std::filesystem::path& archive_root);

} // namespace sillok::daemon
