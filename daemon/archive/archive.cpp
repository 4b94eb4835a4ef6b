#include "daemon/archive/archive.hpp"

#include "daemon/util/numbers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace sillok::daemon {
namespace fs = std::filesystem;
namespace {

std::atomic<unsigned> g_temp_sequence{0};

IoError io_error(std::string what, const fs::path& path, int error_number = errno)
{
    return IoError{what + " " + path.string() + ": " + std::strerror(error_number), error_number};
}

// A file descriptor closed on scope exit.
class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }

private:
    int m_fd;
};

std::expected<void, IoError> fsync_directory(const fs::path& dir)
{
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
        return std::unexpected(io_error("cannot sync directory", dir));
    }
    return {};
}

std::expected<void, IoError> write_all(int fd, std::string_view bytes, const fs::path& path)
{
    while (!bytes.empty()) {
        auto n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return std::unexpected(io_error("cannot write", path));
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

// Temp files are named "<pid>.<sequence>.tmp" so that a later run can tell whose they are.
bool writer_is_alive(const fs::path& temp)
{
    auto name = temp.filename().string();
    auto dot = name.find('.');
    auto pid = parse_number<pid_t>(std::string_view(name).substr(0, dot));
    if (!pid || *pid <= 0) {
        return false;
    }
    return *pid == ::getpid() || ::kill(*pid, 0) == 0 || errno == EPERM;
}

// A write keeps its temp file for seconds: one older than this is left over whatever
// process now has its writer's pid (pids are reused; pid 1 never exits).
constexpr auto k_stale_temp_age = std::chrono::hours(1);

bool is_stale_temp(const fs::directory_entry& entry)
{
    std::error_code ec;
    auto written = entry.last_write_time(ec);
    bool old = !ec && fs::file_time_type::clock::now() - written > k_stale_temp_age;
    return old || !writer_is_alive(entry.path());
}

} // namespace

size_t clean_stale_temp_files(const fs::path& root)
{
    size_t removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root / Archive::k_temp_dir, ec)) {
        if (entry.path().extension() == ".tmp" && is_stale_temp(entry)) {
            removed += fs::remove(entry.path(), ec) ? 1 : 0;
        }
    }
    return removed;
}

std::expected<Archive, IoError> Archive::open(const fs::path& root)
{
    Archive archive(root);
    if (auto made = archive.ensure_directory(root / k_temp_dir); !made) {
        return std::unexpected(made.error());
    }
    if (::access(root.c_str(), W_OK) != 0) {
        return std::unexpected(io_error("archive folder is not writable:", root));
    }
    clean_stale_temp_files(root);
    return archive;
}

std::expected<void, IoError> Archive::ensure_directory(const fs::path& dir) const
{
    if (fs::is_directory(dir)) {
        return {};
    }
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        if (auto parent = ensure_directory(dir.parent_path()); !parent) {
            return parent;
        }
    }
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        return std::unexpected(io_error("cannot create folder", dir));
    }
    if (!fs::is_directory(dir)) {
        return std::unexpected(io_error("not a folder:", dir, ENOTDIR));
    }
    return dir.has_parent_path() ? fsync_directory(dir.parent_path()) : std::expected<void, IoError>{};
}

std::expected<void, IoError> Archive::refuse_symlinks(std::string_view relative) const
{
    fs::path walked = m_root;
    for (const auto& part : fs::path(relative).relative_path()) {
        walked /= part;
        struct stat info {};
        if (::lstat(walked.c_str(), &info) != 0) {
            return {}; // what does not exist yet is created here, as a real folder or file
        }
        if (S_ISLNK(info.st_mode)) {
            return std::unexpected(IoError{"refusing to write through the symbolic link " + walked.string()
                                               + " inside the archive (replace it with a real folder)",
                                           ELOOP});
        }
    }
    return {};
}

std::expected<void, IoError> Archive::write(std::string_view relative, std::string_view bytes) const
{
    auto target = m_root / relative;
    if (auto refused = refuse_symlinks(relative); !refused) {
        return refused;
    }
    if (auto made = ensure_directory(target.parent_path()); !made) {
        return made;
    }
    if (auto refused = refuse_symlinks(k_temp_dir); !refused) {
        return refused;
    }
    auto temp = m_root / k_temp_dir / (std::to_string(::getpid()) + "." + std::to_string(g_temp_sequence++) + ".tmp");
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
        return std::unexpected(io_error("cannot create", temp));
    }
    auto written = write_all(fd.get(), bytes, temp);
    if (written && ::fsync(fd.get()) != 0) {
        written = std::unexpected(io_error("cannot sync", temp));
    }
    if (written && ::close(fd.release()) != 0) {
        written = std::unexpected(io_error("cannot close", temp));
    }
    if (written && ::rename(temp.c_str(), target.c_str()) != 0) {
        written = std::unexpected(io_error("cannot rename into place", target));
    }
    if (!written) {
        ::unlink(temp.c_str());
        return written;
    }
    return fsync_directory(target.parent_path());
}

