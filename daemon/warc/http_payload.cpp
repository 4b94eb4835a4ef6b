#include "daemon/warc/http_payload.hpp"

#include "daemon/warc/warc_record.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>

namespace sillok::daemon {
namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// gzip or zlib (window bits 15 + 32 detect either), or raw deflate as some servers send it.
std::string too_large(size_t max_body)
{
    return "too_large: the decoded body is longer than " + std::to_string(max_body) + " bytes";
}

std::expected<std::string, std::string> inflate_body(std::string_view data, int window_bits, size_t max_body)
{
    z_stream stream{};
    if (inflateInit2(&stream, window_bits) != Z_OK) {
        return std::unexpected("zlib: cannot start decompression");
    }
    std::string out;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
        size_t before = out.size();
        out.resize(before + 65536);
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        stream.avail_out = 65536;
        rc = inflate(&stream, Z_NO_FLUSH);
        out.resize(before + 65536 - stream.avail_out);
        if (rc == Z_BUF_ERROR && stream.avail_in > 0) {
            rc = Z_OK;
        }
        if (out.size() > max_body) {
            inflateEnd(&stream);
            return std::unexpected(too_large(max_body));
        }
    }
    inflateEnd(&stream);
    if (rc != Z_STREAM_END) {
        return std::unexpected("corrupt compressed body");
    }
    return out;
}

} // namespace

std::expected<std::string, std::string> dechunk(std::string_view data)
{
    std::string out;
    for (;;) {
        auto line_end = data.find("\r\n");
        if (line_end == std::string_view::npos) {
            return std::unexpected("chunked body cut short");
        }
        auto size_text = trim(data.substr(0, std::min(line_end, data.find(';'))));
        size_t size = 0;
        auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
        if (ec != std::errc{} || end != size_text.data() + size_text.size()) {
            return std::unexpected("malformed chunk size");
        }
        data.remove_prefix(line_end + 2);
        if (size == 0) {
            return out;
        }
        if (data.size() < size) {
            return std::unexpected("chunked body cut short");
        }
        out.append(data.substr(0, size));
        data.remove_prefix(std::min(data.size(), size + 2));
    }
}

std::expected<HttpResponse, std::string> decode_http_response(std::string_view block, size_t max_body)
{
    auto head_size = http_head_size(block);
    if (!block.starts_with("HTTP/") || head_size == std::string_view::npos) {
        return std::unexpected("no HTTP response head");
    }
    auto head = block.substr(0, head_size);
    std::string_view body = block.substr(head_size);
    HttpResponse response;
    auto status_line = head.substr(0, head.find("\r\n"));
    auto space = status_line.find(' ');
    auto code = space == std::string_view::npos ? std::string_view{} : status_line.substr(space + 1, 3);
    if (std::from_chars(code.data(), code.data() + code.size(), response.status).ec != std::errc{}) {
        return std::unexpected("malformed HTTP status line");
    }
    std::string transfer;
    std::string encoding;
    for (auto rest = head.substr(status_line.size() + 2); !rest.empty();) {
        auto line = rest.substr(0, rest.find("\r\n"));
        rest.remove_prefix(std::min(rest.size(), line.size() + 2));
        auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        auto name = lower(trim(line.substr(0, colon)));
        auto value = trim(line.substr(colon + 1));
        if (name == "transfer-encoding")
            transfer = lower(value);
        if (name == "content-encoding")
            encoding = lower(value);
        if (name == "content-type")
            response.content_type = value;
    }
    std::string decoded;
    if (transfer.find("chunked") != std::string::npos) {
        auto unchunked = dechunk(body);
        if (!unchunked) {
            return std::unexpected(unchunked.error());
        }
        decoded = std::move(*unchunked);
    } else {
        decoded = body;
    }
    if (decoded.size() > max_body) {
        return std::unexpected(too_large(max_body));
    }
    if (encoding.empty() || encoding == "identity") {
        response.body = std::move(decoded);
    } else if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
        auto inflated = inflate_body(decoded, 15 + 32, max_body);
        if (!inflated && encoding == "deflate" && !inflated.error().starts_with("too_large")) {
            inflated = inflate_body(decoded, -15, max_body);
        }
        if (!inflated && inflated.error().starts_with("too_large")) {
            return std::unexpected(inflated.error());
        }
        if (!inflated) {
            return std::unexpected(encoding + " body: " + inflated.error());
        }
        response.body = std::move(*inflated);
    } else {
        return std::unexpected("body in content coding '" + encoding + "', which sillok cannot decode here");
    }
    return response;
}

} // namespace sillok::daemon
