// WARC records: encoding, parsing, torn files, and the HTTP response inside a record.
#include "daemon/warc/http_payload.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "daemon/warc/warc_record.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace sillok::daemon;

namespace {

std::string fmt_size(size_t size)
{
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string text;
    do {
        text.insert(text.begin(), k_hex[size % 16]);
        size /= 16;
    } while (size > 0);
    return text;
}

} // namespace

TEST_CASE("warc::base32 follows RFC 4648's test vectors")
{
    CHECK(base32("") == "");
    CHECK(base32("f") == "MY======");
    CHECK(base32("fo") == "MZXQ====");
    CHECK(base32("foo") == "MZXW6===");
    CHECK(base32("foob") == "MZXW6YQ=");
    CHECK(base32("fooba") == "MZXW6YTB");
    CHECK(base32("foobar") == "MZXW6YTBOI======");
}

TEST_CASE("warc::decoded_http_head renames the wire coding headers and states the stored length")
{
    auto head = decoded_http_head("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\ncontent-encoding: gzip\r\n"
                                  "Transfer-Encoding: chunked\r\nContent-Length: 10\r\nVary: Accept\r\n\r\n",
                                  1234);
    CHECK(head
          == "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Archive-Orig-content-encoding: gzip\r\n"
             "X-Archive-Orig-Transfer-Encoding: chunked\r\nX-Archive-Orig-Content-Length: 10\r\nVary: Accept\r\n"
             "Content-Length: 1234\r\n\r\n");
}

TEST_CASE("warc::parse_record reads a whole record and waits for the rest of a partial one")
{
    WarcRecord record;
    record.fields = {{"WARC-Type", "resource"}, {"WARC-Target-URI", "https://example.org/"}};
    record.block = "hello\r\n\r\nworld";
    auto bytes = serialize(record);
    CHECK(bytes
          == "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: https://example.org/\r\n"
             "Content-Length: 14\r\n\r\nhello\r\n\r\nworld\r\n\r\n");
    auto parsed = parse_record(bytes);
    REQUIRE(parsed);
    REQUIRE(parsed->has_value());
    CHECK((*parsed)->size == bytes.size());
    CHECK((*parsed)->record.block == record.block);
    CHECK((*parsed)->record.type() == "resource");
    for (size_t cut : {size_t{3}, size_t{20}, bytes.size() - 3}) {
        auto partial = parse_record(std::string_view(bytes).substr(0, cut));
        REQUIRE(partial);
        CHECK_FALSE(partial->has_value());
    }
    CHECK_FALSE(parse_record("HTTP/1.1 200 OK\r\n\r\n"));
}

TEST_CASE("warc::a file cut inside its second record reads its first and says where it ends")
{
    sillok::test::ScratchDir scratch;
    auto [request, response] =
        exchange_records(HttpExchange{"https://n.news.naver.com/mnews/article/003/0012577249", WallClock::now(),
                                      "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", "<html></html>", ""});
    auto first = gzip_member(serialize(request));
    auto second = gzip_member(serialize(response));
    REQUIRE(first);
    REQUIRE(second);
    auto path = scratch.path() / "cut.warc.gz";
    sillok::test::write_file(path, *first + second->substr(0, second->size() / 2));
    auto reader = WarcReader::open(path);
    REQUIRE(reader);
    auto one = reader->next();
    REQUIRE(one);
    REQUIRE(one->has_value());
    CHECK((*one)->record.type() == "request");
    CHECK(check_digests((*one)->record));
    CHECK_FALSE(reader->next());
    CHECK(reader->good_end() == first->size());
}

TEST_CASE("warc::a response's digests are checked")
{
    auto [request, response] =
        exchange_records(HttpExchange{"https://n.news.naver.com/mnews/article/003/0012577249", WallClock::now(),
                                      "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", "<html></html>", ""});
    CHECK(check_digests(response));
    response.block.back() = '!';
    CHECK_FALSE(check_digests(response));
}

TEST_CASE("warc::decode_http_response undoes chunking and gzip")
{
    auto gzipped = gzip_member("<html>안녕</html>");
    REQUIRE(gzipped);
    auto half = gzipped->size() / 2;
    auto chunked = fmt_size(half) + "\r\n" + gzipped->substr(0, half) + "\r\n" + fmt_size(gzipped->size() - half)
                   + "\r\n" + gzipped->substr(half) + "\r\n0\r\n\r\n";
    auto response = decode_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"
                                         "Content-Type: text/html\r\n\r\n"
                                         + chunked);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "<html>안녕</html>");
    CHECK(response->content_type == "text/html");
    auto brotli = decode_http_response("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\nxx");
    REQUIRE_FALSE(brotli);
    CHECK(brotli.error().find("'br'") != std::string::npos);
}
