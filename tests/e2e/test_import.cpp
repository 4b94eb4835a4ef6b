// `sillok import`: WARC files written by another tool (wget --warc-file, from Debian, against
// the stand-in through a CONNECT proxy, so its records carry Naver's real URLs) are archived
// as a crawl archives them.
#include "daemon/warc/warc_record.hpp"
#include "tests/e2e/connect_proxy.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"
#include "tests/e2e/warc_check.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <ctime>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// Fetches `urls` with wget into dir/naver.warc.gz; `window` gets the run's wall-clock bounds.
fs::path wget_warc(const NaverStandIn& server, const fs::path& dir, const std::vector<std::string>& urls,
                   CrawlRun& window)
{
    ConnectProxy proxy(server.port());
    std::vector<std::string> argv{"/usr/bin/wget",
                                  "--no-verbose",
                                  "--tries=1",
                                  "--warc-file=" + (dir / "naver").string(),
                                  "--ca-certificate=" + server.ca_file().string(),
                                  "--directory-prefix=" + (dir / "pages").string(),
                                  "-e",
                                  "use_proxy=on",
                                  "-e",
                                  "https_proxy=http://127.0.0.1:" + std::to_string(proxy.port())};
    argv.insert(argv.end(), urls.begin(), urls.end());
    window.started = std::chrono::system_clock::now();
    auto run = run_command(argv);
    window.finished = std::chrono::system_clock::now();
    INFO("wget:\n" << run.err);
    CHECK(!proxy.targets().empty());
    for (const auto& target : proxy.targets()) {
        CHECK(target == "n.news.naver.com:443");
    }
    window.result = run;
    return dir / "naver.warc.gz";
}

CommandResult import(const fs::path& archive, const fs::path& file)
{
    return run_command({SILLOK_BINARY, "import", "--archive", archive.string(), file.string()});
}

// A WARC response record of `uri` captured at `date` (WARC-Date as written), holding `body`
// after an HTTP head with `extra_head` lines.
std::string response_record(const std::string& uri, const std::string& date, const std::string& body,
                            const std::string& extra_head = "")
{
    static int serial = 0;
    std::string block = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n" + extra_head
                        + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-"
           + std::to_string(100000000000 + ++serial) + ">\r\nWARC-Target-URI: " + uri + "\r\nWARC-Date: " + date
           + "\r\nContent-Type: application/http;msgtype=response\r\nContent-Length: " + std::to_string(block.size())
           + "\r\n\r\n" + block + "\r\n\r\n";
}

std::string member(std::string_view bytes)
{
    auto gz = sillok::daemon::gzip_member(bytes);
    REQUIRE(gz);
    return *gz;
}

std::string now_warc_date()
{
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string replaced_all(std::string text, std::string_view from, std::string_view to)
{
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

size_t count_lines(const std::string& out, std::string_view prefix)
{
    size_t count = 0;
    for (size_t at = 0; at < out.size();) {
        auto end = out.find('\n', at);
        if (std::string_view(out).substr(at).starts_with(prefix)) {
            ++count;
        }
        at = end == std::string::npos ? out.size() : end + 1;
    }
    return count;
}

} // namespace

TEST_CASE("e2e::import archives the article responses of a WARC file wget wrote, as a crawl does")
{
    ScratchDir scratch;
    NaverStandIn server;
    std::vector<std::string> urls;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
        urls.push_back(canonical_url(article.oid, article.aid));
    }
    CrawlRun window;
    auto warc = wget_warc(server, scratch.path(), urls, window);
    REQUIRE(window.result.exit_code == 0);

    const auto archive = scratch.path() / "archive";
    auto imported = import(archive, warc);
    INFO("import:\n" << imported.out << imported.err);
    CHECK(imported.exit_code == 0);
    for (const auto& article : fixture_articles()) {
        CAPTURE(article.id);
        CHECK(imported.out.find("saved\t" + article.id + "\t" + article.archive_path) != std::string::npos);
        // The same file as a crawl writes, crawled when wget fetched the page.
        CHECK(with_golden_crawled_at(read_file(archive / article.archive_path), window) == golden_file(article.id));
    }
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions WHERE origin = 'import'") == 3);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions v JOIN fetches f ON f.id = v.fetch_id"
                                                   " WHERE f.warc_file IS NOT NULL")
          == 3);
    auto verified = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    INFO("verify:\n" << verified.out);
    CHECK(verified.exit_code == 0);
    CHECK(verified.out.find("3 WARC records checked, 0 problems") != std::string::npos);

    // Importing the same file again changes nothing.
    auto again = import(archive, warc);
    CHECK(again.exit_code == 0);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 3);
}

