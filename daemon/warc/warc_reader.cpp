#include "daemon/warc/warc_reader.hpp"

#include "daemon/util/c_handles.hpp"
#include "daemon/warc/http_payload.hpp"
#include "daemon/warc/stored_record.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
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

bool is_checked_algorithm(std::string algorithm)
{
    std::ranges::transform(algorithm, algorithm.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return algorithm == "sha1" || algorithm == "sha-1" || algorithm == "sha256" || algorithm == "sha-256";
}

// Whether a "algo:value" label is the digest of bytes. nullopt: an algorithm not checked.
std::optional<bool> digest_matches(std::string_view label, std::string_view bytes)
{
    auto colon = label.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    std::string algorithm(label.substr(0, colon));
    std::ranges::transform(algorithm, algorithm.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (algorithm == "sha-1")
        algorithm = "sha1";
    if (algorithm == "sha-256")
        algorithm = "sha256";
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

FileDescriptor::~FileDescriptor()
{
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

std::expected<FileDescriptor, std::string> open_regular_file(const std::filesystem::path& path, LinkPolicy links)
{
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    if (links == LinkPolicy::refuse) {
        flags |= O_NOFOLLOW;
    }
    FileDescriptor fd(::open(path.c_str(), flags));
    if (fd.get() < 0) {
        int error = errno;
        if (error == ELOOP && links == LinkPolicy::refuse) {
            return std::unexpected("cannot open " + path.string() + ": a symbolic link, not a regular file");
        }
        return std::unexpected("cannot open " + path.string() + ": " + std::strerror(error));
    }
    struct stat info {};
    if (fstat(fd.get(), &info) != 0) {
        return std::unexpected("cannot read " + path.string() + ": " + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) {
        std::string_view kind = S_ISFIFO(info.st_mode)   ? "a FIFO"
                                : S_ISCHR(info.st_mode)  ? "a character device"
                                : S_ISBLK(info.st_mode)  ? "a block device"
                                : S_ISSOCK(info.st_mode) ? "a socket"
                                : S_ISDIR(info.st_mode)  ? "a directory"
                                                         : "not a file";
        return std::unexpected(fmt::format("cannot read {}: {}, not a regular file", path.string(), kind));
    }
    // Reads of a regular file never block; the flag is cleared all the same.
    int status = fcntl(fd.get(), F_GETFL);
    if (status >= 0) {
        fcntl(fd.get(), F_SETFL, status & ~O_NONBLOCK);
    }
    return fd;
}

std::expected<MappedFile, std::string> MappedFile::open(const std::filesystem::path& path, LinkPolicy links)
{
    auto fd = open_regular_file(path, links);
    if (!fd) {
        return std::unexpected(fd.error());
    }
    struct stat info {};
    if (fstat(fd->get(), &info) != 0) {
        return std::unexpected("cannot read " + path.string() + ": " + std::strerror(errno));
    }
    MappedFile file;
    file.m_size = static_cast<size_t>(info.st_size);
    if (file.m_size > 0) {
        void* data = mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd->get(), 0);
        if (data == MAP_FAILED) {
            return std::unexpected("cannot map " + path.string() + ": " + std::strerror(errno));
        }
        file.m_data = static_cast<const char*>(data);
    }
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

std::expected<size_t, std::string> inflate_member(std::string_view data, std::string& out, size_t max_out)
{
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 16) != Z_OK) {
        return std::unexpected("zlib: cannot start decompression");
    }
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), UINT32_MAX));
    size_t start = out.size();
    int rc = Z_OK;
    while (rc == Z_OK) {
        size_t before = out.size();
        if (before - start >= max_out) {
            break;
        }
        size_t chunk = std::min(k_inflate_chunk, max_out - (before - start));
        out.resize(before + chunk);
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        stream.avail_out = static_cast<uInt>(chunk);
        rc = inflate(&stream, Z_NO_FLUSH);
        out.resize(before + chunk - stream.avail_out);
        if (rc == Z_BUF_ERROR && stream.avail_in > 0) {
            rc = Z_OK; // the output was full
        }
    }
    size_t used = stream.total_in;
    inflateEnd(&stream);
    if (rc == Z_STREAM_END) {
        return used;
    }
    if (rc == Z_OK) {
        return std::unexpected(fmt::format("too_large: gzip member inflates to more than {} bytes", max_out));
    }
    if (rc == Z_BUF_ERROR) {
        return std::unexpected("gzip member cut short");
    }
    return std::unexpected("corrupt gzip data");
}

