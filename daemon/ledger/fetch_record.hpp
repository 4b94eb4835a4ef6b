#pragma once
// One HTTP attempt, as the fetches table records it: what the fetcher reports and the
// ledger keeps, without either seeing the other.
#include <cstdint>
#include <optional>
#include <string>

namespace sillok::daemon {

struct FetchRecord {
    std::string url;
    std::string started_at;
    std::optional<long> status;
    int64_t bytes = 0;
    int64_t duration_ms = 0;
    std::string error; // empty on success
    // Where the response is kept in the archive's WARC files; empty file: not kept.
    std::string warc_file{};
    int64_t warc_offset = 0;
    int64_t warc_length = 0;
    std::string warc_sha256{}; // of the record's gzip member as written (WarcRef::sha256)
};

} // namespace sillok::daemon
