// `sillok adopt` end to end: the real binary on the earlier crawler's files
// (fixtures/baram-output/ and seed-example.md). The expected values come from the old files
// themselves: their own content_hash, their bytes, and their fields in the old crawler's
// escaping.
#include "daemon/util/digest.hpp"
#include "parsers/text.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// One stdout line of adopt: outcome, source, id, path, hash[, note].
struct AdoptLine {
    std::string outcome, source, id, path, hash, note;
};

struct AdoptRun {
    CommandResult result;
    std::vector<AdoptLine> files;                   // the per-file lines
    std::vector<std::vector<std::string>> recrawls; // "recrawl" lines, split
};

std::vector<std::string> split_tabs(const std::string& line)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (auto tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', start)) {
        parts.push_back(line.substr(start, tab - start));
        start = tab + 1;
    }
    parts.push_back(line.substr(start));
    return parts;
}

AdoptRun adopt(const fs::path& archive, std::vector<std::string> args)
{
    std::vector<std::string> argv{SILLOK_BINARY, "adopt", "--archive", archive.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    AdoptRun run;
    run.result = run_command(argv);
    std::stringstream out(run.result.out);
    std::string line;
    while (std::getline(out, line)) {
        auto parts = split_tabs(line);
        REQUIRE_MESSAGE(!parts.empty(), "an empty output line");
        if (parts[0] == "summary") {
            continue;
        }
        if (parts[0] == "recrawl") {
            run.recrawls.push_back(parts);
            continue;
        }
        REQUIRE_MESSAGE(parts.size() >= 5, "a short line: " << line);
        parts.resize(6);
        run.files.push_back(AdoptLine{parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]});
    }
    return run;
}

std::vector<fs::path> old_files()
{
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fixtures_dir() / "baram-output")) {
        if (entry.path().extension() == ".md") {
            files.push_back(fs::canonical(entry.path()));
        }
    }
    std::ranges::sort(files);
    files.push_back(fs::canonical(seed_example_path()));
    return files;
}

// The old crawler's escaping of text (&, <, >, ", ', =), the inverse of the decoding.
std::string old_escape(std::string_view text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#x27;";
            break;
        case '=':
            out += "&#x3D;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

// A field of an old file as written: from "key: " to the next line that starts a key.
std::string old_field(const std::string& text, const std::string& key)
{
    auto front = text.substr(0, text.find("\n---\n", 3));
    std::smatch match;
    std::regex pattern("\n" + key + ": ?((?:.|\n[\t ]|\n\n)*)");
    REQUIRE_MESSAGE(std::regex_search(front, match, pattern), "no " << key);
    return match[1].str();
}

std::string unquote(const std::string& text)
{
    return text.size() >= 2 && text.front() == '"' ? text.substr(1, text.size() - 2) : text;
}

std::string verify(const fs::path& archive, int& exit_code)
{
    auto run = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    exit_code = run.exit_code;
    return run.out + run.err;
}

} // namespace

