#pragma once
// WARC/1.1 records (ISO 28500:2017): building request/response records of one HTTP
// exchange, their digests, serialising and parsing records, and one gzip member per record.
#include "daemon/util/kst.hpp"

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sillok::daemon {

struct WarcRecord {
    std::vector<std::pair<std::string, std::string>> fields; // in file order
    std::string block;

    // The first field of that name (compared case-insensitively).
    [[nodiscard]] std::optional<std::string_view> field(std::string_view name) const;
    [[nodiscard]] std::string_view type() const { return field("WARC-Type").value_or(""); }
};

// One HTTP exchange as the fetcher saw it. The body is decoded (no transfer or content
// coding left), so the head is rewritten to say so (see decoded_http_head).
struct HttpExchange {
    std::string target_uri;
    WallClock::time_point date{};
    std::string request_head;  // request line and header lines as sent, with the blank line
    std::string response_head; // status line and header lines as received, with the blank line
    std::string body;          // decoded
    std::string peer_ip;       // empty when unknown
};

// "2026-11-30T05:44:10.123Z"
std::string warc_date(WallClock::time_point at);
// UTC: "2026-11-30T05:44:10.123Z", or compact "20261130054410".
std::string utc_stamp(WallClock::time_point at, bool compact);
// "<urn:uuid:...>" from random bytes.
std::string new_record_id();
// RFC 4648 base32, with padding.
std::string base32(std::string_view bytes);
// "sha256:" and the digest in base32 (RFC 4648), the form WARC tools write.
std::string sha256_label(std::string_view bytes);
std::string sha256_label(std::string_view head, std::string_view body);

// The response head for a decoded body: Content-Encoding, Transfer-Encoding and
// Content-Length as received are renamed X-Archive-Orig-<name>, and a Content-Length
// of the decoded body is added.
std::string decoded_http_head(std::string_view received_head, size_t body_size);

// The request record and the response record of one exchange (each concurrent to the other).
std::pair<WarcRecord, WarcRecord> exchange_records(const HttpExchange& exchange);
WarcRecord warcinfo_record(WallClock::time_point at, std::string_view filename, std::string_view info);

// "WARC/1.1", the fields, the block and the two closing CRLFs.
std::string serialize(const WarcRecord& record);
// The record as one gzip member (libdeflate, at zlib's default level 6).
std::expected<std::string, std::string> gzip_member(std::string_view bytes);

// Parses one record at the start of `data`. nullopt: `data` holds only part of a record.
struct ParsedRecord {
    WarcRecord record;
    size_t size = 0; // bytes taken from data, closing CRLFs included
};
std::expected<std::optional<ParsedRecord>, std::string> parse_record(std::string_view data);

// Where a response's HTTP head ends in a block (after its blank line); npos when it has none.
size_t http_head_size(std::string_view block);

} // namespace sillok::daemon
