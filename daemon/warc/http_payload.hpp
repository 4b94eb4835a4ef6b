#pragma once
// The HTTP response inside a WARC response record: status, head and the body with its
// transfer coding (chunked) and content coding (gzip, deflate) undone. sillok's own records
// hold decoded bodies already; other tools' records hold the bytes as they were sent.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sillok::daemon {

struct HttpResponse {
    int status = 0;
    std::string content_type;
    std::string body;
};

// A chunked body (RFC 9112 7.1) joined; error: malformed or cut short.
std::expected<std::string, std::string> dechunk(std::string_view data);

// Error: the reason the block holds no usable response (for a per-record report). A body
// longer than max_body once decoded fails as "too_large: ..."; a compressed one is inflated
// a chunk at a time and given up as soon as it passes max_body, so no more is ever held.
std::expected<HttpResponse, std::string> decode_http_response(std::string_view block, size_t max_body = SIZE_MAX);

} // namespace sillok::daemon