TEST_CASE("e2e::adopt brings every old file in, honestly, and a second run changes nothing")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto files = old_files();
    REQUIRE(files.size() == 306);

    auto run = adopt(archive, {(fixtures_dir() / "baram-output").string(), seed_example_path().string()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.files.size() == files.size());
    std::map<std::string, AdoptLine> by_source;
    for (const auto& line : run.files) {
        CHECK(line.outcome == "adopted");
        by_source[line.source] = line;
    }

    for (const auto& file : files) {
        CAPTURE(file);
        REQUIRE(by_source.contains(file.string()));
        const auto& line = by_source[file.string()];
        const auto old = read_file(file);
        CHECK(line.id + ".md" == (file == files.back() ? "015_0005230666.md" : file.filename().string()));

        // The copy is the original, byte for byte.
        CHECK(read_file(archive / "adopted" / (line.id + ".md")) == old);

        // The written file: sillok's YAML (every value a double-quoted string, keys in order).
        const auto text = read_file(archive / line.path);
        auto fields = front_matter(text);
        CHECK(field(fields, "id") == line.id);
        CHECK(field(fields, "oid") + "_" + field(fields, "aid") == line.id);
        // The old crawler hashed its content with entities decoded: so do we, so the hashes agree.
        CHECK(field(fields, "content_hash") == old_field(old, "content_hash"));
        CHECK(line.hash == old_field(old, "content_hash"));
        // The fields are the old ones, decoded and with white space collapsed.
        using sillok::parsers::collapse_white_space;
        CHECK(old_escape(field(fields, "title")) == collapse_white_space(unquote(old_field(old, "title"))));
        CHECK(old_escape(field(fields, "publisher")) == collapse_white_space(old_field(old, "publisher")));
        CHECK(old_escape(field(fields, "author")) == collapse_white_space(old_field(old, "author")));
        CHECK(field(fields, "id") == old_field(old, "id"));
        auto published = old_field(old, "published_at");
        CHECK(field(fields, "published_at") == (published.empty() ? "" : published.substr(0, 10)));
        CHECK(std::regex_match(field(fields, "crawled_at"), std::regex(R"(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00)")));
        CHECK(text.find("&#x27;") == std::string::npos);
        CHECK(text.find("&quot;") == std::string::npos);
    }

    const auto ledger = archive / "ledger.sqlite3";
    CHECK(ledger_count(ledger, "SELECT count(*) FROM adoptions") == 306);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions WHERE rules_version = 0 AND fetch_id IS NULL"
                               " AND change_reason = 'adopted'")
          == 306);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM adoptions d JOIN articles a ON a.id = d.article_id"
                               " WHERE d.version = a.current_version AND d.old_content_hash = a.content_hash")
          == 306);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM adoptions WHERE source_path = ?",
                       {fs::canonical(fixtures_dir() / "baram-output" / "001_0015816420.md").string()})
          == 1);

    int verified = -1;
    auto report = verify(archive, verified);
    INFO("verify:\n" << report);
    CHECK(verified == 0);
    CHECK(report.find("612 files checked, 0 problems") != std::string::npos);

    auto before = files_under(archive);
    auto again = adopt(archive, {(fixtures_dir() / "baram-output").string(), seed_example_path().string()});
    CHECK(again.result.exit_code == 0);
    REQUIRE(again.files.size() == files.size());
    for (const auto& line : again.files) {
        CHECK(line.outcome == "unchanged");
    }
    auto after = files_under(archive);
    after.erase(std::remove_if(after.begin(), after.end(),
                               [](const std::string& f) { return f.starts_with("ledger.sqlite3"); }),
                after.end());
    before.erase(std::remove_if(before.begin(), before.end(),
                                [](const std::string& f) { return f.starts_with("ledger.sqlite3"); }),
                 before.end());
    CHECK(after == before);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 306);
}

