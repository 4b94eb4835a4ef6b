// Reading other tools' WARC files under attack: what is no regular file, gzip bombs, torn
// members in the middle of a file, and many records in one member.
#include "daemon/warc/http_payload.hpp"
#include "daemon/warc/stored_record.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "daemon/warc/warc_record.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace sillok::daemon;

namespace {

namespace fs = std::filesystem;

std::string warc_text(std::string_view uri, std::string_view block)
{
    return "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: " + std::string(uri)
           + "\r\nWARC-Date: 2024-05-30T02:40:08Z\r\nContent-Length: " + std::to_string(block.size()) + "\r\n\r\n"
           + std::string(block) + "\r\n\r\n";
}

std::string member(std::string_view bytes)
{
    auto gz = gzip_member(bytes);
    REQUIRE(gz);
    return *gz;
}

long peak_rss_kib()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

std::vector<std::string> read_all(WarcReader& reader, std::vector<WarcReadError>& errors)
{
    std::vector<std::string> uris;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        auto entry = reader.next();
        if (!entry) {
            errors.push_back(entry.error());
            continue;
        }
        if (!*entry) {
            break;
        }
        uris.emplace_back((*entry)->record.field("WARC-Target-URI").value_or(""));
    }
    return uris;
}

} // namespace

TEST_CASE("warc::only regular files are read: a FIFO or a device fails at once, never blocks")
{
    sillok::test::ScratchDir scratch;
    auto fifo = scratch.path() / "fifo.warc.gz";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    // Without a writer, a blocking open of a FIFO never returns.
    auto opened = WarcReader::open(fifo);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().message.find("a FIFO, not a regular file") != std::string::npos);

    auto zero = WarcReader::open("/dev/zero");
    REQUIRE_FALSE(zero);
    CHECK(zero.error().message.find("a character device, not a regular file") != std::string::npos);
    CHECK_FALSE(open_regular_file(scratch.path()));

    auto file = scratch.path() / "a.warc";
    sillok::test::write_file(file, warc_text("https://example.com/", "x"));
    auto link = scratch.path() / "link.warc";
    fs::create_symlink(file, link);
    CHECK(open_regular_file(link));
    auto refused = open_regular_file(link, LinkPolicy::refuse);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().find("symbolic link") != std::string::npos);
    CHECK_FALSE(MappedFile::open(link, LinkPolicy::refuse));
    CHECK(MappedFile::open(file));
}

TEST_CASE("warc::a record that inflates past the cap fails as too_large, is never held, and the next is read")
{
    sillok::test::ScratchDir scratch;
    constexpr size_t k_zeros = size_t{256} << 20;
    const std::string head = "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: https://example.com/bomb\r\n"
                             "Content-Length: "
                             + std::to_string(k_zeros) + "\r\n\r\n";
    auto bomb = sillok::test::gzip_with_zeros(head, k_zeros, "\r\n\r\n");
    CHECK(bomb.size() < (size_t{1} << 20));
    // A head that claims little and a member that goes on with zeros: no record follows it there.
    auto liar = sillok::test::gzip_with_zeros(warc_text("https://example.com/liar", "x"), k_zeros, "");
    auto path = scratch.path() / "bomb.warc.gz";
    sillok::test::write_file(path, member(warc_text("https://example.com/1", "one")) + bomb
                                       + member(warc_text("https://example.com/2", "two")) + liar
                                       + member(warc_text("https://example.com/3", "three")));
    auto before = peak_rss_kib();
    auto reader = WarcReader::open(path, WarcReadLimits{size_t{1} << 20});
    REQUIRE(reader);
    std::vector<WarcReadError> errors;
    auto uris = read_all(*reader, errors);
    CHECK(uris
          == std::vector<std::string>{"https://example.com/1", "https://example.com/2", "https://example.com/liar",
                                      "https://example.com/3"});
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].kind == WarcReadError::Kind::too_large);
    CHECK(errors[0].message.starts_with("too_large: a record of "));
    CHECK(errors[1].kind == WarcReadError::Kind::torn);
    // The 256 MiB were inflated a chunk at a time, never held.
    CHECK(peak_rss_kib() - before < 64 * 1024);
}

TEST_CASE("warc::an HTTP body that inflates past its cap fails as too_large")
{
    auto body = sillok::test::gzip_with_zeros("", size_t{64} << 20, "");
    std::string block = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(body.size())
                        + "\r\n\r\n" + body;
    auto before = peak_rss_kib();
    auto decoded = decode_http_response(block, size_t{1} << 20);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().starts_with("too_large: "));
    CHECK(peak_rss_kib() - before < 32 * 1024);
    // Within the cap, the same body decodes.
    auto small = sillok::test::gzip_with_zeros("<html>", 1000, "</html>");
    auto fine = decode_http_response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + small, size_t{1} << 20);
    REQUIRE(fine);
    CHECK(fine->body.size() == 1013);
    // An uncompressed body over the cap fails the same way.
    auto plain = decode_http_response("HTTP/1.1 200 OK\r\n\r\n" + std::string(2048, 'x'), 1024);
    REQUIRE_FALSE(plain);
    CHECK(plain.error().starts_with("too_large: "));
}