namespace {

constexpr std::string_view k_warc_magic = "WARC/1.";
constexpr size_t k_max_head_bytes = size_t{1} << 20; // a WARC head longer than this is no head

bool is_blank(char c) { return c == '\r' || c == '\n'; }

// The size of a record from its head alone: where its block starts and how long it is.
struct RecordHead {
    size_t block_at = 0;
    uint64_t length = 0;
};

// nullopt: the head is not all there yet. Error: this is no WARC head.
std::expected<std::optional<RecordHead>, std::string> read_head(std::string_view data)
{
    if (!data.starts_with(k_warc_magic)) {
        if (data.size() < k_warc_magic.size() && k_warc_magic.starts_with(data)) {
            return std::optional<RecordHead>{};
        }
        return std::unexpected("not a WARC record (no WARC/1.x line)");
    }
    auto head_end = data.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
        if (data.size() > k_max_head_bytes) {
            return std::unexpected(fmt::format("WARC head longer than {} bytes", k_max_head_bytes));
        }
        return std::optional<RecordHead>{};
    }
    auto head = data.substr(0, head_end + 2);
    for (size_t at = head.find("\r\n") + 2; at < head.size();) {
        auto line = head.substr(at, head.find("\r\n", at) - at);
        at += line.size() + 2;
        constexpr std::string_view k_name = "content-length:";
        if (line.size() < k_name.size()
            || !std::ranges::equal(line.substr(0, k_name.size()), k_name,
                                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
            continue;
        }
        auto value = line.substr(k_name.size());
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        uint64_t length = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (ec != std::errc{} || end != value.data() + value.size()) {
            return std::unexpected("malformed Content-Length");
        }
        return RecordHead{head_end + 4, length};
    }
    return std::unexpected("WARC record without Content-Length");
}

} // namespace

struct WarcReader::State {
    MappedFile file;
    WarcReadLimits limits;
    bool gzip = false;
    size_t cursor = 0;   // plain: next unread byte; gzip: where the next member starts
    std::string pending; // inflated bytes, parsed up to pending_at
    size_t pending_at = 0;
    size_t pending_start = 0; // where the member holding the record at pending_at begins
    size_t good_end = 0;
    bool lost = false;                    // bytes were passed over unread since the last record returned
    uint64_t skip = 0;                    // inflated bytes of a too large record still to pass over
    std::optional<WarcReadError> failure; // found while settling a record returned already
    // The gzip member being inflated.
    z_stream stream{};
    bool stream_ready = false;
    bool in_member = false;
    size_t member_start = 0;
    size_t in_next = 0; // the next compressed byte to feed

    State() = default;
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State()
    {
        if (stream_ready) {
            inflateEnd(&stream);
        }
    }

    [[nodiscard]] size_t available() const { return pending.size() - pending_at; }
    void drop_blank()
    {
        while (pending_at < pending.size() && is_blank(pending[pending_at])) {
            ++pending_at;
        }
        if (pending_at == pending.size()) {
            pending.clear();
            pending_at = 0;
            if (!in_member && !lost) {
                good_end = cursor; // every record so far is whole, and so is its member
                pending_start = cursor;
            }
        }
    }