TEST_CASE("e2e::adopt skips files that are not in the old layout and exits 1")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto old = scratch.path() / "old";
    fs::create_directories(old / "nested");
    const auto good = read_file(fixtures_dir() / "baram-output" / "077_0006854185.md");
    write_file(old / "077_0006854185.md", good);
    write_file(old / "README.md", "# notes about this archive\n");
    write_file(old / "nested" / "001_0015816481.md",
               read_file(fixtures_dir() / "baram-output" / "001_0015816481.md").substr(0, 200));
    write_file(old / "notes.txt", "not markdown, not looked at\n");
    auto edited = read_file(fixtures_dir() / "baram-output" / "001_0015816762.md");
    edited.insert(edited.rfind("\n\n---\n\n*Crawled at: "), " (edited)");
    write_file(old / "001_0015816762.md", edited);
    write_file(old / "huge.md", "");
    fs::resize_file(old / "huge.md", std::uintmax_t{17} << 20);

    auto run = adopt(archive, {old.string()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    REQUIRE(run.files.size() == 5);
    std::map<std::string, AdoptLine> by_name;
    for (const auto& line : run.files) {
        by_name[fs::path(line.source).filename().string()] = line;
    }
    CHECK(by_name["077_0006854185.md"].outcome == "adopted");
    CHECK(by_name["README.md"].outcome == "skipped");
    CHECK(by_name["README.md"].note.find("not in the old layout") != std::string::npos);
    CHECK(by_name["001_0015816481.md"].outcome == "skipped");
    CHECK(by_name["huge.md"].outcome == "skipped");
    // A file edited after its crawl is adopted as it is, and the line says so.
    CHECK(by_name["001_0015816762.md"].outcome == "adopted");
    CHECK(by_name["001_0015816762.md"].note.find("does not hash to the old content_hash") != std::string::npos);

    // Nothing of the skipped files is in the archive or the ledger.
    CHECK(files_under(archive / "adopted") == std::vector<std::string>{"001_0015816762.md", "077_0006854185.md"});
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM articles") == 2);
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM adoptions") == 2);
    // The originals are untouched.
    CHECK(read_file(old / "077_0006854185.md") == good);
    int verified = -1;
    auto report = verify(archive, verified);
    INFO("verify:\n" << report);
    CHECK(verified == 0);

    SUBCASE("a missing folder is a usage error")
    {
        auto missing = adopt(archive, {(scratch.path() / "nowhere").string()});
        CHECK(missing.result.exit_code == 64);
        CHECK(missing.result.err.find("nowhere") != std::string::npos);
    }
    SUBCASE("verify notices a changed copy")
    {
        write_file(archive / "adopted" / "077_0006854185.md", good + "x");
        auto changed = verify(archive, verified);
        CHECK(verified == 1);
        CHECK(changed.find("modified\tadopted/077_0006854185.md") != std::string::npos);
    }
    SUBCASE("verify notices a lost copy")
    {
        fs::remove_all(archive / "adopted");
        auto lost = verify(archive, verified);
        CHECK(verified == 1);
        CHECK(lost.find("missing\tadopted/077_0006854185.md") != std::string::npos);
    }
}

namespace {

// The seed example made into an old file of the saved page 003_0012577249 (only its ids
// changed), so that the HTTPS stand-in can serve the article it names.
std::string old_file_of_003()
{
    auto text = read_file(seed_example_path());
    for (auto [from, to] : {std::pair{"015_0005230666", "003_0012577249"},
                            {"015/0005230666", "003/0012577249"},
                            {"oid: 015", "oid: 003"},
                            {"aid: 0005230666", "aid: 0012577249"}}) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
            text.replace(at, std::string_view(from).size(), to);
        }
    }
    return text;
}

const std::string k_seed_hash = "ee574a5bea5b0a95af1977adcaed3c6c4b6bea51002a460711ca72b976a4bb9b";

std::vector<std::string> with_server(const NaverStandIn& server, std::vector<std::string> args)
{
    auto server_args = server.curl_args();
    args.insert(args.end(), server_args.begin(), server_args.end());
    args.insert(args.end(), {"--rate", "0", "--timeout", "20"});
    return args;
}

} // namespace

TEST_CASE("e2e::adopt --recrawl makes the crawled page current and keeps the adopted text as an earlier version")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, "003_0012577249");
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto old = scratch.path() / "old";
    fs::create_directories(old);
    write_file(old / "003_0012577249.md", old_file_of_003());
    const auto& article = fixture_article("003_0012577249");

    CrawlRun timing;
    timing.started = std::chrono::system_clock::now();
    auto run = adopt(archive, with_server(server, {old.string(), "--recrawl"}));
    timing.finished = std::chrono::system_clock::now();
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.files.size() == 1);
    CHECK(run.files[0].outcome == "adopted");
    CHECK(run.files[0].path == "2025/12/30/003_0012577249.md");
    CHECK(run.files[0].hash == k_seed_hash);
    REQUIRE(run.recrawls.size() == 1);
    CHECK(run.recrawls[0].at(1) == "updated");
    CHECK(run.recrawls[0].at(2) == "003_0012577249");
    CHECK(run.recrawls[0].at(3) == article.archive_path);
    CHECK(server.count("n.news.naver.com", canonical_path("003", "0012577249")) == 1);

    // The crawled page is the current file, exactly as a crawl writes it.
    CHECK(with_golden_crawled_at(read_file(archive / article.archive_path), timing) == golden_file("003_0012577249"));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 2);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE current_version = 2 AND path = ?",
                       {article.archive_path})
          == 1);
    // The adopted text stays, as version 1 in a kept file beside the current one, still
    // marked adopted.
    const std::string kept = ledger_text(ledger, "SELECT path FROM versions WHERE version = 1 AND rules_version = 0"
                                                 " AND change_reason = 'adopted'");
    CHECK(kept.starts_with("2025/12/30/003_0012577249."));
    CHECK(kept != article.archive_path);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM adoptions WHERE version = 1") == 1);
    CHECK(field(front_matter(read_file(archive / kept)), "content_hash") == k_seed_hash);
    CHECK_FALSE(fs::exists(archive / "2025/12/30/003_0012577249.md"));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM frontier WHERE source = 'adopt' AND state = 'done'") == 1);

    int verified = -1;
    auto report = verify(archive, verified);
    INFO("verify:\n" << report);
    CHECK(verified == 0);

    // Run again: the file is unchanged, and its article has its crawl: nothing is fetched.
    auto again = adopt(archive, with_server(server, {old.string(), "--recrawl"}));
    CHECK(again.result.exit_code == 0);
    REQUIRE(again.files.size() == 1);
    CHECK(again.files[0].outcome == "unchanged");
    CHECK(again.recrawls.empty());
    CHECK(server.count("n.news.naver.com", canonical_path("003", "0012577249")) == 1);
}

