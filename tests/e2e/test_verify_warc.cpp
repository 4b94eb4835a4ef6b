// `sillok verify` and `sillok reparse` against a hostile archive: a WARC file replaced by a
// FIFO or a link, a response record replaced in place by another that passes its own
// digests, and the link to the stored responses after the ledger is lost.
#include "daemon/util/c_handles.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "daemon/warc/warc_record.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/warc_check.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <sys/stat.h>
#include <zlib.h>

#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// A command that must end on its own: killed after 60 s (exit 137), so a hang fails the test
// instead of stalling the suite.
CommandResult bounded(std::vector<std::string> argv)
{
    argv.insert(argv.begin(), {"/usr/bin/timeout", "-s", "KILL", "60"});
    return run_command(argv);
}

CommandResult verify(const fs::path& archive, bool repair = false)
{
    std::vector<std::string> argv{SILLOK_BINARY, "verify", "--archive", archive.string()};
    if (repair) {
        argv.emplace_back("--repair");
    }
    return bounded(argv);
}

CommandResult reparse(const fs::path& archive, std::vector<std::string> args = {})
{
    std::vector<std::string> argv{SILLOK_BINARY, "reparse", "--archive", archive.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return bounded(argv);
}

void exec(const fs::path& ledger, const std::string& sql)
{
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(ledger.c_str(), &raw) == SQLITE_OK);
    sillok::daemon::SqliteDb db(raw);
    char* message = nullptr;
    int rc = sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << text);
}

std::string read_bytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, std::string_view bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A gzip member of bytes at zlib's best compression.
std::string gzip_best(std::string_view bytes)
{
    z_stream stream{};
    REQUIRE(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

// The member made exactly `size` bytes long by a gzip comment (FCOMMENT) in its header,
// which readers skip.
std::string padded_member(std::string member, size_t size)
{
    REQUIRE(member.size() < size);
    REQUIRE((static_cast<unsigned char>(member[3]) & 0x1e) == 0); // no optional header fields yet
    member[3] = static_cast<char>(static_cast<unsigned char>(member[3]) | 0x10);
    auto pad = size - member.size();
    member.insert(10, std::string(pad - 1, 'x') + '\0');
    return member;
}

struct LinkedRecord {
    std::string file;
    int64_t offset = 0;
    int64_t length = 0;
};

LinkedRecord response_of(const fs::path& archive, const FixtureArticle& article)
{
    auto rows = ledger_rows(archive / "ledger.sqlite3",
                            "SELECT f.warc_file, f.warc_offset, f.warc_length FROM versions v"
                            " JOIN articles a ON a.id = v.article_id JOIN fetches f ON f.id = v.fetch_id"
                            " WHERE a.oid = '"
                                + article.oid + "' AND a.aid = '" + article.aid + "'");
    REQUIRE(rows.size() == 1);
    return {rows[0][0], std::stoll(rows[0][1]), std::stoll(rows[0][2])};
}

// Replaces the response record in place by one of the same URL and member length whose
// text says 애플 where it said 삼성, with WARC digests that match its new bytes.
void replace_record(const fs::path& archive, const LinkedRecord& linked)
{
    auto path = archive / linked.file;
    auto file = read_bytes(path);
    auto record = sillok::daemon::read_record_at(std::string_view(file), static_cast<uint64_t>(linked.offset),
                                                 static_cast<uint64_t>(linked.length));
    REQUIRE(record.has_value());
    auto& block = record->block;
    const std::string from = "삼성";
    const std::string to = "애플";
    REQUIRE(from.size() == to.size());
    size_t replaced = 0;
    for (auto at = block.find(from); at != std::string::npos; at = block.find(from, at + to.size())) {
        block.replace(at, from.size(), to);
        ++replaced;
    }
    REQUIRE(replaced > 0);
    auto head = sillok::daemon::http_head_size(block);
    REQUIRE(head != std::string::npos);
    for (auto& [name, value] : record->fields) {
        if (name == "WARC-Block-Digest") {
            value = sillok::daemon::sha256_label(block);
        } else if (name == "WARC-Payload-Digest") {
            value = sillok::daemon::sha256_label(std::string_view(block).substr(head));
        }
    }
    auto member = padded_member(gzip_best(sillok::daemon::serialize(*record)), static_cast<size_t>(linked.length));
    file.replace(static_cast<size_t>(linked.offset), member.size(), member);
    write_bytes(path, file);
    // The replacement reads back as a whole record whose own digests hold.
    auto replaced_file = read_bytes(path);
    auto again = sillok::daemon::read_record_at(std::string_view(replaced_file), static_cast<uint64_t>(linked.offset),
                                                static_cast<uint64_t>(linked.length));
    REQUIRE(again.has_value());
    REQUIRE(again->block.find(to) != std::string::npos);
}

} // namespace

TEST_CASE("e2e::verify reports a FIFO in place of a WARC file, and reparse ends instead of waiting on it")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    auto linked = response_of(archive, fixture_articles()[0]);
    fs::remove(archive / linked.file);
    REQUIRE(::mkfifo((archive / linked.file).c_str(), 0644) == 0);

    auto checked = verify(archive);
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 1);
    CHECK(checked.out.find("warc_record\t" + linked.file + "\tfetch ") != std::string::npos);
    CHECK(checked.out.find("a FIFO") != std::string::npos);

    auto again = reparse(archive);
    INFO("reparse:\n" << again.out << again.err);
    CHECK(again.exit_code == 1); // some responses could not be read
    CHECK(again.out.find("failed\t" + fixture_articles()[0].id) != std::string::npos);
    CHECK(again.out.find("a FIFO") != std::string::npos);
}

