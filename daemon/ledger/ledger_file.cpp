#include "daemon/ledger/ledger_file.hpp"

#include "parsers/text.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace sillok::daemon {

LedgerFileIdentity LedgerFileIdentity::of(const std::filesystem::path& path)
{
    LedgerFileIdentity identity;
    identity.m_path = path;
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
        identity.m_device = static_cast<std::uint64_t>(info.st_dev);
        identity.m_inode = static_cast<std::uint64_t>(info.st_ino);
        identity.m_known = true;
    }
    return identity;
}

std::expected<void, std::string> LedgerFileIdentity::still_in_place() const
{
    if (!m_known) {
        return {};
    }
    struct stat info {};
    const bool present = ::stat(m_path.c_str(), &info) == 0;
    if (present && static_cast<std::uint64_t>(info.st_dev) == m_device
        && static_cast<std::uint64_t>(info.st_ino) == m_inode) {
        return {};
    }
    return std::unexpected("the ledger " + m_path.string()
                           + (present ? " was replaced by another file" : " was deleted")
                           + " while sillok had it open; nothing more is saved (start again: a new ledger is"
                             " created, and `sillok verify --repair` fills it from the archive's files)");
}

std::vector<long> lock_holder_pids(std::string_view proc_locks,
                                   const std::vector<std::pair<std::uint64_t, std::uint64_t>>& files, long own_pid)
{
    // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 1073741824 1073742335"; a line with "->"
    // is a process waiting for that lock, not holding it.
    // A writer is the one in the way; readers (every open connection of a WAL ledger holds a
    // read lock on -shm) are named only when no writer is known.
    std::vector<long> pids;
    std::vector<long> readers;
    std::istringstream lines{std::string(proc_locks)};
    for (std::string line; std::getline(lines, line);) {
        if (line.contains("->")) {
            continue;
        }
        std::istringstream words(line);
        std::string id, kind, mode, access, device;
        long pid = 0;
        if (!(words >> id >> kind >> mode >> access >> pid >> device)) {
            continue;
        }
        unsigned major_number = 0, minor_number = 0;
        unsigned long long inode = 0;
        if (std::sscanf(device.c_str(), "%x:%x:%llu", &major_number, &minor_number, &inode) != 3) {
            continue;
        }
        const auto dev = static_cast<std::uint64_t>(makedev(major_number, minor_number));
        const bool ours = std::ranges::any_of(files, [&](const auto& file) {
            return file.first == dev && file.second == static_cast<std::uint64_t>(inode);
        });
        auto& list = access == "WRITE" ? pids : readers;
        if (ours && pid > 0 && pid != own_pid && std::ranges::find(list, pid) == list.end()) {
            list.push_back(pid);
        }
    }
    return pids.empty() ? readers : pids;
}

std::vector<LedgerLockHolder> ledger_lock_holders(const std::filesystem::path& ledger)
{
    std::vector<std::pair<std::uint64_t, std::uint64_t>> files;
    for (const auto* suffix : {"", "-wal", "-shm"}) {
        struct stat info {};
        auto path = ledger.string() + suffix;
        if (::stat(path.c_str(), &info) == 0) {
            files.emplace_back(static_cast<std::uint64_t>(info.st_dev), static_cast<std::uint64_t>(info.st_ino));
        }
    }
    std::ifstream locks("/proc/locks");
    std::string text((std::istreambuf_iterator<char>(locks)), std::istreambuf_iterator<char>());
    std::vector<LedgerLockHolder> holders;
    for (auto pid : lock_holder_pids(text, files, static_cast<long>(::getpid()))) {
        std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
        std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
        while (command.ends_with('\0')) {
            command.pop_back();
        }
        std::ranges::replace(command, '\0', ' ');
        holders.push_back({pid, parsers::quoted_for_message(command, 200)});
    }
    return holders;
}

std::string ledger_locked_message(const std::filesystem::path& ledger)
{
    const auto shown = parsers::quoted_for_message(ledger.string(), 500);
    auto holders = ledger_lock_holders(ledger);
    if (holders.empty()) {
        return fmt::format("the ledger {} is locked by another process (which one: fuser -v {} {}-wal {}-shm)", shown,
                           shown, shown, shown);
    }
    std::string which;
    for (const auto& holder : holders) {
        which += fmt::format("{}pid {}{}", which.empty() ? "" : ", ", holder.pid,
                             holder.command.empty() ? "" : " (" + holder.command + ")");
    }
    return fmt::format("the ledger {} is locked by another process: {}; wait for it to finish, or stop it", shown,
                       which);
}

} // namespace sillok::daemon