TEST_CASE("e2e::import reports each record it cannot archive, with its reason, and changes nothing for it")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_articles()[0];
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid), "<html><body>moved</body></html>");
    CrawlRun window;
    auto warc = wget_warc(server, scratch.path(), {canonical_url(article.oid, article.aid)}, window);
    const auto archive = scratch.path() / "archive";
    auto imported = import(archive, warc);
    INFO("import:\n" << imported.out << imported.err);
    CHECK(imported.exit_code == 1);
    CHECK(imported.out.starts_with("failed\t" + article.id + "\t\t\t" + warc.string() + "@"));
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM articles") == 0);
    CHECK(article_files(archive).empty());

    // A file that is no WARC: one line, exit 1.
    write_file(scratch.path() / "not.warc", "hello\n");
    auto bad = import(archive, scratch.path() / "not.warc");
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.starts_with("failed\t-\t\t\t" + (scratch.path() / "not.warc").string() + "@0: "));
    // A file that does not exist: a usage error before anything is opened.
    CHECK(import(archive, scratch.path() / "missing.warc.gz").exit_code == 64);
}

TEST_CASE("e2e::import reads regular files only: a FIFO or a device fails at once, and nothing blocks")
{
    ScratchDir scratch;
    auto fifo = scratch.path() / "capture.warc.gz";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    const auto archive = scratch.path() / "archive";
    // Before: open() of a FIFO without a writer never returned (timeout's 124).
    auto run = run_command(
        {"/usr/bin/timeout", "30", SILLOK_BINARY, "import", "--archive", archive.string(), fifo.string(), "/dev/zero"});
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("failed\t-\t\t\tcannot read " + fifo.string() + ": a FIFO, not a regular file")
          != std::string::npos);
    CHECK(run.out.find("failed\t-\t\t\tcannot read /dev/zero: a character device, not a regular file")
          != std::string::npos);
}

TEST_CASE("e2e::import fails a record over its cap as too_large, reads on past a torn member, and reads many records "
          "in one member")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto& a = fixture_articles()[0];
    const auto& b = fixture_articles()[1];
    const auto& c = fixture_articles()[2];
    auto date = now_warc_date();
    // A 2 KB record whose gzip body inflates to 64 MiB, over --max-bytes.
    auto bomb = response_record(canonical_url(a.oid, a.aid), date, gzip_with_zeros("", size_t{64} << 20, ""),
                                "Content-Encoding: gzip\r\n");
    auto torn = member(response_record(canonical_url(b.oid, b.aid), date, article_page(b.id)));
    auto first = member(bomb);
    auto path = scratch.path() / "mixed.warc.gz";
    write_file(path, first + torn.substr(0, torn.size() / 2)
                         + member(response_record(canonical_url(c.oid, c.aid), date, article_page(c.id))));
    auto run =
        run_command({SILLOK_BINARY, "import", "--archive", archive.string(), "--max-bytes", "1048576", path.string()});
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("failed\t" + a.id + "\t\t\t" + path.string() + "@0: too_large: ") != std::string::npos);
    CHECK(run.out.find("failed\t-\t\t\t" + path.string() + "@" + std::to_string(first.size()) + ": ")
          != std::string::npos);
    CHECK(run.out.find("; reading resumed at byte " + std::to_string(first.size() + torn.size() / 2))
          != std::string::npos);
    CHECK(run.out.find("saved\t" + c.id + "\t" + c.archive_path) != std::string::npos);
    CHECK(count_lines(run.out, "") == 3);

    // Many records in one gzip member (what `gzip file.warc` makes): every one is read.
    constexpr int k_others = 5000;
    std::string plain;
    for (int i = 0; i < k_others; ++i) {
        plain += response_record("https://example.com/page/" + std::to_string(i), date,
                                 "<html>" + std::to_string(i) + "</html>");
    }
    for (const auto& article : fixture_articles()) {
        plain += response_record(canonical_url(article.oid, article.aid), date, article_page(article.id));
    }
    auto one = scratch.path() / "one-member.warc.gz";
    write_file(one, member(plain));
    auto again =
        run_command({SILLOK_BINARY, "import", "--archive", (scratch.path() / "second").string(), one.string()});
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    for (const auto& article : fixture_articles()) {
        CHECK(again.out.find("saved\t" + article.id + "\t" + article.archive_path) != std::string::npos);
    }
    CHECK(again.err.find("3 saved, 0 updated, 0 unchanged, 0 failed; " + std::to_string(k_others)
                         + " records of other pages")
          != std::string::npos);
}

