#include "daemon/warc/warc_record.hpp"

#include "daemon/util/digest.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <stdexcept>

namespace sillok::daemon {
namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return std::ranges::equal(a, b, [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

WarcRecord http_record(std::string_view type, const HttpExchange& exchange, std::string id, std::string block)
{
    WarcRecord record;
    record.fields = {{"WARC-Type", std::string(type)},
                     {"WARC-Record-ID", std::move(id)},
                     {"WARC-Date", warc_date(exchange.date)},
                     {"WARC-Target-URI", exchange.target_uri}};
    if (!exchange.peer_ip.empty()) {
        record.fields.emplace_back("WARC-IP-Address", exchange.peer_ip);
    }
    record.fields.emplace_back("Content-Type", std::string("application/http;msgtype=") + std::string(type));
    record.block = std::move(block);
    return record;
}

} // namespace

std::string base32(std::string_view bytes)
{
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (unsigned char byte : bytes) {
        buffer = ((buffer << 8) | byte) & 0xffff;
        bits += 8;
        while (bits >= 5) {
            out.push_back(k_alphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) {
        out.push_back(k_alphabet[(buffer << (5 - bits)) & 31]);
    }
    while (out.size() % 8 != 0) {
        out.push_back('=');
    }
    return out;
}

std::optional<std::string_view> WarcRecord::field(std::string_view name) const
{
    for (const auto& [key, value] : fields) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

std::string utc_stamp(WallClock::time_point at, bool compact)
{
    auto millis = std::chrono::floor<std::chrono::milliseconds>(at);
    auto day = std::chrono::floor<std::chrono::days>(millis);
    std::chrono::year_month_day ymd{day};
    std::chrono::hh_mm_ss hms{millis - day};
    auto year = static_cast<int>(ymd.year());
    auto month = static_cast<unsigned>(ymd.month());
    auto mday = static_cast<unsigned>(ymd.day());
    if (compact) {
        return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", year, month, mday, hms.hours().count(),
                           hms.minutes().count(), hms.seconds().count());
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, mday, hms.hours().count(),
                       hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

std::string warc_date(WallClock::time_point at) { return utc_stamp(at, false); }

std::string new_record_id()
{
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
    std::string id = "<urn:uuid:";
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            id.push_back('-');
        }
        id += fmt::format("{:02x}", bytes[i]);
    }
    return id + ">";
}

std::string sha256_label(std::string_view bytes) { return sha256_label(bytes, {}); }

std::string sha256_label(std::string_view head, std::string_view body)
{
    Sha256 digest;
    digest.update(head);
    digest.update(body);
    auto bytes = digest.finish();
    return "sha256:" + base32(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::string decoded_http_head(std::string_view received_head, size_t body_size)
{
    std::string head;
    bool first = true;
    while (!received_head.empty()) {
        auto end = received_head.find('\n');
        auto line = received_head.substr(0, end == std::string_view::npos ? received_head.size() : end + 1);
        received_head.remove_prefix(line.size());
        auto text = line;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
            text.remove_suffix(1);
        }
        if (text.empty()) {
            continue; // the blank line: written below
        }
        if (!first) {
            auto colon = text.find(':');
            auto name = text.substr(0, colon);
            if (colon != std::string_view::npos
                && (iequals(name, "Content-Encoding") || iequals(name, "Transfer-Encoding")
                    || iequals(name, "Content-Length"))) {
                head += "X-Archive-Orig-";
            }
        }
        first = false;
        head += text;
        head += "\r\n";
    }
    head += "Content-Length: " + std::to_string(body_size) + "\r\n\r\n";
    return head;
}

std::pair<WarcRecord, WarcRecord> exchange_records(const HttpExchange& exchange)
{
    auto request_id = new_record_id();
    auto response_id = new_record_id();
    auto head = decoded_http_head(exchange.response_head, exchange.body.size());

    auto response = http_record("response", exchange, response_id, head + exchange.body);
    response.fields.emplace_back("WARC-Concurrent-To", request_id);
    response.fields.emplace_back("WARC-Payload-Digest", sha256_label(exchange.body));
    response.fields.emplace_back("WARC-Block-Digest", sha256_label(response.block));

    auto request = http_record("request", exchange, request_id, exchange.request_head);
    request.fields.emplace_back("WARC-Concurrent-To", response_id);
    request.fields.emplace_back("WARC-Block-Digest", sha256_label(request.block));
    return {std::move(request), std::move(response)};
}

WarcRecord warcinfo_record(WallClock::time_point at, std::string_view filename, std::string_view info)
{
    WarcRecord record;
    record.fields = {{"WARC-Type", "warcinfo"},
                     {"WARC-Record-ID", new_record_id()},
                     {"WARC-Date", warc_date(at)},
                     {"WARC-Filename", std::string(filename)},
                     {"Content-Type", "application/warc-fields"}};
    record.block = info;
    record.fields.emplace_back("WARC-Block-Digest", sha256_label(record.block));
    return record;
}

std::string serialize(const WarcRecord& record)
{
    constexpr std::string_view k_version = "WARC/1.1\r\n";
    const auto length_line = "Content-Length: " + std::to_string(record.block.size()) + "\r\n\r\n";
    std::size_t size = k_version.size() + length_line.size() + record.block.size() + 4;
    for (const auto& [name, value] : record.fields) {
        size += name.size() + value.size() + 4;
    }
    std::string out;
    out.reserve(size); // the block is most of it: one copy, never a reallocation
    out += k_version;
    for (const auto& [name, value] : record.fields) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += length_line;
    out += record.block;
    out += "\r\n\r\n";
    return out;
}

namespace {

struct CompressorDeleter {
    void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// On the saved article pages, level 5 is 1.4 % larger than level 6 (zlib's default, whose
// size libdeflate matches) and takes 14 % less time; compression is a third of a crawl's CPU.
constexpr int k_gzip_level = 5;

} // namespace

std::expected<std::string, std::string> gzip_member(std::string_view bytes)
{
    // One compressor per thread (it holds the match finder's tables), kept for its life.
    thread_local std::unique_ptr<libdeflate_compressor, CompressorDeleter> compressor{
        libdeflate_alloc_compressor(k_gzip_level)};
    if (!compressor) {
        return std::unexpected("libdeflate: cannot start compression");
    }
    std::string out;
    out.resize_and_overwrite(
        libdeflate_gzip_compress_bound(compressor.get(), bytes.size()), [&](char* data, std::size_t room) {
            return libdeflate_gzip_compress(compressor.get(), bytes.data(), bytes.size(), data, room);
        });
    if (out.empty()) {
        return std::unexpected("libdeflate: compression failed");
    }
    return out;
}

std::expected<std::optional<ParsedRecord>, std::string> parse_record(std::string_view data)
{
    static constexpr std::string_view k_end_of_head = "\r\n\r\n";
    static constexpr std::string_view k_magic = "WARC/1.";
    if (data.size() < k_magic.size()) {
        if (k_magic.starts_with(data)) {
            return std::optional<ParsedRecord>{};
        }
        return std::unexpected("not a WARC record (no WARC/1.x line)");
    }
    if (!data.starts_with(k_magic)) {
        return std::unexpected("not a WARC record (no WARC/1.x line)");
    }
    auto head_end = data.find(k_end_of_head);
    if (head_end == std::string_view::npos) {
        return std::optional<ParsedRecord>{};
    }
    ParsedRecord parsed;
    auto head = data.substr(0, head_end + 2);
    head.remove_prefix(head.find("\r\n") + 2);
    std::optional<size_t> length;
    while (!head.empty()) {
        auto line = head.substr(0, head.find("\r\n"));
        head.remove_prefix(std::min(head.size(), line.size() + 2));
        auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            return std::unexpected("malformed WARC header line");
        }
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        auto name = line.substr(0, colon);
        if (iequals(name, "Content-Length")) {
            size_t number = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
            if (ec != std::errc{} || end != value.data() + value.size()) {
                return std::unexpected("malformed Content-Length");
            }
            length = number;
            continue;
        }
        parsed.record.fields.emplace_back(std::string(name), std::string(value));
    }
    if (!length) {
        return std::unexpected("WARC record without Content-Length");
    }
    size_t block_at = head_end + k_end_of_head.size();
    if (data.size() - block_at < *length) {
        return std::optional<ParsedRecord>{};
    }
    parsed.record.block = data.substr(block_at, *length);
    auto after = data.substr(block_at + *length);
    if (after.size() < 4 && std::string_view(k_end_of_head).starts_with(after)) {
        return std::optional<ParsedRecord>{};
    }
    if (!after.starts_with(k_end_of_head)) {
        return std::unexpected("WARC record not closed by two CRLFs");
    }
    parsed.size = block_at + *length + k_end_of_head.size();
    return parsed;
}

size_t http_head_size(std::string_view block)
{
    auto end = block.find("\r\n\r\n");
    return end == std::string_view::npos ? std::string_view::npos : end + 4;
}

} // namespace sillok::daemon
