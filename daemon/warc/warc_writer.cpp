#include "daemon/warc/warc_writer.hpp"

#include "daemon/util/digest.hpp"
#include "daemon/util/numbers.hpp"
#include "daemon/warc/warc_reader.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>
#include <thread>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

IoError io_error(const std::string& what, int error_number)
{
    return IoError{what + ": " + std::strerror(error_number), error_number};
}

void sync_directory(const fs::path& dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

bool write_all(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        auto written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(written));
    }
    return true;
}

std::string warcinfo_fields()
{
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return std::string("software: sillok/") + SILLOK_VERSION + "\r\n" + "format: WARC File Format 1.1\r\n"
           + "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
           + "hostname: " + host + "\r\n"
           + "description: Naver News responses as received; bodies decoded, the received Content-Encoding, "
             "Transfer-Encoding and Content-Length kept as X-Archive-Orig- headers\r\n";
}

} // namespace

std::optional<WarcMode> parse_warc_mode(std::string_view text)
{
    if (text == "versions")
        return WarcMode::versions;
    if (text == "all")
        return WarcMode::all;
    if (text == "off")
        return WarcMode::off;
    return std::nullopt;
}

std::string_view to_string(WarcMode mode)
{
    switch (mode) {
    case WarcMode::versions:
        return "versions";
    case WarcMode::all:
        return "all";
    case WarcMode::off:
        return "off";
    }
    return "versions";
}

WarcWriter::WarcWriter(fs::path archive_root, uint64_t max_file_bytes)
    : m_root(std::move(archive_root)), m_max_file_bytes(max_file_bytes)
{
#ifdef SILLOK_TEST_HOOKS
    if (const char* pause = std::getenv("SILLOK_TEST_WARC_PAUSE_MS")) {
        m_test_pause = std::chrono::milliseconds(parse_number<int64_t>(pause).value_or(0));
    }
#endif
}

WarcWriter::~WarcWriter() { seal(); }

void WarcWriter::seal()
{
    if (m_fd < 0) {
        return;
    }
    ::fsync(m_fd);
    ::close(m_fd); // releases the lock
    m_fd = -1;
    std::error_code ignored;
    fs::remove(m_marker, ignored);
    m_relative.clear();
    m_size = 0;
    m_synced_size = 0;
}

// A new file named by the UTC time and the first free serial, its marker, its warcinfo.
std::expected<void, IoError> WarcWriter::start_file()
{
    auto now = wall_now();
    auto stamp = utc_stamp(now, true);
    auto folder = fs::path(k_warc_dir) / stamp.substr(0, 4) / stamp.substr(4, 2);
    std::error_code ec;
    fs::create_directories(m_root / folder, ec);
    fs::create_directories(m_root / k_warc_open_dir, ec);
    if (ec) {
        return std::unexpected(
            IoError{"cannot create " + (m_root / folder).string() + ": " + ec.message(), ec.value()});
    }
    for (int serial = 0; serial < 100000; ++serial) {
        auto name = fmt::format("sillok-{}-{:05}.warc.gz", stamp, serial);
        auto relative = (folder / name).string();
        int fd = ::open((m_root / relative).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) {
            continue;
        }
        if (fd < 0) {
            return std::unexpected(io_error("cannot create " + (m_root / relative).string(), errno));
        }
        ::flock(fd, LOCK_EX);
        m_marker = m_root / k_warc_open_dir / (name + ".writing");
        std::ofstream(m_marker) << relative << '\n';
        sync_directory(m_root / folder);
        sync_directory(m_root / k_warc_open_dir);
        m_fd = fd;
        m_relative = relative;
        m_size = 0;
        auto info = gzip_member(serialize(warcinfo_record(now, name, warcinfo_fields())));
        if (!info || !write_all(m_fd, *info)) {
            int error = errno;
            seal();
            return std::unexpected(info ? io_error("cannot write " + relative, error) : IoError{info.error(), 0});
        }
        m_size = info->size();
        m_synced_size = m_size;
        return {};
    }
    return std::unexpected(IoError{"no free WARC file name in " + (m_root / folder).string(), EEXIST});
}