TEST_CASE("e2e::adopt keeps an article's crawled version current")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, "003_0012577249");
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto& article = fixture_article("003_0012577249");
    auto crawled = crawl(server, archive, {"--url", canonical_url("003", "0012577249")});
    REQUIRE(crawled.result.exit_code == 0);
    const auto current = read_file(archive / article.archive_path);

    const auto old = scratch.path() / "old";
    fs::create_directories(old);
    write_file(old / "003_0012577249.md", old_file_of_003());
    auto run = adopt(archive, {old.string()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.files.size() == 1);
    CHECK(run.files[0].outcome == "adopted");
    const std::string earlier = "2024/05/30/003_0012577249." + k_seed_hash.substr(0, 12) + ".md";
    CHECK(run.files[0].path == earlier);
    CHECK(run.files[0].note.find("earlier version") != std::string::npos);

    CHECK(read_file(archive / article.archive_path) == current);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE current_version = 1") == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions WHERE version = 2 AND rules_version = 0 AND path = ?",
                       {earlier})
          == 1);
    CHECK(field(front_matter(read_file(archive / earlier)), "content_hash") == k_seed_hash);

    SUBCASE("the same content from a second old file adds no version")
    {
        // Another crawl time: not the same bytes, so a new adoption; the same content, so no new version.
        auto other = old_file_of_003();
        other.replace(other.find("crawled_at: 2025-12-30 06:09:55"), 31, "crawled_at: 2025-12-30 06:09:56");
        write_file(old / "copy" / "003_0012577249.md", other);
        auto second = adopt(archive, {(old / "copy").string()});
        REQUIRE(second.files.size() == 1);
        CHECK(second.files[0].outcome == "adopted");
        CHECK(second.files[0].note == "same content as version 2");
        CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 2);
        CHECK(ledger_count(ledger, "SELECT count(*) FROM adoptions WHERE version = 2") == 2);
        const auto copy = "003_0012577249." + sillok::daemon::sha256_hex(other).substr(0, 12) + ".md";
        CHECK(read_file(archive / "adopted" / copy) == other);
    }
    int verified = -1;
    auto report = verify(archive, verified);
    INFO("verify:\n" << report);
    CHECK(verified == 0);
}

