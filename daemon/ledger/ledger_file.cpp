#include "daemon/ledger/ledger_file.hpp"

#include <sys/stat.h>

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
    return std::unexpected("the ledger " + m_path.string() + (present ? " was replaced by another file" : " was deleted")
                           + " while sillok had it open; nothing more is saved (start again: a new ledger is"
                             " created, and `sillok verify --repair` fills it from the archive's files)");
}

} // namespace sillok::daemon
