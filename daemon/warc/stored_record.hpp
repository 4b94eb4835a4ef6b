#pragma once
// Reading back a response record sillok stored, no larger than what its fetch received: a
// gzip bomb put in place of a record fails at that size instead of exhausting memory.
#include "daemon/warc/warc_record.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace sillok::daemon {

// What a stored response record of a body of body_bytes (the fetch row's `bytes`) may inflate
// to: the body and its HTTP and WARC heads.
inline size_t record_cap(int64_t body_bytes)
{
    constexpr size_t k_heads = size_t{1} << 20;
    return body_bytes < 0 ? k_heads : static_cast<size_t>(body_bytes) + k_heads;
}

// read_record_at (warc_reader.hpp) within a cap of max_inflated bytes.
std::expected<WarcRecord, std::string> read_record_within(std::string_view file_bytes, uint64_t offset, uint64_t length,
                                                          size_t max_inflated);

} // namespace sillok::daemon