TEST_CASE("e2e::adopt --recrawl of an article Naver no longer has keeps the adopted text")
{
    ScratchDir scratch;
    NaverStandIn server; // serves nothing: every article answers 404
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    auto run = adopt(archive, with_server(server, {seed_example_path().string(), "--recrawl"}));
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.files.size() == 1);
    CHECK(run.files[0].outcome == "adopted");
    REQUIRE(run.recrawls.size() == 1);
    CHECK(run.recrawls[0].at(1) == "gone");
    CHECK(server.count("n.news.naver.com", canonical_path("015", "0005230666")) == 1);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE state = 'gone' AND current_version = 1") == 1);
    CHECK(field(front_matter(read_file(archive / "2025/12/30/015_0005230666.md")), "content_hash") == k_seed_hash);

    // Found gone: a second run does not ask again.
    auto again = adopt(archive, with_server(server, {seed_example_path().string(), "--recrawl"}));
    CHECK(again.result.exit_code == 0);
    CHECK(again.recrawls.empty());
    CHECK(server.count("n.news.naver.com", canonical_path("015", "0005230666")) == 1);
    int verified = -1;
    auto report = verify(archive, verified);
    INFO("verify:\n" << report);
    CHECK(verified == 0);
}

namespace {

// The old file of 003_0012577249 as the old crawler would have written it at another time,
// published on 2025-12-01, with the last sentence of its text changed to `ending` (its
// stated content_hash is left as it was: adopt notes the mismatch and adopts the text as it is).
std::string old_file_of_003_at(std::string_view crawled_at, std::string_view ending)
{
    auto text = old_file_of_003();
    const std::string published = "published_at: 2025-12-30 00:00";
    text.replace(text.find(published), published.size(), "published_at: 2025-12-01 00:00");
    const std::string stamp = "crawled_at: 2025-12-30 06:09:55";
    text.replace(text.find(stamp), stamp.size(), "crawled_at: " + std::string(crawled_at));
    const std::string sentence = "결과를 발표할 예정이다.";
    text.replace(text.find(sentence), sentence.size(), std::string(ending));
    return text;
}

} // namespace

TEST_CASE("e2e::adopt makes the old file crawled last current, whatever the files' names")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto old_text = old_file_of_003_at("2025-12-01 03:00:00", "OLD");
    const auto newer_text = old_file_of_003_at("2025-12-29 03:00:00", "NEWER");
    const auto current_text = [&] {
        const auto path = ledger_text(ledger, "SELECT path FROM articles");
        return read_file(archive / path);
    };
    const auto check_history = [&] {
        // The newer text is the current file and the article row's; the older one a kept
        // version; every version's file holds its own content.
        CHECK(current_text().find("NEWER") != std::string::npos);
        CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 2);
        CHECK(ledger_count(ledger, "SELECT count(*) FROM articles a JOIN versions v ON v.article_id = a.id"
                                   " AND v.version = a.current_version"
                                   " WHERE v.first_seen = '2025-12-29T12:00:00+09:00' AND v.path = a.path")
              == 1);
        const auto earlier =
            ledger_text(ledger, "SELECT path FROM versions WHERE first_seen = '2025-12-01T12:00:00+09:00'");
        CHECK(read_file(archive / earlier).find("OLD") != std::string::npos);
        CHECK(read_file(archive / earlier).find("NEWER") == std::string::npos);
        int verified = -1;
        auto report = verify(archive, verified);
        INFO("verify:\n" << report);
        CHECK(verified == 0);
    };

    SUBCASE("the older file first by name")
    {
        write_file(scratch.path() / "old" / "a" / "003_0012577249.md", old_text);
        write_file(scratch.path() / "old" / "b" / "003_0012577249.md", newer_text);
        auto run = adopt(archive, {(scratch.path() / "old").string()});
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.files.size() == 2);
        CHECK(run.files[1].source.ends_with("/b/003_0012577249.md"));
        CHECK(run.files[1].outcome == "adopted");
        CHECK(run.files[1].path == "2025/12/01/003_0012577249.md");
        CHECK(run.files[1].note.find("current: crawled 2025-12-29T12:00:00+09:00, after version 1 was last seen"
                                     " (2025-12-01T12:00:00+09:00), which is kept as an earlier version")
              != std::string::npos);
        CHECK(run.files[1].note.find("crawled version") == std::string::npos);
        check_history();
    }
    SUBCASE("the newer file first by name")
    {
        write_file(scratch.path() / "old" / "a" / "003_0012577249.md", newer_text);
        write_file(scratch.path() / "old" / "b" / "003_0012577249.md", old_text);
        auto run = adopt(archive, {(scratch.path() / "old").string()});
        INFO("stderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.files.size() == 2);
        CHECK(run.files[1].source.ends_with("/b/003_0012577249.md"));
        CHECK(run.files[1].note.find("an earlier version: crawled 2025-12-01T12:00:00+09:00, before version 1 was"
                                     " last seen (2025-12-29T12:00:00+09:00), which stays current")
              != std::string::npos);
        check_history();
    }
    SUBCASE("in two runs, the newer file first")
    {
        write_file(scratch.path() / "newer" / "003_0012577249.md", newer_text);
        write_file(scratch.path() / "old" / "003_0012577249.md", old_text);
        REQUIRE(adopt(archive, {(scratch.path() / "newer").string()}).result.exit_code == 0);
        REQUIRE(adopt(archive, {(scratch.path() / "old").string()}).result.exit_code == 0);
        check_history();
    }
}