    // Inflates one chunk more of the member being read (starting the next one when none is).
    // False at the end of the file. Error: the member is torn or corrupt.
    std::expected<bool, std::string> fill()
    {
        auto bytes = file.bytes();
        if (!in_member) {
            if (cursor >= bytes.size()) {
                return false;
            }
            if (bytes.size() - cursor < 2 || static_cast<unsigned char>(bytes[cursor]) != 0x1f
                || static_cast<unsigned char>(bytes[cursor + 1]) != 0x8b) {
                member_start = cursor;
                return std::unexpected("not a gzip member");
            }
            int rc = stream_ready ? inflateReset(&stream) : inflateInit2(&stream, 15 + 16);
            if (rc != Z_OK) {
                return std::unexpected("zlib: cannot start decompression");
            }
            stream_ready = true;
            in_member = true;
            member_start = cursor;
            in_next = cursor;
            if (pending.empty()) {
                pending_start = cursor;
            }
        }
        // Parsed bytes are dropped once they are half the buffer: each byte moves O(1) times.
        if (pending_at > k_inflate_chunk && pending_at * 2 > pending.size()) {
            pending.erase(0, pending_at);
            pending_at = 0;
        }
        size_t in_size = std::min<size_t>(bytes.size() - in_next, size_t{1} << 30);
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + in_next));
        stream.avail_in = static_cast<uInt>(in_size);
        size_t before = pending.size();
        pending.resize(before + k_inflate_chunk);
        stream.next_out = reinterpret_cast<Bytef*>(pending.data() + before);
        stream.avail_out = static_cast<uInt>(k_inflate_chunk);
        int rc = inflate(&stream, Z_NO_FLUSH);
        pending.resize(before + k_inflate_chunk - stream.avail_out);
        in_next += in_size - stream.avail_in;
        if (rc == Z_STREAM_END) {
            in_member = false;
            cursor = in_next;
            return true;
        }
        if (rc == Z_OK) {
            return true;
        }
        if (rc == Z_BUF_ERROR && in_next >= bytes.size()) {
            return std::unexpected("gzip member cut short");
        }
        return std::unexpected("corrupt gzip data");
    }

    // Where reading goes on after bad data at `from`: the next gzip member that starts a WARC
    // record (plain file: the next line that does). Sets the reader there; says what it did.
    std::string resume_after(size_t from)
    {
        auto bytes = file.bytes();
        pending.clear();
        pending_at = 0;
        skip = 0;
        in_member = false;
        lost = true;
        size_t found = bytes.size();
        for (size_t at = from + 1; at < bytes.size(); ++at) {
            if (gzip) {
                auto magic = bytes.find("\x1f\x8b\x08", at);
                if (magic == std::string_view::npos) {
                    break;
                }
                at = magic;
                std::string head;
                auto inflated = inflate_member(bytes.substr(at, std::min<size_t>(bytes.size() - at, 4096)), head,
                                               k_warc_magic.size());
                if (head == k_warc_magic) {
                    found = at;
                    break;
                }
            } else {
                auto line = bytes.find("\nWARC/1.", at - 1);
                if (line == std::string_view::npos) {
                    break;
                }
                found = line + 1;
                break;
            }
        }
        cursor = found;
        pending_start = found;
        if (found < bytes.size()) {
            return fmt::format("; reading resumed at byte {}", found);
        }
        return fmt::format("; the rest of the file (bytes {} to {}) was not read: no WARC record starts in it", from,
                           bytes.size());
    }

    WarcReadError torn(const std::string& message, size_t at)
    {
        auto where = resume_after(at);
        return WarcReadError{message + where, at, WarcReadError::Kind::torn};
    }

    WarcReadError too_large(uint64_t size, size_t at)
    {
        return WarcReadError{
            fmt::format("too_large: a record of {} bytes, over the cap of {} bytes", size, limits.max_record_bytes), at,
            WarcReadError::Kind::too_large};
    }

    std::expected<std::optional<WarcEntry>, WarcReadError> next_plain();
    std::expected<std::optional<WarcEntry>, WarcReadError> next_gzip();
};

std::expected<std::optional<WarcEntry>, WarcReadError> WarcReader::State::next_plain()
{
    auto bytes = file.bytes();
    while (cursor < bytes.size() && is_blank(bytes[cursor])) {
        ++cursor;
    }
    if (cursor >= bytes.size()) {
        if (!lost) {
            good_end = cursor;
        }
        return std::optional<WarcEntry>{};
    }
    auto rest = bytes.substr(cursor);
    size_t at = cursor;
    auto head = read_head(rest);
    if (!head) {
        return std::unexpected(torn(head.error(), at));
    }
    if (!*head) {
        return std::unexpected(torn("record cut short at the end of the file", at));
    }
    uint64_t size = (*head)->block_at + (*head)->length;
    if ((*head)->length > limits.max_record_bytes || size > limits.max_record_bytes) {
        cursor += static_cast<size_t>(std::min<uint64_t>(size, rest.size()));
        return std::unexpected(too_large(size, at));
    }
    auto parsed = parse_record(rest);
    if (!parsed) {
        return std::unexpected(torn(parsed.error(), at));
    }
    if (!*parsed) {
        return std::unexpected(torn("record cut short at the end of the file", at));
    }
    WarcEntry entry{std::move((*parsed)->record), at, (*parsed)->size};
    cursor += (*parsed)->size;
    good_end = cursor;
    lost = false;
    return entry;
}