TEST_CASE("e2e::import files a page only under the article it names itself")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto& real = fixture_article("018_0005316196");
    auto date = now_warc_date();
    auto path = scratch.path() / "swapped.warc.gz";
    // The record says 018_0005316196; the page is 003_0012577249's (its og:url says so).
    write_file(path, member(response_record(canonical_url(real.oid, real.aid), date, article_page("003_0012577249"))));
    auto swapped = import(archive, path);
    INFO(swapped.out << swapped.err);
    CHECK(swapped.exit_code == 1);
    CHECK(swapped.out.find(
              "failed\t018_0005316196\t\t\t" + path.string()
              + "@0: names_other_article: the record is of 018_0005316196, the page it holds is of 003_0012577249")
          != std::string::npos);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM articles") == 0);
    CHECK(article_files(archive).empty());

    // On an archive that holds the real 018, it makes no new version either.
    auto genuine = scratch.path() / "genuine.warc.gz";
    write_file(genuine, member(response_record(canonical_url(real.oid, real.aid), date, article_page(real.id))));
    REQUIRE(import(archive, genuine).exit_code == 0);
    CHECK(import(archive, path).exit_code == 1);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 1);
    CHECK(read_file(archive / real.archive_path).find("publisher: \"이데일리\"") != std::string::npos);

    // A page that names no article of its own is not filed under the record's URL.
    auto nameless = scratch.path() / "nameless.warc.gz";
    write_file(nameless, member(response_record(canonical_url(real.oid, real.aid), date,
                                                replaced_all(article_page(real.id), "og:url", "og:gone"))));
    auto unnamed = import(archive, nameless);
    CHECK(unnamed.exit_code == 1);
    CHECK(unnamed.out.find("names_no_article") != std::string::npos);
}

