#pragma once
// Which file a process opened as its ledger (device and inode), so that a ledger deleted
// or replaced under a running process is noticed: SQLite keeps writing to the file it has
// open, and every row written after the swap would be lost.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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

// A process other than this one holding a lock on the ledger (its file, -wal or -shm).
struct LedgerLockHolder {
    long pid = 0;
    std::string command; // its command line, escaped for a terminal; "" when unreadable
};

// The processes that /proc/locks says hold a lock on the ledger, its -wal or -shm file (the
// locks SQLite takes), this process left out; empty when none is known.
std::vector<LedgerLockHolder> ledger_lock_holders(const std::filesystem::path& ledger);
// Parses /proc/locks' text for holders of locks on the files (device, inode) given; for tests.
std::vector<long> lock_holder_pids(std::string_view proc_locks,
                                   const std::vector<std::pair<std::uint64_t, std::uint64_t>>& files, long own_pid);

// "the ledger PATH is locked by another process: pid N (COMMAND)", or, when the holder cannot be
// known, how to find it. For an SQLITE_BUSY or SQLITE_LOCKED on opening a ledger.
std::string ledger_locked_message(const std::filesystem::path& ledger);

} // namespace sillok::daemon
