#include "daemon/archive/regular_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace sillok::daemon {
namespace {

// Closes a descriptor at the end of a scope.
class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    [[nodiscard]] int get() const { return m_fd; }
    void reset(int fd)
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = fd;
    }

private:
    int m_fd;
};

std::string why(std::string_view relative, const std::string& what) { return std::string(relative) + ": " + what; }

} // namespace

std::string_view file_kind(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "a regular file";
    case S_IFDIR:
        return "a folder";
    case S_IFLNK:
        return "a symbolic link";
    case S_IFIFO:
        return "a FIFO";
    case S_IFSOCK:
        return "a socket";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    default:
        return "not a regular file";
    }
}

ArchiveFileMap::ArchiveFileMap(ArchiveFileMap&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0))
{
}

ArchiveFileMap& ArchiveFileMap::operator=(ArchiveFileMap&& other) noexcept
{
    std::swap(m_data, other.m_data);
    std::swap(m_size, other.m_size);
    return *this;
}

ArchiveFileMap::~ArchiveFileMap()
{
    if (m_data != nullptr) {
        munmap(const_cast<char*>(m_data), m_size);
    }
}

std::expected<ArchiveFileMap, std::string> map_archive_file(const std::filesystem::path& root,
                                                            std::string_view relative)
{
    std::vector<std::string> parts;
    for (size_t start = 0; start <= relative.size();) {
        auto slash = relative.find('/', start);
        auto part = relative.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (part.empty() || part == "." || part == "..") {
            return std::unexpected(why(relative, "not a path inside the archive"));
        }
        parts.emplace_back(part);
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    if (relative.empty() || parts.empty()) {
        return std::unexpected(why(relative, "not a path inside the archive"));
    }
    Fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) {
        return std::unexpected("cannot open the archive " + root.string() + ": " + std::strerror(errno));
    }
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        struct stat info {};
        if (::fstatat(dir.get(), parts[i].c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
            return std::unexpected(why(relative, std::string("cannot open: ") + std::strerror(errno)));
        }
        if (!S_ISDIR(info.st_mode)) {
            return std::unexpected(
                why(relative, std::string(file_kind(info.st_mode)) + " where a folder should be: not followed"));
        }
        int next = ::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            return std::unexpected(why(relative, std::string("cannot open: ") + std::strerror(errno)));
        }
        dir.reset(next);
    }
    const auto& name = parts.back();
    struct stat before {};
    if (::fstatat(dir.get(), name.c_str(), &before, AT_SYMLINK_NOFOLLOW) != 0) {
        return std::unexpected(why(relative, std::string("cannot open: ") + std::strerror(errno)));
    }
    if (!S_ISREG(before.st_mode)) {
        return std::unexpected(
            why(relative, std::string(file_kind(before.st_mode)) + ", not a regular file: not read"));
    }
    // Whatever took its place meanwhile, the open neither blocks nor follows a link.
    Fd file(::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (file.get() < 0) {
        return std::unexpected(why(relative, std::string("cannot open: ") + std::strerror(errno)));
    }
    struct stat info {};
    if (::fstat(file.get(), &info) != 0) {
        return std::unexpected(why(relative, std::string("cannot read: ") + std::strerror(errno)));
    }
    if (!S_ISREG(info.st_mode)) {
        return std::unexpected(why(relative, std::string(file_kind(info.st_mode)) + ", not a regular file: not read"));
    }
    ArchiveFileMap mapped;
    mapped.m_size = static_cast<size_t>(info.st_size);
    if (mapped.m_size > 0) {
        void* data = ::mmap(nullptr, mapped.m_size, PROT_READ, MAP_PRIVATE, file.get(), 0);
        if (data == MAP_FAILED) {
            mapped.m_size = 0;
            return std::unexpected(why(relative, std::string("cannot map: ") + std::strerror(errno)));
        }
        mapped.m_data = static_cast<const char*>(data);
    }
    return mapped;
}

} // namespace sillok::daemon
