#include "daemon/warc/warc_reader.hpp"

#include "daemon/util/c_handles.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace sillok::daemon {
namespace {

constexpr size_t k_inflate_chunk = size_t{64} << 10;

std::string hex(std::string_view bytes)
{
    std::string out;
    for (unsigned char byte : bytes) {
        out += fmt::format("{:02x}", byte);
    }
    return out;
}

// Whether a "algo:value" label is the digest of bytes. nullopt: an algorithm not checked.
std::optional<bool> digest_matches(std::string_view label, std::string_view bytes)
{
    auto colon = label.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    std::string algorithm(label.substr(0, colon));
    std::ranges::transform(algorithm, algorithm.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (algorithm == "sha-1") algorithm = "sha1";
    if (algorithm == "sha-256") algorithm = "sha256";
    if (algorithm != "sha1" && algorithm != "sha256") {
        return std::nullopt;
    }
    const EVP_MD* md = EVP_get_digestbyname(algorithm.c_str());
    EvpMdCtx ctx{EVP_MD_CTX_new()};
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (md == nullptr || !ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1
        || EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1
        || EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1) {
        return std::nullopt;
    }
    std::string_view raw(reinterpret_cast<const char*>(digest.data()), size);
    std::string value(label.substr(colon + 1));
    while (!value.empty() && value.back() == '=') {
        value.pop_back();
    }
    auto same = [](std::string_view a, std::string_view b) {
        return std::ranges::equal(a, b, [](char x, char y) {
            return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
        });
    };
    auto encoded = base32(raw);
    encoded.erase(encoded.find_last_not_of('=') + 1);
    return same(value, encoded) || same(value, hex(raw));
}

} // namespace

std::expected<MappedFile, std::string> MappedFile::open(const std::filesystem::path& path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::unexpected("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    struct stat info{};
    if (fstat(fd, &info) != 0) {
        int error = errno;
        ::close(fd);
        return std::unexpected("cannot read " + path.string() + ": " + std::strerror(error));
    }
    MappedFile file;
    file.m_size = static_cast<size_t>(info.st_size);
    if (file.m_size > 0) {
        void* data = mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            int error = errno;
            ::close(fd);
            return std::unexpected("cannot map " + path.string() + ": " + std::strerror(error));
        }
        file.m_data = static_cast<const char*>(data);
    }
    ::close(fd);
    return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0))
{
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept
{
    std::swap(m_data, other.m_data);
    std::swap(m_size, other.m_size);
    return *this;
}

MappedFile::~MappedFile()
{
    if (m_data != nullptr) {
        munmap(const_cast<char*>(m_data), m_size);
    }
}

std::expected<size_t, std::string> inflate_member(std::string_view data, std::string& out)
{
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 16) != Z_OK) {
        return std::unexpected("zlib: cannot start decompression");
    }
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), UINT32_MAX));
    int rc = Z_OK;
    while (rc == Z_OK) {
        size_t before = out.size();
        out.resize(before + k_inflate_chunk);
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        stream.avail_out = static_cast<uInt>(k_inflate_chunk);
        rc = inflate(&stream, Z_NO_FLUSH);
        out.resize(before + k_inflate_chunk - stream.avail_out);
        if (rc == Z_BUF_ERROR && stream.avail_in > 0) {
            rc = Z_OK; // the output was full
        }
    }
    size_t used = stream.total_in;
    inflateEnd(&stream);
    if (rc == Z_STREAM_END) {
        return used;
    }
    if (rc == Z_BUF_ERROR) {
        return std::unexpected("gzip member cut short");
    }
    return std::unexpected("corrupt gzip data");
}

struct WarcReader::State {
    MappedFile file;
    bool gzip = false;
    size_t cursor = 0;        // next unread byte of the file
    std::string pending;      // inflated bytes not yet parsed
    size_t pending_start = 0; // where the member holding pending's start begins
    size_t good_end = 0;
};

WarcReader::WarcReader(std::unique_ptr<State> state) : m_state(std::move(state)) {}
WarcReader::~WarcReader() = default;
WarcReader::WarcReader(WarcReader&&) noexcept = default;
WarcReader& WarcReader::operator=(WarcReader&&) noexcept = default;
uint64_t WarcReader::good_end() const { return m_state->good_end; }
uint64_t WarcReader::size() const { return m_state->file.bytes().size(); }

std::expected<WarcReader, WarcReadError> WarcReader::open(const std::filesystem::path& path)
{
    auto file = MappedFile::open(path);
    if (!file) {
        return std::unexpected(WarcReadError{file.error(), 0});
    }
    auto state = std::make_unique<State>();
    state->file = std::move(*file);
    auto bytes = state->file.bytes();
    state->gzip = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f
                  && static_cast<unsigned char>(bytes[1]) == 0x8b;
    return WarcReader(std::move(state));
}

