#pragma once
// Which file a process opened as its ledger (device and inode), so that a ledger deleted
// or replaced under a running process is noticed: SQLite keeps writing to the file it has
// open, and every row written after the swap would be lost.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

namespace sillok::daemon {

class LedgerFileIdentity {
public:
    LedgerFileIdentity() = default;
    // The file now at path; an identity that never matches when it cannot be read.
    static LedgerFileIdentity of(const std::filesystem::path& path);

    // Error, saying what happened and what to do, when the file at the path is gone or is
    // another file than the one taken.
    [[nodiscard]] std::expected<void, std::string> still_in_place() const;

private:
    std::filesystem::path m_path;
    std::uint64_t m_device = 0;
    std::uint64_t m_inode = 0;
    bool m_known = false;
};

} // namespace sillok::daemon
