#pragma once
// Reading WARC files: sillok's own (one gzip member per record) and other tools'
// (.warc.gz with one or many records per member, or plain .warc). Files are mapped,
// never read whole into memory.
#include "daemon/warc/warc_record.hpp"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace sillok::daemon {

// A read-only mapping of a whole file.
class MappedFile {
public:
    static std::expected<MappedFile, std::string> open(const std::filesystem::path& path);
    MappedFile() = default;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();
    [[nodiscard]] std::string_view bytes() const { return {m_data, m_size}; }

private:
    const char* m_data = nullptr;
    size_t m_size = 0;
};

struct WarcEntry {
    WarcRecord record;
    uint64_t offset = 0; // where its gzip member (plain file: the record) starts
    uint64_t length = 0; // up to the end of the member that holds its end
};

struct WarcReadError {
    std::string message;
    uint64_t offset = 0; // where the bad data starts
};

class WarcReader {
public:
    static std::expected<WarcReader, WarcReadError> open(const std::filesystem::path& path);
    ~WarcReader();
    WarcReader(WarcReader&&) noexcept;
    WarcReader& operator=(WarcReader&&) noexcept;

    // The next record; nullopt at the end. A torn or corrupt record is an error, and
    // good_end() then tells where the last whole record ended.
    std::expected<std::optional<WarcEntry>, WarcReadError> next();
    [[nodiscard]] uint64_t good_end() const;
    [[nodiscard]] uint64_t size() const;

private:
    struct State;
    explicit WarcReader(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

// The one record at (offset, length) of a sillok WARC file: a whole gzip member holding
// a whole record, whose block digest (and payload digest, where it has one) match.
std::expected<WarcRecord, std::string> read_record_at(const std::filesystem::path& path, uint64_t offset,
                                                      uint64_t length);
// The same within the bytes of a file already mapped.
std::expected<WarcRecord, std::string> read_record_at(std::string_view file_bytes, uint64_t offset, uint64_t length);

// Checks WARC-Block-Digest and, when the payload was stored without transfer coding,
// WARC-Payload-Digest (sha256 or sha1; base32 or hex). Records without digests pass.
std::expected<void, std::string> check_digests(const WarcRecord& record);

// Inflates the gzip member at the start of data, appending to out; returns its
// compressed size. Error: a torn (truncated) or corrupt member.
std::expected<size_t, std::string> inflate_member(std::string_view data, std::string& out);

} // namespace sillok::daemon