TEST_CASE("e2e::adopt and diff show outside text escaped, and adopted text holds no terminal controls")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto old = scratch.path() / "old";
    // A file name that would forge a line and drive a terminal if printed raw.
    const std::string hostile_name = "003_0012577249\nadopted\tforged\x1b[2J\x07.md";
    write_file(old / "a" / hostile_name, old_file_of_003_at("2025-12-01 03:00:00", "OLD"));
    // Terminal sequences in the text: clear screen, an OSC 52 clipboard write, a bell.
    write_file(old / "b" / "003_0012577249.md",
               old_file_of_003_at("2025-12-29 03:00:00", "NEWER\x1b[2J\x1b]52;c;Zm9v\x07 end"));
    auto run = adopt(archive, {old.string()});
    INFO("stdout:\n" << run.result.out << "stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.files.size() == 2);
    CHECK(std::ranges::count(run.result.out, '\n') == 3); // two files and the summary
    CHECK(run.result.out.find_first_of("\x1b\x07") == std::string::npos);
    CHECK(run.result.err.find_first_of("\x1b\x07") == std::string::npos);
    CHECK(run.files[0].source.ends_with("/a/003_0012577249\\x0aadopted\\x09forged\\x1b[2J\\x07.md"));
    CHECK(run.files[0].outcome == "adopted");
    CHECK(run.files[1].outcome == "adopted");

    // The adopted text is stored without the controls, as a crawl would have stored it.
    const auto current = read_file(archive / ledger_text(ledger, "SELECT path FROM articles"));
    CHECK(current.find("NEWER[2J]52;c;Zm9v end") != std::string::npos);
    CHECK(current.find_first_of("\x1b\x07") == std::string::npos);

    // An archive file changed by hand to hold controls, in a field (YAML's \u001B) and in
    // the text: diff shows them escaped.
    auto hostile = current;
    const std::string title = "title: \"";
    hostile.insert(hostile.find(title) + title.size(), "\\u001B]0;pwned\\u0007");
    hostile.replace(hostile.find("NEWER[2J"), 8, "NEWER\x1b[2J");
    write_file(archive / ledger_text(ledger, "SELECT path FROM articles"), hostile);
    auto diff = run_command({SILLOK_BINARY, "diff", "--archive", archive.string(), "003_0012577249", "1", "2"});
    INFO("diff:\n" << diff.out << diff.err);
    CHECK(diff.exit_code == 0);
    CHECK(diff.out.find_first_of("\x1b\x07") == std::string::npos);
    CHECK(diff.out.find("\\x1b]0;pwned\\x07") != std::string::npos);
    CHECK(diff.out.find("NEWER\\x1b[2J") != std::string::npos);
}

TEST_CASE("e2e::adopt skips an old file crawled in the future")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_file(scratch.path() / "old" / "003_0012577249.md", old_file_of_003_at("2099-01-01 00:00:00", "LATER"));
    auto run = adopt(archive, {(scratch.path() / "old").string()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 1);
    REQUIRE(run.files.size() == 1);
    CHECK(run.files[0].outcome == "skipped");
    CHECK(run.files[0].note == "crawled_at 2099-01-01T09:00:00+09:00 is in the future");
    CHECK(ledger_count(archive / "ledger.sqlite3", "SELECT count(*) FROM versions") == 0);
}

