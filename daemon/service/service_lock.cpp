#include "daemon/service/service_lock.hpp"

#include "daemon/archive/archive.hpp"
#include "daemon/util/kst.hpp"
#include "daemon/util/numbers.hpp"
#include "parsers/text.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace sillok::daemon {
namespace {

constexpr std::string_view k_lock_name = Archive::k_service_lock_file;

// "PID SINCE\n" as the holder wrote it.
std::optional<ServiceHolder> read_holder(int fd)
{
    std::array<char, 128> buffer{};
    auto got = ::pread(fd, buffer.data(), buffer.size() - 1, 0);
    if (got <= 0) {
        return std::nullopt;
    }
    std::string_view text(buffer.data(), static_cast<size_t>(got));
    auto space = text.find(' ');
    auto end = text.find('\n');
    if (space == std::string_view::npos || end == std::string_view::npos || end < space) {
        return std::nullopt;
    }
    auto pid = parse_number<pid_t>(text.substr(0, space));
    if (!pid) {
        return std::nullopt;
    }
    return ServiceHolder{*pid, parsers::quoted_for_message(text.substr(space + 1, end - space - 1), 64)};
}

} // namespace

Result<ServiceLock> ServiceLock::take(const std::filesystem::path& archive)
{
    const auto path = archive / k_lock_name;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return std::unexpected(Error{kind_of_errno(errno), "cannot open " + parsers::quoted_for_message(path.string())
                                                               + ": " + std::strerror(errno)});
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        auto holder = read_holder(fd);
        ::close(fd);
        std::string who =
            holder ? "pid " + std::to_string(holder->pid) + ", running since " + holder->since : "another process";
        return std::unexpected(
            Error{ErrorKind::ledger_busy, "sillok run already serves the archive "
                                              + parsers::quoted_for_message(archive.string()) + " (" + who
                                              + "); stop it first (systemctl stop sillok), or give this "
                                                "one another archive"});
    }
    auto line = std::to_string(::getpid()) + " " + kst_iso(wall_now()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
        auto error = Error{kind_of_errno(errno),
                           "cannot write " + parsers::quoted_for_message(path.string()) + ": " + std::strerror(errno)};
        ::close(fd);
        return std::unexpected(error);
    }
    return ServiceLock(fd);
}

ServiceLock::ServiceLock(ServiceLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }

ServiceLock::~ServiceLock()
{
    if (m_fd >= 0) {
        ::close(m_fd); // releases the lock; the file stays for the next service
    }
}

std::optional<ServiceHolder> running_service(const std::filesystem::path& archive)
{
    const auto path = archive / k_lock_name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        return std::nullopt;
    }
    std::optional<ServiceHolder> holder;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        holder = read_holder(fd);
        if (!holder) {
            holder = ServiceHolder{0, "?"};
        }
    }
    ::close(fd);
    return holder;
}

} // namespace sillok::daemon