TEST_CASE("warc::a torn member in the middle of a file: the records after it are read, and the report says so")
{
    sillok::test::ScratchDir scratch;
    auto first = member(warc_text("https://example.com/1", std::string(3000, 'a')));
    auto second = member(warc_text("https://example.com/2", "second record, whose member is cut in half"));
    auto third = member(warc_text("https://example.com/3", "three"));
    auto path = scratch.path() / "torn.warc.gz";
    sillok::test::write_file(path, first + second.substr(0, second.size() / 2) + third);
    auto reader = WarcReader::open(path);
    REQUIRE(reader);
    std::vector<WarcReadError> errors;
    auto uris = read_all(*reader, errors);
    CHECK(uris == std::vector<std::string>{"https://example.com/1", "https://example.com/3"});
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].offset == first.size());
    auto third_at = first.size() + second.size() / 2;
    CHECK(errors[0].message.ends_with("; reading resumed at byte " + std::to_string(third_at)));

    // Garbage after the last member: said to be unread, never silently dropped.
    sillok::test::write_file(path, first + "garbage that is no gzip member");
    auto tail = WarcReader::open(path);
    REQUIRE(tail);
    errors.clear();
    CHECK(read_all(*tail, errors) == std::vector<std::string>{"https://example.com/1"});
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].offset == first.size());
    CHECK(errors[0].message.find("the rest of the file") != std::string::npos);
    CHECK(tail->good_end() == first.size());
}

TEST_CASE("warc::many records in one gzip member are all read, each once")
{
    sillok::test::ScratchDir scratch;
    constexpr int k_records = 20000;
    std::string plain;
    for (int i = 0; i < k_records; ++i) {
        plain += warc_text("https://example.com/" + std::to_string(i), "record " + std::to_string(i));
    }
    auto path = scratch.path() / "one-member.warc.gz";
    sillok::test::write_file(path, member(plain));
    auto reader = WarcReader::open(path);
    REQUIRE(reader);
    std::vector<WarcReadError> errors;
    auto uris = read_all(*reader, errors);
    CHECK(errors.empty());
    REQUIRE(uris.size() == k_records);
    CHECK(uris.front() == "https://example.com/0");
    CHECK(uris.back() == "https://example.com/" + std::to_string(k_records - 1));
    CHECK(reader->good_end() == reader->size());
}

TEST_CASE("warc::a chunked body's payload digest is checked against the bytes sent or the body joined")
{
    const std::string body = "<html>안녕, chunked</html>";
    const std::string chunked = "7\r\n" + body.substr(0, 7) + "\r\n" + fmt::format("{:x}", body.size() - 7) + "\r\n"
                                + body.substr(7) + "\r\n0\r\n\r\n";
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    auto record_with = [&](const std::string& payload_digest) {
        WarcRecord record;
        record.fields = {{"WARC-Type", "response"}, {"WARC-Payload-Digest", payload_digest}};
        record.block = head + chunked;
        return record;
    };
    CHECK(check_digests(record_with(sha256_label(body))));    // the body joined (warcio)
    CHECK(check_digests(record_with(sha256_label(chunked)))); // the bytes sent (wget)
    auto neither = check_digests(record_with(sha256_label("<html>another body</html>")));
    REQUIRE_FALSE(neither);
    CHECK(neither.error() == "payload digest does not match");
}

TEST_CASE("warc::a digest in an algorithm sillok does not check is named for a warning")
{
    WarcRecord record;
    record.fields = {{"WARC-Type", "resource"}, {"WARC-Block-Digest", "md5:0123456789abcdef0123456789abcdef"}};
    record.block = "x";
    CHECK(check_digests(record)); // it cannot be checked, so it cannot fail
    CHECK(unchecked_digests(record)
          == std::vector<std::string>{"WARC-Block-Digest md5:0123456789abcdef0123456789abcdef"});
    record.fields[1].second = sha256_label("x");
    CHECK(unchecked_digests(record).empty());
}

TEST_CASE("warc::a stored record is read back no larger than what its fetch received")
{
    constexpr size_t k_zeros = size_t{256} << 20;
    const std::string head = "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: https://example.com/bomb\r\n"
                             "Content-Length: "
                             + std::to_string(k_zeros) + "\r\n\r\n";
    const auto bomb = sillok::test::gzip_with_zeros(head, k_zeros, "\r\n\r\n");
    REQUIRE(bomb.size() < (size_t{1} << 20));
    const auto file = member(warc_text("https://example.com/1", "one")) + bomb;
    const auto offset = file.size() - bomb.size();
    // The fetch received 20 KB: the record in its place may not inflate past that and its heads.
    auto before = peak_rss_kib();
    auto read = read_record_within(std::string_view(file), offset, bomb.size(), record_cap(20'000));
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().find("too_large") != std::string::npos);
    CHECK(peak_rss_kib() - before < 64 * 1024);
    // A record within its fetch's size reads back, with the cap as without it.
    CHECK(read_record_within(std::string_view(file), 0, offset, record_cap(3)).has_value());
    CHECK(record_cap(0) == size_t{1} << 20);
    CHECK(record_cap(-1) == size_t{1} << 20);
}