TEST_CASE("e2e::adopt makes an old file crawled after the last crawl current, keeping the crawled version")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, "003_0012577249");
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto& article = fixture_article("003_0012577249");
    // sillok's clock at 2025-11-01T00:00:00Z for the crawl (the TLS check keeps the real one).
    const auto at = std::chrono::sys_days{std::chrono::year{2025} / 11 / 1};
    const auto offset = std::chrono::duration_cast<std::chrono::seconds>(at - std::chrono::system_clock::now());
    std::vector<std::string> argv{"/usr/bin/env", "SILLOK_TEST_CLOCK_OFFSET_S=" + std::to_string(offset.count()),
                                  SILLOK_BINARY,  "crawl",
                                  "--archive",    archive.string(),
                                  "--url",        canonical_url("003", "0012577249")};
    for (const auto& arg : with_server(server, {})) {
        argv.push_back(arg);
    }
    auto crawled = run_command(argv);
    INFO("crawl:\n" << crawled.out << crawled.err);
    REQUIRE(crawled.exit_code == 0);
    const auto crawled_file = read_file(archive / article.archive_path);
    REQUIRE(ledger_text(ledger, "SELECT last_checked FROM articles").starts_with("2025-11-01T09:00:"));

    write_file(scratch.path() / "old" / "003_0012577249.md", old_file_of_003_at("2025-12-29 03:00:00", "NEWER"));
    auto run = adopt(archive, {(scratch.path() / "old").string()});
    INFO("stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.files.size() == 1);
    CHECK(run.files[0].path == "2025/12/01/003_0012577249.md");
    CHECK(run.files[0].note.find("current: crawled 2025-12-29T12:00:00+09:00, after version 1 was last seen")
          != std::string::npos);
    CHECK(read_file(archive / "2025/12/01/003_0012577249.md").find("NEWER") != std::string::npos);
    // The crawled file left its current name for a version name, unchanged, and the ledger says so.
    CHECK_FALSE(fs::exists(archive / article.archive_path));
    const auto kept = ledger_text(ledger, "SELECT path FROM versions WHERE version = 1");
    CHECK(kept.starts_with("2024/05/30/003_0012577249."));
    CHECK(read_file(archive / kept) == crawled_file);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE current_version = 2 AND modified_at IS NULL"
                               " AND original_url IS NULL AND path = '2025/12/01/003_0012577249.md'")
          == 1);
    int verified = -1;
    auto report = verify(archive, verified);
    INFO("verify:\n" << report);
    CHECK(verified == 0);
}

TEST_CASE("e2e::adopt follows an article that went back to an earlier text")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto old = scratch.path() / "old";
    write_file(old / "a" / "003_0012577249.md", old_file_of_003_at("2025-12-01 03:00:00", "FIRST"));
    write_file(old / "b" / "003_0012577249.md", old_file_of_003_at("2025-12-15 03:00:00", "SECOND"));
    write_file(old / "c" / "003_0012577249.md", old_file_of_003_at("2025-12-29 03:00:00", "FIRST"));
    write_file(old / "d" / "003_0012577249.md", old_file_of_003_at("2025-12-30 03:00:00", "FIRST"));
    auto run = adopt(archive, {old.string()});
    INFO("stdout:\n" << run.result.out << "stderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    REQUIRE(run.files.size() == 4);
    CHECK(run.files[2].note.find("current: crawled 2025-12-29T12:00:00+09:00, after version 2 was last seen"
                                 " (2025-12-15T12:00:00+09:00), which is kept as an earlier version; the text went"
                                 " back to that of version 1")
          != std::string::npos);
    CHECK(run.files[3].note.ends_with("same content as version 3"));
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == 3);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles a JOIN versions v ON v.article_id = a.id"
                               " AND v.version = 1 WHERE a.current_version = 3 AND a.content_hash = v.content_hash")
          == 1);
    CHECK(read_file(archive / "2025/12/01/003_0012577249.md").find("FIRST") != std::string::npos);
    int verified = -1;
    auto report = verify(archive, verified);
    INFO("verify:\n" << report);
    CHECK(verified == 0);
}