TEST_CASE("e2e::verify does not follow a WARC file replaced by a link to a copy outside the archive")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    auto linked = response_of(archive, fixture_articles()[0]);
    auto copy = scratch.path() / "copy.warc.gz";
    fs::copy_file(archive / linked.file, copy);
    fs::remove(archive / linked.file);
    fs::create_symlink(copy, archive / linked.file);

    auto checked = verify(archive);
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 1);
    CHECK(checked.out.find("symlink\t" + linked.file + "\ta symbolic link to " + copy.string()) != std::string::npos);
    CHECK(checked.out.find("warc_record\t" + linked.file + "\tfetch ") != std::string::npos);
}

TEST_CASE("e2e::verify reports a response record replaced in place, and reparse calls it no change of rules")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    const auto& article = fixture_article("003_0012577249"); // its text names 삼성
    auto linked = response_of(archive, article);
    REQUIRE(verify(archive).exit_code == 0);
    replace_record(archive, linked);
    const auto versions = ledger_count(ledger, "SELECT count(*) FROM versions");

    auto checked = verify(archive);
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 1);
    CHECK(checked.out.find("warc_record\t" + linked.file + "\tfetch ") != std::string::npos);
    CHECK(checked.out.find("is not the one stored") != std::string::npos);

    auto again = reparse(archive, {"--id", article.id});
    INFO("reparse:\n" << again.out << again.err);
    CHECK(again.exit_code == 1);
    CHECK(again.out.starts_with("failed\t" + article.id));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == versions);

    // A ledger from before the digests were kept: the same content rules reading another
    // article from the stored response is a changed source, never a change of rules.
    exec(ledger, "UPDATE fetches SET warc_sha256 = NULL");
    auto old_ledger = reparse(archive, {"--id", article.id});
    INFO("reparse, no digest kept:\n" << old_ledger.out << old_ledger.err);
    CHECK(old_ledger.exit_code == 1);
    CHECK(old_ledger.out.starts_with("failed\t" + article.id));
    CHECK(old_ledger.out.find("changed_source: ") != std::string::npos);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == versions);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions WHERE origin = 'reparse'") == 0);
    CHECK(read_file(archive / article.archive_path).find("애플") == std::string::npos);
}

TEST_CASE("e2e::verify --repair after a lost ledger links the stored responses again")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    const auto responses = static_cast<int64_t>(fixture_articles().size());
    REQUIRE(ledger_count(ledger, "SELECT count(*) FROM fetches WHERE warc_file IS NOT NULL") == responses);
    for (const auto* suffix : {"", "-wal", "-shm"}) {
        fs::remove(archive / ("ledger.sqlite3" + std::string(suffix)));
    }

    auto repaired = verify(archive, true);
    INFO("verify --repair:\n" << repaired.out << repaired.err);
    CHECK(repaired.exit_code == 1); // the problems found before the repair
    for (const auto& article : fixture_articles()) {
        CHECK(repaired.out.find("\tversions row 1 of " + article.id + " points to fetch row ") != std::string::npos);
    }

    // Each version points to its stored response again, with the response's digest kept.
    CHECK(ledger_count(ledger, "SELECT count(*) FROM fetches WHERE warc_file IS NOT NULL AND warc_sha256 IS NOT NULL")
          == responses);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions v JOIN fetches f ON f.id = v.fetch_id"
                               " JOIN articles a ON a.id = v.article_id WHERE f.warc_file IS NOT NULL"
                               " AND f.url = a.url AND f.status = 200")
          == responses);

    auto clean = verify(archive);
    INFO("verify:\n" << clean.out << clean.err);
    CHECK(clean.exit_code == 0);
    CHECK(clean.out.find(std::to_string(responses) + " WARC records checked") != std::string::npos);

    auto again = reparse(archive);
    INFO("reparse:\n" << again.out << again.err);
    CHECK(again.exit_code == 0);
    for (const auto& article : fixture_articles()) {
        CHECK(again.out.find(article.id + "\t" + article.archive_path) != std::string::npos);
    }
}