std::expected<WarcRef, IoError> WarcWriter::append(const std::vector<std::string>& members, bool synced)
{
    if (members.empty()) {
        return std::unexpected(IoError{"no WARC record to write", 0});
    }
    size_t total = 0;
    for (const auto& member : members) {
        total += member.size();
    }
    if (m_fd >= 0 && m_size + total > m_max_file_bytes) {
        seal();
    }
    if (m_fd < 0) {
        if (auto started = start_file(); !started) {
            return std::unexpected(started.error());
        }
    }
    std::string bytes;
    bytes.reserve(total);
    for (const auto& member : members) {
        bytes += member;
    }
    std::string_view rest = bytes;
    if (m_test_pause.count() > 0) {
        auto half = std::string_view(bytes).substr(0, bytes.size() - members.back().size() / 2);
        if (write_all(m_fd, half)) {
            rest.remove_prefix(half.size());
            std::this_thread::sleep_for(m_test_pause);
        }
    }
    if (!write_all(m_fd, rest) || (synced && ::fdatasync(m_fd) != 0)) {
        int error = errno;
        // Nothing partial stays: the file ends after its last whole record again.
        if (::ftruncate(m_fd, static_cast<off_t>(m_size)) != 0) {
            spdlog::error("cannot cut {} back after a failed write: {}", m_relative, std::strerror(errno));
        }
        return std::unexpected(io_error("cannot write " + (m_root / m_relative).string(), error));
    }
    WarcRef ref{m_relative, static_cast<int64_t>(m_size + total - members.back().size()),
                static_cast<int64_t>(members.back().size()), sha256_hex(members.back())};
    m_size += total;
    if (synced) {
        m_synced_size = m_size;
    }
    return ref;
}

std::expected<WarcRef, IoError> WarcWriter::append_members(const std::vector<std::string>& members)
{
    return append(members, false);
}

std::expected<void, IoError> WarcWriter::sync()
{
    if (m_fd < 0 || m_synced_size == m_size) {
        return {};
    }
    if (::fdatasync(m_fd) != 0) {
        int error = errno;
        if (::ftruncate(m_fd, static_cast<off_t>(m_synced_size)) != 0) {
            spdlog::error("cannot cut {} back after a failed sync: {}", m_relative, std::strerror(errno));
        }
        m_size = m_synced_size;
        return std::unexpected(io_error("cannot sync " + (m_root / m_relative).string(), error));
    }
    m_synced_size = m_size;
    return {};
}

std::expected<std::vector<std::string>, std::string> exchange_members(const HttpExchange& exchange)
{
    auto [request, response] = exchange_records(exchange);
    auto request_member = gzip_member(serialize(request));
    auto response_member = gzip_member(serialize(response));
    if (!request_member || !response_member) {
        return std::unexpected(!request_member ? request_member.error() : response_member.error());
    }
    return std::vector<std::string>{std::move(*request_member), std::move(*response_member)};
}

std::expected<WarcRef, IoError> WarcWriter::write_exchange(const HttpExchange& exchange)
{
    auto members = exchange_members(exchange);
    if (!members) {
        return std::unexpected(IoError{members.error(), 0});
    }
    return append(*members, true);
}

std::expected<WarcRef, IoError> WarcWriter::write_record(const WarcRecord& record)
{
    auto member = gzip_member(serialize(record));
    if (!member) {
        return std::unexpected(IoError{member.error(), 0});
    }
    return append({std::move(*member)}, true);
}

std::expected<size_t, IoError> recover_warc_files(const fs::path& archive_root)
{
    auto open_dir = archive_root / k_warc_open_dir;
    std::error_code ec;
    if (!fs::is_directory(open_dir, ec)) {
        return size_t{0};
    }
    size_t cut = 0;
    for (const auto& marker : fs::directory_iterator(open_dir, ec)) {
        std::string relative;
        std::getline(std::ifstream(marker.path()), relative);
        auto path = archive_root / relative;
        int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            fs::remove(marker.path(), ec); // the file never got its name
            continue;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd); // its writer is alive
            continue;
        }
        auto reader = WarcReader::open(path);
        if (reader) {
            for (auto entry = reader->next(); entry && *entry; entry = reader->next()) {
            }
            if (reader->good_end() < reader->size()) {
                spdlog::warn("{}: cut after its last whole record at byte {} ({} torn bytes removed)", relative,
                             reader->good_end(), reader->size() - reader->good_end());
                if (::ftruncate(fd, static_cast<off_t>(reader->good_end())) != 0 || ::fsync(fd) != 0) {
                    int error = errno;
                    ::close(fd);
                    return std::unexpected(io_error("cannot cut torn record off " + path.string(), error));
                }
                ++cut;
            }
        }
        ::close(fd);
        fs::remove(marker.path(), ec);
    }
    sync_directory(open_dir);
    return cut;
}

} // namespace sillok::daemon
