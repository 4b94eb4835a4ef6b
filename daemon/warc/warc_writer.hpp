#pragma once
// Writing the archive's WARC files: <archive>/warc/YYYY/MM/sillok-<UTC>-<serial>.warc.gz,
// each begun with a warcinfo record, one gzip member per record, rotated at a size. Every
// process writes its own file (created exclusively, locked while open); a file being
// written has a marker in <archive>/warc/.open (<name>.writing), so a start after a crash finds the files
// a dead writer left and cuts them after their last whole record.
#include "daemon/archive/archive.hpp"
#include "daemon/warc/warc_record.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sillok::daemon {

// Which responses are kept (config `warc`).
enum class WarcMode { versions, all, off };
std::optional<WarcMode> parse_warc_mode(std::string_view text);
std::string_view to_string(WarcMode mode);

// Where a record lies: file relative to the archive, byte offset and length of its gzip
// member, and the SHA-256 of that member as written (64 hex digits), which the ledger keeps
// so that verify tells the stored record from one put in its place.
struct WarcRef {
    std::string file;
    int64_t offset = 0;
    int64_t length = 0;
    std::string sha256{};
};

// The request and response records of one exchange as gzip members, ready for
// WarcWriter::append_members: CPU only, so any thread may build them.
std::expected<std::vector<std::string>, std::string> exchange_members(const HttpExchange& exchange);

inline constexpr uint64_t k_default_warc_file_bytes = uint64_t{1} << 30;

class WarcWriter {
public:
    WarcWriter(std::filesystem::path archive_root, uint64_t max_file_bytes);
    ~WarcWriter(); // seals the open file
    WarcWriter(const WarcWriter&) = delete;
    WarcWriter& operator=(const WarcWriter&) = delete;

    // Appends the request and response records of one exchange and syncs them to disk;
    // returns where the response record lies. On failure nothing partial stays in the file.
    std::expected<WarcRef, IoError> write_exchange(const HttpExchange& exchange);
    // Appends one record as it is (a record read from another tool's file).
    std::expected<WarcRef, IoError> write_record(const WarcRecord& record);
    // Appends members built by exchange_members without syncing them (a batch appends
    // several, then syncs once); returns where the last member lies. On failure nothing
    // partial stays in the file.
    std::expected<WarcRef, IoError> append_members(const std::vector<std::string>& members);
    // Syncs what append_members left unsynced; on failure the file is cut back to what
    // the last sync covered.
    std::expected<void, IoError> sync();

    // The file being written, relative to the archive; empty before the first record.
    [[nodiscard]] const std::string& current_file() const { return m_relative; }

private:
    std::expected<WarcRef, IoError> append(const std::vector<std::string>& members, bool synced);
    std::expected<void, IoError> start_file();
    void seal();

    std::filesystem::path m_root;
    uint64_t m_max_file_bytes;
    int m_fd = -1;
    std::string m_relative;
    std::filesystem::path m_marker;
    uint64_t m_size = 0;
    uint64_t m_synced_size = 0; // what the last sync covered (or the file's warcinfo)
    // For the crash test, in a build with test hooks (SILLOK_TEST_HOOKS, never the release
    // build): SILLOK_TEST_WARC_PAUSE_MS in the environment makes every write
    // stop this long half-way through its record, so that a kill lands mid-record.
    std::chrono::milliseconds m_test_pause{0};
};

// Where the article pipeline keeps the responses it handles, and which.
struct ResponseKeeper {
    WarcWriter* writer = nullptr; // null: none kept
    WarcMode mode = WarcMode::off;
};

inline constexpr std::string_view k_warc_dir = "warc";
inline constexpr std::string_view k_warc_open_dir = "warc/.open";

// Seals the files that writers which are gone left open: each is cut after its last whole
// record. Returns how many files had to be cut.
std::expected<size_t, IoError> recover_warc_files(const std::filesystem::path& archive_root);

} // namespace sillok::daemon