TEST_CASE("e2e::import places an older capture before the current version, never over it")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article("018_0005316196"); // published 2022-09-14
    serve_fixture(server, article.id);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto url = canonical_url(article.oid, article.aid);
    auto crawled = crawl(server, archive, {"--url", url});
    REQUIRE(crawled.result.exit_code == 0);
    REQUIRE(crawled.line(article.id).outcome == "saved");
    const auto current = read_file(archive / article.archive_path);
    const auto crawled_at = ledger_text(ledger, "SELECT first_seen FROM versions WHERE version = 1");
    const auto current_fields = ledger_text(ledger, "SELECT title || '|' || content_hash || '|' || path || '|'"
                                                    " || current_version || '|' || last_checked FROM articles");
    auto log = [&] { return run_command({SILLOK_BINARY, "log", "--archive", archive.string(), article.id}); };
    auto verify = [&] { return run_command({SILLOK_BINARY, "verify", "--archive", archive.string()}); };

    // Captured in 2022 with another headline: an earlier version beside the current one.
    auto old = scratch.path() / "old.warc.gz";
    write_file(old, member(response_record(url, "2022-10-01T00:00:00Z",
                                           replaced_all(article_page(article.id), "가처분", "가처분 (2022)"))));
    auto older = import(archive, old);
    INFO(older.out << older.err);
    CHECK(older.exit_code == 0);
    REQUIRE(older.out.starts_with("saved\t" + article.id + "\t"));
    auto earlier_path = ledger_text(ledger, "SELECT path FROM versions WHERE version = 2");
    // Named as crawl names a kept version: the current file's name and its record hash's first 12 digits.
    auto stem = article.archive_path.substr(0, article.archive_path.size() - 3);
    CHECK(earlier_path.starts_with(stem + "."));
    CHECK(earlier_path.size() == stem.size() + 1 + 12 + 3);
    CHECK(older.out.find("saved\t" + article.id + "\t" + earlier_path + "\t") == 0);
    CHECK(older.out.find("an earlier version: captured 2022-10-01T09:00:00+09:00, before version 1 was last seen ("
                         + crawled_at + "), which stays current")
          != std::string::npos);
    const auto earlier = read_file(archive / earlier_path);
    CHECK(earlier.find("title: \"\\\"비상상황 조작vs정당 자율성\\\"...'이준석 가처분 (2022)' 날선 공방\"")
          != std::string::npos);
    CHECK(earlier.find("crawled_at: \"2022-10-01T09:00:00+09:00\"") != std::string::npos);
    CHECK(read_file(archive / article.archive_path) == current);
    CHECK(ledger_text(ledger, "SELECT title || '|' || content_hash || '|' || path || '|' || current_version || '|'"
                              " || last_checked FROM articles")
          == current_fields);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 2);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions WHERE version = 2 AND origin = 'import'"
                               " AND first_seen = '2022-10-01T09:00:00+09:00'")
          == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions v JOIN fetches f ON f.id = v.fetch_id"
                               " WHERE v.version = 2 AND f.warc_file IS NOT NULL")
          == 1);
    auto listed = log();
    INFO("log:\n" << listed.out << listed.err);
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.starts_with("2\t2022-10-01T09:00:00+09:00\t"));
    CHECK(listed.out.find("\n1\t" + crawled_at + "\t") != std::string::npos);
    // diff compares the last two versions in time: the 2022 capture, then today's.
    auto compared = run_command({SILLOK_BINARY, "diff", "--archive", archive.string(), article.id, "--format", "json"});
    INFO("diff:\n" << compared.out << compared.err);
    CHECK(compared.exit_code == 0);
    const auto diffed = nlohmann::json::parse(compared.out, nullptr, false);
    REQUIRE_FALSE(diffed.is_discarded());
    CHECK(diffed["from"]["version"] == 2);
    CHECK(diffed["to"]["version"] == 1);
    auto verified = verify();
    INFO("verify:\n" << verified.out << verified.err);
    CHECK(verified.exit_code == 0);
    CHECK(verified.out.find(" 0 problems") != std::string::npos);

    // Importing the same file again changes nothing.
    const auto files = article_files(archive);
    auto again = import(archive, old);
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.out.starts_with("unchanged\t" + article.id + "\t" + earlier_path + "\t"));
    CHECK(again.out.find("an earlier capture of version 2 (first seen 2022-10-01T09:00:00+09:00)")
          != std::string::npos);
    CHECK(article_files(archive) == files);
    CHECK(read_file(archive / earlier_path) == earlier);
    CHECK(read_file(archive / article.archive_path) == current);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 2);
    CHECK(log().out == listed.out);

    // The current text captured in November 2022: the current version seen earlier, its
    // first_seen moved back to then; nothing replaced.
    auto same = scratch.path() / "same.warc.gz";
    write_file(same, member(response_record(url, "2022-11-01T00:00:00Z", article_page(article.id))));
    auto seen = import(archive, same);
    INFO(seen.out << seen.err);
    CHECK(seen.exit_code == 0);
    CHECK(seen.out.starts_with("unchanged\t" + article.id + "\t" + article.archive_path + "\t"));
    CHECK(seen.out.find("an earlier capture of the current version: first seen now 2022-11-01T09:00:00+09:00 (was "
                        + crawled_at + ")")
          != std::string::npos);
    CHECK(read_file(archive / article.archive_path) == current);
    CHECK(article_files(archive) == files);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 2);
    CHECK(ledger_text(ledger, "SELECT first_seen FROM versions WHERE version = 1") == "2022-11-01T09:00:00+09:00");
    CHECK(ledger_text(ledger, "SELECT last_checked FROM articles") == crawled_at);
    auto relisted = log();
    CHECK(relisted.out.starts_with("2\t2022-10-01T09:00:00+09:00\t"));
    CHECK(relisted.out.find("\n1\t2022-11-01T09:00:00+09:00\t") != std::string::npos);
    auto reverified = verify();
    INFO("verify:\n" << reverified.out << reverified.err);
    CHECK(reverified.exit_code == 0);
    CHECK(reverified.out.find(" 0 problems") != std::string::npos);

    // The same text captured again, later than that: the version seen again, nothing moves.
    auto later = scratch.path() / "later.warc.gz";
    write_file(later, member(response_record(url, "2022-12-01T00:00:00Z", article_page(article.id))));
    auto seen_again = import(archive, later);
    CHECK(seen_again.exit_code == 0);
    CHECK(seen_again.out.find("an earlier capture of the current version (known at " + crawled_at + ")")
          != std::string::npos);
    CHECK(ledger_text(ledger, "SELECT first_seen FROM versions WHERE version = 1") == "2022-11-01T09:00:00+09:00");
}