std::expected<std::optional<WarcEntry>, WarcReadError> WarcReader::next()
{
    auto& s = *m_state;
    auto bytes = s.file.bytes();
    for (;;) {
        // Some tools leave blank lines between records.
        size_t blank = s.pending.find_first_not_of("\r\n");
        s.pending.erase(0, blank == std::string::npos ? s.pending.size() : blank);
        if (!s.gzip) {
            while (s.cursor < bytes.size() && (bytes[s.cursor] == '\r' || bytes[s.cursor] == '\n')) {
                ++s.cursor;
            }
            if (s.cursor >= bytes.size()) {
                return std::optional<WarcEntry>{};
            }
            auto parsed = parse_record(bytes.substr(s.cursor));
            if (!parsed || !*parsed) {
                return std::unexpected(WarcReadError{parsed ? "record cut short at the end of the file" : parsed.error(),
                                                     s.cursor});
            }
            WarcEntry entry{std::move((*parsed)->record), s.cursor, (*parsed)->size};
            s.cursor += (*parsed)->size;
            s.good_end = s.cursor;
            return entry;
        }
        if (!s.pending.empty()) {
            auto parsed = parse_record(s.pending);
            if (!parsed) {
                return std::unexpected(WarcReadError{parsed.error(), s.pending_start});
            }
            if (*parsed) {
                WarcEntry entry{std::move((*parsed)->record), s.pending_start, s.cursor - s.pending_start};
                s.pending.erase(0, (*parsed)->size);
                if (s.pending.find_first_not_of("\r\n") == std::string::npos) {
                    s.pending.clear();
                    s.good_end = s.cursor;
                    s.pending_start = s.cursor;
                }
                return entry;
            }
        }
        if (s.cursor >= bytes.size()) {
            if (!s.pending.empty()) {
                return std::unexpected(WarcReadError{"record cut short at the end of the file", s.pending_start});
            }
            return std::optional<WarcEntry>{};
        }
        if (s.pending.empty()) {
            s.pending_start = s.cursor;
        }
        auto used = inflate_member(bytes.substr(s.cursor), s.pending);
        if (!used) {
            return std::unexpected(WarcReadError{used.error(), s.cursor});
        }
        s.cursor += *used;
    }
}

std::expected<void, std::string> check_digests(const WarcRecord& record)
{
    if (auto label = record.field("WARC-Block-Digest")) {
        if (digest_matches(*label, record.block) == false) {
            return std::unexpected("block digest does not match");
        }
    }
    auto label = record.field("WARC-Payload-Digest");
    if (!label || record.type() != "response") {
        return {};
    }
    auto head_size = http_head_size(record.block);
    if (head_size == std::string_view::npos) {
        return std::unexpected("response record without an HTTP head");
    }
    std::string_view head(record.block.data(), head_size);
    std::string lower(head);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find("\ntransfer-encoding:") != std::string::npos) {
        return {}; // payload digests of transfer-coded bodies differ between tools
    }
    if (digest_matches(*label, std::string_view(record.block).substr(head_size)) == false) {
        return std::unexpected("payload digest does not match");
    }
    return {};
}

std::expected<WarcRecord, std::string> read_record_at(const std::filesystem::path& path, uint64_t offset,
                                                      uint64_t length)
{
    auto file = MappedFile::open(path);
    if (!file) {
        return std::unexpected(file.error());
    }
    return read_record_at(file->bytes(), offset, length);
}

std::expected<WarcRecord, std::string> read_record_at(std::string_view bytes, uint64_t offset, uint64_t length)
{
    if (offset > bytes.size() || length > bytes.size() - offset) {
        return std::unexpected(fmt::format("record at {}+{} lies beyond the end of the file ({} bytes)", offset,
                                           length, bytes.size()));
    }
    std::string inflated;
    auto used = inflate_member(bytes.substr(offset, length), inflated);
    if (!used) {
        return std::unexpected(fmt::format("record at {}: {}", offset, used.error()));
    }
    if (*used != length) {
        return std::unexpected(fmt::format("record at {}: its gzip member is {} bytes, not {}", offset, *used, length));
    }
    auto parsed = parse_record(inflated);
    if (!parsed || !*parsed) {
        return std::unexpected(fmt::format("record at {}: {}", offset, parsed ? "record cut short" : parsed.error()));
    }
    if (auto checked = check_digests((*parsed)->record); !checked) {
        return std::unexpected(fmt::format("record at {}: {}", offset, checked.error()));
    }
    return std::move((*parsed)->record);
}

} // namespace sillok::daemon