std::expected<std::optional<WarcEntry>, WarcReadError> WarcReader::State::next_gzip()
{
    if (failure) {
        auto error = std::move(*failure);
        failure.reset();
        return std::unexpected(std::move(error));
    }
    for (;;) {
        if (skip > 0) {
            auto passed = static_cast<size_t>(std::min<uint64_t>(skip, available()));
            pending_at += passed;
            skip -= passed;
            if (skip == 0) {
                continue;
            }
            pending.clear();
            pending_at = 0;
        } else {
            drop_blank();
        }
        if (skip == 0 && available() > 0) {
            std::string_view data(pending.data() + pending_at, available());
            auto head = read_head(data);
            if (!head) {
                return std::unexpected(torn(head.error(), pending_start));
            }
            if (*head) {
                uint64_t size = (*head)->block_at + (*head)->length;
                if ((*head)->length > limits.max_record_bytes || size > limits.max_record_bytes) {
                    auto passed = static_cast<size_t>(std::min<uint64_t>(size, available()));
                    pending_at += passed;
                    skip = size - passed;
                    return std::unexpected(too_large(size, pending_start));
                }
                if (available() >= size) {
                    auto parsed = parse_record(data);
                    if (!parsed) {
                        return std::unexpected(torn(parsed.error(), pending_start));
                    }
                    if (*parsed) {
                        WarcEntry entry{std::move((*parsed)->record), pending_start, 0};
                        pending_at += (*parsed)->size;
                        lost = false;
                        // Settles whether the record ends its member, reading on while only
                        // blank lines follow it there.
                        drop_blank();
                        while (in_member && available() == 0) {
                            auto more = fill();
                            if (!more) {
                                failure = torn(more.error(), member_start);
                                break;
                            }
                            drop_blank();
                        }
                        if (!in_member && available() == 0 && !failure) {
                            entry.length = cursor - entry.offset;
                        }
                        return entry;
                    }
                }
            }
        }
        auto more = fill();
        if (!more) {
            return std::unexpected(torn(more.error(), member_start));
        }
        if (!*more) {
            if (skip > 0 || available() > 0) {
                size_t at = pending_start;
                pending.clear();
                pending_at = 0;
                skip = 0;
                return std::unexpected(
                    WarcReadError{"record cut short at the end of the file", at, WarcReadError::Kind::torn});
            }
            return std::optional<WarcEntry>{};
        }
    }
}

WarcReader::WarcReader(std::unique_ptr<State> state) : m_state(std::move(state)) {}
WarcReader::~WarcReader() = default;
WarcReader::WarcReader(WarcReader&&) noexcept = default;
WarcReader& WarcReader::operator=(WarcReader&&) noexcept = default;
uint64_t WarcReader::good_end() const { return m_state->good_end; }
uint64_t WarcReader::size() const { return m_state->file.bytes().size(); }

std::expected<WarcReader, WarcReadError> WarcReader::open(const std::filesystem::path& path, WarcReadLimits limits,
                                                          LinkPolicy links)
{
    auto file = MappedFile::open(path, links);
    if (!file) {
        return std::unexpected(WarcReadError{file.error(), 0});
    }
    auto state = std::make_unique<State>();
    state->file = std::move(*file);
    state->limits = limits;
    auto bytes = state->file.bytes();
    state->gzip = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f
                  && static_cast<unsigned char>(bytes[1]) == 0x8b;
    return WarcReader(std::move(state));
}

std::expected<std::optional<WarcEntry>, WarcReadError> WarcReader::next()
{
    return m_state->gzip ? m_state->next_gzip() : m_state->next_plain();
}

std::vector<std::string> unchecked_digests(const WarcRecord& record)
{
    std::vector<std::string> unchecked;
    for (std::string_view name : {"WARC-Block-Digest", "WARC-Payload-Digest"}) {
        auto label = record.field(name);
        if (label && !is_checked_algorithm(std::string(label->substr(0, label->find(':'))))) {
            unchecked.push_back(std::string(name) + " " + std::string(*label));
        }
    }
    return unchecked;
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
    auto payload = std::string_view(record.block).substr(head_size);
    auto matches = digest_matches(*label, payload);
    if (matches == false && lower.find("\ntransfer-encoding:") != std::string::npos) {
        // Tools differ on a transfer-coded body: some digest the bytes sent, some the body
        // with its chunking undone. Either is accepted; neither is a mismatch.
        if (auto joined = dechunk(payload)) {
            matches = digest_matches(*label, *joined);
        }
    }
    if (matches == false) {
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

std::expected<WarcRecord, std::string> read_record_within(std::string_view bytes, uint64_t offset, uint64_t length,
                                                          size_t max_inflated)
{
    if (offset > bytes.size() || length > bytes.size() - offset) {
        return std::unexpected(
            fmt::format("record at {}+{} lies beyond the end of the file ({} bytes)", offset, length, bytes.size()));
    }
    std::string inflated;
    auto used = inflate_member(bytes.substr(offset, length), inflated, max_inflated);
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

std::expected<WarcRecord, std::string> read_record_at(std::string_view bytes, uint64_t offset, uint64_t length)
{
    return read_record_within(bytes, offset, length, SIZE_MAX);
}

} // namespace sillok::daemon