TEST_CASE("e2e::import does not make current a capture older than the article's last check")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto& article = fixture_article("018_0005316196"); // published 2022-09-14
    const auto url = canonical_url(article.oid, article.aid);
    // First seen in 2023, the same text seen again today.
    auto first = scratch.path() / "first.warc.gz";
    write_file(first, member(response_record(url, "2023-01-01T00:00:00Z", article_page(article.id))));
    REQUIRE(import(archive, first).exit_code == 0);
    auto today = scratch.path() / "today.warc.gz";
    write_file(today, member(response_record(url, now_warc_date(), article_page(article.id))));
    auto again = import(archive, today);
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.starts_with("unchanged\t"));
    const auto current = read_file(archive / article.archive_path);

    // Other text captured in 2024: after the version was first seen, before it was last seen.
    auto between = scratch.path() / "between.warc.gz";
    write_file(between, member(response_record(url, "2024-06-01T00:00:00Z",
                                               replaced_all(article_page(article.id), "가처분", "가처분 (2024)"))));
    auto run = import(archive, between);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.starts_with("saved\t" + article.id + "\t"));
    CHECK(run.out.find("an earlier version: captured 2024-06-01T09:00:00+09:00, before version 1 was last seen")
          != std::string::npos);
    CHECK(read_file(archive / article.archive_path) == current);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 2);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM articles WHERE current_version = 1") == 1);
}

TEST_CASE("e2e::import reads WARC-Date strictly, within a sane range, and never before the page's publication")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto& article = fixture_article("018_0005316196"); // published 2022-09-14
    const auto url = canonical_url(article.oid, article.aid);
    for (std::string date :
         {"2999-01-01T00:00:00Z", "2262-04-12T00:00:00Z", "1829-11-23T00:00:00Z", "2024-02-30T00:00:00Z",
          "2024-05-30T24:00:00Z", "2024-05-30T02:40:08", "2024-5-30T02:40:08Z", "2024-05-30T02:40:08.Z",
          "+024-05-30T02:40:08Z", "2024-05-30 02:40:08Z"}) {
        CAPTURE(date);
        auto path = scratch.path() / "dated.warc.gz";
        write_file(path, member(response_record(url, date, article_page(article.id))));
        auto run = import(archive, path);
        CHECK(run.exit_code == 1);
        CHECK(run.out.find("failed\t" + article.id + "\t\t\t" + path.string() + "@0: bad_date: WARC-Date '")
              != std::string::npos);
    }
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM fetches") == 0);

    // Captured before the page says it was published.
    auto early = scratch.path() / "early.warc.gz";
    write_file(early, member(response_record(url, "2021-01-01T00:00:00Z", article_page(article.id))));
    auto run = import(archive, early);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("bad_date: captured at 2021-01-01T09:00:00+09:00, before the page's publication time")
          != std::string::npos);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM articles") == 0);

    // A fraction is read.
    auto fine = scratch.path() / "fine.warc.gz";
    write_file(fine, member(response_record(url, "2024-05-30T02:40:08.123456Z", article_page(article.id))));
    auto saved = import(archive, fine);
    INFO(saved.out << saved.err);
    CHECK(saved.exit_code == 0);
    CHECK(ledger_count(archive / "ledger.sqlite3",
                       "SELECT count(*) FROM versions WHERE first_seen LIKE '2024-05-30T11:40:08%'")
          == 1);
}

TEST_CASE("e2e::import escapes file names and field values on its output")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    auto path = scratch.path() / "evil\nsaved\t999_0000000001\tx\x1b]52;c;AAAA\x07.warc";
    write_file(path, "hello\n");
    auto run = import(archive, path);
    INFO(run.out);
    CHECK(run.exit_code == 1);
    CHECK(count_lines(run.out, "") == 1);
    CHECK(count_lines(run.out, "saved") == 0);
    CHECK(run.out.find('\x1b') == std::string::npos);
    CHECK(run.out.find('\x07') == std::string::npos);
    CHECK(run.out.find("evil\\x0asaved\\x09999_0000000001\\x09x\\x1b]52;c;AAAA\\x07.warc") != std::string::npos);

    // A field value: a Target-URI with control bytes in a record that fails.
    const auto& article = fixture_article("018_0005316196");
    auto record = scratch.path() / "uri.warc.gz";
    write_file(record, member(response_record(canonical_url(article.oid, article.aid), "2024-05-30T02:40:08\x1b[2JZ",
                                              article_page(article.id))));
    auto field = import(archive, record);
    INFO(field.out);
    CHECK(field.out.find('\x1b') == std::string::npos);
    CHECK(field.out.find("\\x1b[2J") != std::string::npos);
}
