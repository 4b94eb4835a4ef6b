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
#include <utility>
#include <vector>

namespace sillok::daemon {

// An open file descriptor, closed with its owner.
class FileDescriptor {
public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept
    {
        std::swap(m_fd, other.m_fd);
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor();
    [[nodiscard]] int get() const { return m_fd; }

private:
    int m_fd = -1;
};

// Whether a symbolic link in the last place of a path is followed.
enum class LinkPolicy { follow, refuse };

// Opens path read-only when, and only when, it is a regular file. The open never blocks (a
// FIFO or a device is opened with O_NONBLOCK, then refused by fstat on the descriptor, so
// nothing can change between the check and the read); with LinkPolicy::refuse a symbolic
// link is refused too (O_NOFOLLOW). The error names the path and what it is instead.
std::expected<FileDescriptor, std::string> open_regular_file(const std::filesystem::path& path,
                                                             LinkPolicy links = LinkPolicy::follow);

// A read-only mapping of a whole regular file (opened by open_regular_file).
class MappedFile {
public:
    static std::expected<MappedFile, std::string> open(const std::filesystem::path& path,
                                                       LinkPolicy links = LinkPolicy::follow);
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
    // Up to the end of the member that holds its end; 0 when that member goes on with
    // later records (a whole file compressed as one member).
    uint64_t length = 0;
};

struct WarcReadError {
    enum class Kind {
        too_large, // a record over the reader's cap: skipped unread, reading goes on after it
        torn,      // a record or member cut short or corrupt: reading resumed at the next record found, if any
    };
    std::string message; // says where reading resumed, or that the rest of the file was not read
    uint64_t offset = 0; // where the bad data starts
    Kind kind = Kind::torn;
};

struct WarcReadLimits {
    // The largest record (WARC head and block) read into memory; a larger one is skipped as
    // too_large without being held. Gzip members are inflated a chunk at a time, so no
    // member, however large it inflates, is held whole.
    uint64_t max_record_bytes = UINT64_MAX;
};

class WarcReader {
public:
    static std::expected<WarcReader, WarcReadError> open(const std::filesystem::path& path, WarcReadLimits limits = {},
                                                         LinkPolicy links = LinkPolicy::follow);
    ~WarcReader();
    WarcReader(WarcReader&&) noexcept;
    WarcReader& operator=(WarcReader&&) noexcept;

    // The next record; nullopt at the end. A torn, corrupt or too large record is an error;
    // next() may be called again after one and goes on with the record after it (a torn
    // gzip member: at the next member that starts a WARC record), so a reader that stops at
    // the first error finds in good_end() where the last whole record before it ended.
    // Records are read in time linear in the file's size, however many share a member.
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

// Checks WARC-Block-Digest and WARC-Payload-Digest (sha256 or sha1; base32 or hex); the
// payload digest of a transfer-coded body matches either the bytes sent or the body with its
// chunking undone, as tools differ. Records without digests pass, and so do digests in
// another algorithm: unchecked_digests names those, for a warning.
std::expected<void, std::string> check_digests(const WarcRecord& record);
// The digest fields ("NAME algo:value") of the record in an algorithm check_digests cannot check.
std::vector<std::string> unchecked_digests(const WarcRecord& record);

// Inflates the gzip member at the start of data, appending to out; returns its
// compressed size. Error: a torn (truncated) or corrupt member, or one that inflates to more
// than max_out bytes (nothing past max_out is kept).
std::expected<size_t, std::string> inflate_member(std::string_view data, std::string& out, size_t max_out = SIZE_MAX);

} // namespace sillok::daemon