namespace {

struct StagedFile {
    fs::path temp;
    fs::path target;
    int fd = -1;
};

// Closes what is open and removes the temp files not yet renamed.
void discard(std::vector<StagedFile>& staged)
{
    for (auto& file : staged) {
        if (file.fd >= 0) {
            ::close(file.fd);
        }
        if (!file.temp.empty()) {
            ::unlink(file.temp.c_str());
        }
    }
}

} // namespace

std::expected<void, IoError> Archive::write_group(const std::vector<FileWrite>& files) const
{
    std::vector<StagedFile> staged;
    staged.reserve(files.size());
    auto failed = [&](IoError error) -> std::expected<void, IoError> {
        discard(staged);
        return std::unexpected(std::move(error));
    };
    for (const auto& file : files) {
        auto target = m_root / file.relative;
        auto checked = refuse_symlinks(file.relative);
        checked = checked ? ensure_directory(target.parent_path()) : checked;
        checked = checked ? refuse_symlinks(k_temp_dir) : checked;
        if (!checked) {
            return failed(checked.error());
        }
        auto temp =
            m_root / k_temp_dir / (std::to_string(::getpid()) + "." + std::to_string(g_temp_sequence++) + ".tmp");
        int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            return failed(io_error("cannot create", temp));
        }
        staged.push_back(StagedFile{temp, target, fd});
        if (auto written = write_all(fd, file.bytes, temp); !written) {
            return failed(written.error());
        }
        ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); // a hint: writeback of all starts now
    }
    for (auto& file : staged) {
        if (::fsync(file.fd) != 0) {
            return failed(io_error("cannot sync", file.temp));
        }
        if (::close(std::exchange(file.fd, -1)) != 0) {
            return failed(io_error("cannot close", file.temp));
        }
    }
    std::set<fs::path> folders;
    for (auto& file : staged) {
        if (::rename(file.temp.c_str(), file.target.c_str()) != 0) {
            return failed(io_error("cannot rename into place", file.target));
        }
        file.temp.clear();
        folders.insert(file.target.parent_path());
    }
    for (const auto& folder : folders) {
        if (auto synced = fsync_directory(folder); !synced) {
            return synced;
        }
    }
    return {};
}

Archive::SaveLock::~SaveLock()
{
    ::close(m_fd); // closing the descriptor releases the lock
}

std::expected<std::unique_ptr<Archive::SaveLock>, IoError> Archive::lock_saves() const
{
    auto path = m_root / k_lock_file;
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
        return std::unexpected(io_error("cannot open", path));
    }
    while (::flock(fd.get(), LOCK_EX) != 0) {
        if (errno != EINTR) {
            return std::unexpected(io_error("cannot lock", path));
        }
    }
    return std::make_unique<SaveLock>(fd.release());
}

std::optional<std::string> Archive::read(std::string_view relative) const
{
    std::ifstream in(m_root / relative, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

bool Archive::exists(std::string_view relative) const
{
    std::error_code ec;
    return fs::exists(m_root / relative, ec);
}

std::expected<void, IoError> Archive::keep_as(std::string_view from, std::string_view to, bool remove_source) const
{
    auto source = m_root / from;
    auto target = m_root / to;
    for (auto relative : {from, to}) {
        if (auto refused = refuse_symlinks(relative); !refused) {
            return refused;
        }
    }
    if (!exists(to)) {
        if (auto made = ensure_directory(target.parent_path()); !made) {
            return made;
        }
        if (::link(source.c_str(), target.c_str()) != 0 && errno != EEXIST) {
            auto bytes = read(from);
            if (!bytes) {
                return std::unexpected(io_error("cannot read", source));
            }
            if (auto copied = write(to, *bytes); !copied) {
                return copied;
            }
        }
        if (auto synced = fsync_directory(target.parent_path()); !synced) {
            return synced;
        }
    }
    if (remove_source && ::unlink(source.c_str()) != 0) {
        return std::unexpected(io_error("cannot remove", source));
    }
    return {};
}

} // namespace sillok::daemon