TEST_CASE("e2e::verify reports a stored response that no fetch row points to")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    const auto& article = fixture_articles()[1];
    auto linked = response_of(archive, article);
    exec(archive / "ledger.sqlite3", "UPDATE fetches SET warc_file = NULL, warc_offset = NULL, warc_length = NULL"
                                     " WHERE warc_offset = "
                                         + std::to_string(linked.offset));

    auto checked = verify(archive);
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 1);
    CHECK(checked.out.find("warc_record\t" + linked.file + "\tthe response record at " + std::to_string(linked.offset)
                           + " (" + canonical_url(article.oid, article.aid) + ", ")
          != std::string::npos);

    // reparse says what it cannot read, rather than only fewer stored responses.
    auto again = reparse(archive);
    INFO("reparse:\n" << again.out << again.err);
    CHECK(again.err.find("1 archived articles have no stored response to read") != std::string::npos);
}

TEST_CASE("e2e::verify counts a stored response left by a save cut short, which no version misses")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    auto linked = response_of(archive, fixture_articles()[1]);
    // As after a kill between the WARC write and the ledger commit, the article saved by a
    // later fetch: a response no fetch row points to, and no version lacks.
    exec(archive / "ledger.sqlite3",
         "DELETE FROM fetches WHERE warc_offset = " + std::to_string(linked.offset)
             + "; UPDATE versions SET fetch_id = NULL, first_seen = '2020-01-01T00:00:00+09:00'"
               " WHERE fetch_id NOT IN (SELECT id FROM fetches)");

    auto checked = verify(archive);
    INFO("verify:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 0);
    CHECK(checked.out.find("1 stored responses without a fetch row, left by saves cut short") != std::string::npos);

    auto repaired = verify(archive, true);
    INFO("verify --repair:\n" << repaired.out << repaired.err);
    CHECK(repaired.out.find("repaired\t" + linked.file + "\tfetch row ") != std::string::npos);
    auto after = verify(archive);
    CHECK(after.exit_code == 0);
    CHECK(after.out.find("without a fetch row") == std::string::npos);
}

TEST_CASE("e2e::verify --repair names the archive in the command that mends a file, offline when it can")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto crawled = crawl_fixtures(server, archive);
    REQUIRE(crawled.result.exit_code == 0);
    const auto& article = fixture_article("003_0012577249");
    const auto file = archive / article.archive_path;
    auto text = read_file(file);
    const auto at = text.find("삼성");
    REQUIRE(at != std::string::npos);
    write_bytes(file, std::string(text).replace(at, 0, "[위조] "));
    const auto requests = server.requests().size();

    auto check = verify(archive, true);
    INFO("verify --repair:\n" << check.out << check.err);
    CHECK(check.exit_code == 1);
    const auto reparse_command = "sillok reparse --archive " + archive.string() + " --id " + article.id;
    CHECK(check.out.find("mend\t" + article.archive_path + "\t") != std::string::npos);
    CHECK(check.out.find("`" + reparse_command + "`") != std::string::npos);
    CHECK(check.out.find("`sillok crawl --url " + canonical_url(article.oid, article.aid) + " --archive "
                         + archive.string() + "`")
          != std::string::npos);

    // The command suggested mends it, offline.
    auto mended = reparse(archive, {"--id", article.id});
    INFO("reparse:\n" << mended.out << mended.err);
    CHECK(mended.exit_code == 0);
    CHECK(verify(archive).exit_code == 0);
    CHECK(read_file(file) == text);
    CHECK(server.requests().size() == requests);
}
