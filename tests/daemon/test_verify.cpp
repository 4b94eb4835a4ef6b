#include "daemon/archive/archive.hpp"
#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/regular_file.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/verify/verify.hpp"
#include "parsers/article.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using sillok::daemon::Archive;
using sillok::daemon::Ledger;
using sillok::daemon::ProblemKind;
using sillok::daemon::VerifyOptions;
using sillok::daemon::VerifyReport;
using sillok::test::fixtures_dir;
using sillok::test::read_file;
using sillok::test::ScratchDir;
using sillok::test::write_file;

namespace {

constexpr auto k_first_crawl = "2026-01-01T09:00:00+09:00";
constexpr auto k_second_crawl = "2026-01-02T09:00:00+09:00";

sillok::parsers::Article fixture_article(const std::string& oid, const std::string& aid)
{
    auto page = read_file(fixtures_dir() / "naver" / "article" / (oid + "_" + aid + ".html"));
    auto article = sillok::parsers::parse_article(page, "https://n.news.naver.com/mnews/article/" + oid + "/" + aid);
    REQUIRE(article.has_value());
    return *article;
}

// Saves an article as the crawl pipeline does: an earlier version's file kept beside the
// current one, the new file renamed into place, then the ledger's transaction.
void save(Archive& archive, Ledger& ledger, const sillok::parsers::Article& article, const std::string& crawled_at,
          bool record = true)
{
    auto hash = sillok::daemon::content_hash(article.content);
    auto path = sillok::daemon::archive_relative_path(article);
    auto stored = ledger.find(article.ref);
    REQUIRE(stored.has_value());
    std::optional<std::string> previous_path;
    if (*stored && (*stored)->content_hash && (*stored)->content_hash != hash) {
        previous_path = sillok::daemon::version_relative_path(*(*stored)->path, *(*stored)->content_hash);
        REQUIRE(archive.keep_as(*(*stored)->path, *previous_path).has_value());
    }
    REQUIRE(archive.write(path, sillok::daemon::render_archive_file(article, hash, crawled_at)).has_value());
    if (record) {
        REQUIRE(ledger.record_version({article, hash, path, crawled_at, previous_path}, {}).has_value());
    }
}

// Three real articles, one of them edited once: four files.
struct SampleArchive {
    ScratchDir dir;
    fs::path root = dir.path() / "archive";
    fs::path ledger = root / "ledger.sqlite3";
    std::string current = "2024/05/30/003_0012577249.md";
    std::string earlier;

    explicit SampleArchive(bool with_edit = true)
    {
        auto archive = Archive::open(root);
        REQUIRE(archive.has_value());
        auto opened = Ledger::open(ledger);
        REQUIRE(opened.has_value());
        auto first = fixture_article("003", "0012577249");
        for (const auto& article :
             {first, fixture_article("018", "0005316196"), fixture_article("421", "0008770777")}) {
            save(*archive, *opened, article, k_first_crawl);
        }
        earlier = sillok::daemon::version_relative_path(current, sillok::daemon::content_hash(first.content));
        if (with_edit) {
            save(*archive, *opened, edited(first), k_second_crawl);
        }
    }

    static sillok::parsers::Article edited(sillok::parsers::Article article)
    {
        article.content += "\n\n[정정] 제품 출시일을 바로잡습니다.";
        return article;
    }
};

struct Run {
    VerifyReport report;
    std::string out;
};

Run verify(const fs::path& root, bool repair = false)
{
    std::ostringstream out;
    auto report = sillok::daemon::verify_archive(VerifyOptions{root, {}, repair}, out);
    REQUIRE_MESSAGE(report.has_value(), report.error().message);
    return Run{std::move(*report), out.str()};
}

// Every row of a query, columns joined with '|'.
std::vector<std::string> rows(const fs::path& ledger, const std::string& sql)
{
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(ledger.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sillok::daemon::SqliteDb db(raw);
    sqlite3_stmt* stmt_raw = nullptr;
    REQUIRE(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt_raw, nullptr) == SQLITE_OK);
    sillok::daemon::SqliteStmt stmt(stmt_raw);
    std::vector<std::string> found;
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
        std::string row;
        for (int column = 0; column < sqlite3_column_count(stmt.get()); ++column) {
            const auto* text = sqlite3_column_text(stmt.get(), column);
            row +=
                (column > 0 ? "|" : "") + std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
        }
        found.push_back(row);
    }
    return found;
}

void execute(const fs::path& ledger, const std::string& sql)
{
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(ledger.c_str(), &raw) == SQLITE_OK);
    sillok::daemon::SqliteDb db(raw);
    REQUIRE(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
}

// Every file of the archive but the ledger's, with its bytes.
std::map<std::string, std::string> archive_files(const fs::path& root)
{
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.is_regular_file() && entry.path().filename().string().find(".sqlite3") == std::string::npos) {
            files[entry.path().lexically_relative(root).generic_string()] = read_file(entry.path());
        }
    }
    return files;
}

const std::string k_article_columns = "SELECT oid, aid, url, state, title, publisher, author, category, published_at,"
                                      " modified_at, original_url, content_hash, current_version, path, first_seen,"
                                      " last_checked FROM articles ORDER BY oid, aid";
const std::string k_version_columns = "SELECT a.oid, a.aid, v.version, v.content_hash, v.first_seen, v.path"
                                      " FROM versions v JOIN articles a ON a.id = v.article_id"
                                      " ORDER BY a.oid, a.aid, v.version";

} // namespace

TEST_CASE("daemon::verify_archive passes an intact archive")
{
    SampleArchive sample;
    auto run = verify(sample.root);
    CHECK(run.report.clean());
    CHECK(run.report.files_checked == 4);
    CHECK(run.out == "summary\t" + sample.root.string() + "\t4 files checked, 0 problems\n");
}

TEST_CASE("daemon::verify_archive reports each kind of problem")
{
    SampleArchive sample;
    auto current = sample.root / sample.current;
    auto expect_only = [&](ProblemKind kind, size_t count, const std::string& path) {
        auto run = verify(sample.root);
        CAPTURE(run.out);
        CHECK_FALSE(run.report.clean());
        CHECK(run.report.count(kind) == count);
        CHECK(run.report.problems.size() == count);
        for (const auto& problem : run.report.problems) {
            CHECK(problem.kind == kind);
            CHECK(problem.path == path);
            CHECK(run.out.find(std::string(to_string(kind)) + "\t" + path + "\t" + problem.detail + "\n")
                  != std::string::npos);
        }
        return run;
    };

    SUBCASE("an edited body is modified")
    {
        auto text = read_file(current);
        auto at = text.find("삼성전자가");
        REQUIRE(at != std::string::npos);
        write_file(current, text.replace(at, 0, "[편집] "));
        expect_only(ProblemKind::modified, 1, sample.current);
    }
    SUBCASE("a deleted file is missing, once per ledger row that names it")
    {
        fs::remove(sample.root / sample.earlier);
        auto run = expect_only(ProblemKind::missing, 1, sample.earlier);
        CHECK(run.report.problems[0].detail == "versions row 1 of 003_0012577249 names this file");
        fs::remove(current);
        CHECK(verify(sample.root).report.count(ProblemKind::missing) == 3);
    }
    SUBCASE("a file no ledger row names is an orphan")
    {
        auto stranger = fixture_article("003", "0012577249");
        stranger.ref.aid = "0012577250";
        auto path = "2024/05/30/003_0012577250.md";
        write_file(sample.root / path, sillok::daemon::render_archive_file(
                                           stranger, sillok::daemon::content_hash(stranger.content), k_first_crawl));
        expect_only(ProblemKind::orphan, 1, path);
    }
    SUBCASE("junk front matter is invalid")
    {
        auto text = read_file(current);
        write_file(current, "---\nthis is not front matter\n" + text.substr(text.find("\n---\n") + 1));
        auto run = expect_only(ProblemKind::invalid_front_matter, 1, sample.current);
        CHECK(run.report.problems[0].detail == "line 2: not a 'key: value' line");
    }
    SUBCASE("a leftover temp file is reported, and left where it is")
    {
        write_file(sample.root / ".tmp" / "123.0.tmp", "partial");
        expect_only(ProblemKind::temp_file, 1, ".tmp/123.0.tmp");
        verify(sample.root, true);
        CHECK(fs::exists(sample.root / ".tmp" / "123.0.tmp"));
    }
    SUBCASE("a file whose content the ledger records with another hash is a ledger mismatch")
    {
        fs::copy_file(sample.root / sample.earlier, current, fs::copy_options::overwrite_existing);
        auto run = expect_only(ProblemKind::ledger_mismatch, 2, sample.current);
        CHECK(run.report.problems[0].detail.starts_with("articles row of 003_0012577249 has content_hash "));
        CHECK(run.report.problems[1].detail.starts_with("versions row 2 of 003_0012577249 has content_hash "));
        // An older content at the current path is not made current again.
        auto before = rows(sample.ledger, k_article_columns);
        CHECK(verify(sample.root, true).report.repairs.empty());
        CHECK(rows(sample.ledger, k_article_columns) == before);
    }
}

TEST_CASE("daemon::verify_archive --repair rebuilds a lost ledger from the files")
{
    SampleArchive sample;
    auto articles = rows(sample.ledger, k_article_columns);
    auto versions = rows(sample.ledger, k_version_columns);
    REQUIRE(articles.size() == 3);
    REQUIRE(versions.size() == 4);
    write_file(sample.root / ".tmp" / "123.0.tmp", "partial");
    auto files = archive_files(sample.root);
    for (auto suffix : {"", "-wal", "-shm"}) {
        fs::remove(sample.ledger.string() + suffix);
    }

    std::ostringstream out;
    CHECK_FALSE(sillok::daemon::verify_archive(VerifyOptions{sample.root, {}, false}, out).has_value());
    auto repaired = verify(sample.root, true);
    CHECK_FALSE(repaired.report.clean());
    CHECK(repaired.report.count(ProblemKind::orphan) == 4);
    CHECK(repaired.report.repairs.size() == 3 + 4 + 3); // articles added, versions added, current versions named
    CHECK(repaired.out.find("repaired\t" + sample.earlier + "\tversions row 1 of 003_0012577249 added\n")
          != std::string::npos);

    auto again = verify(sample.root);
    CAPTURE(again.out);
    CHECK(again.report.problems.size() == 1); // the temp file only
    CHECK(again.report.count(ProblemKind::temp_file) == 1);
    CHECK(rows(sample.ledger, k_article_columns) == articles);
    CHECK(rows(sample.ledger, k_version_columns) == versions);
    CHECK(archive_files(sample.root) == files);
    CHECK(verify(sample.root, true).report.repairs.empty());
}

TEST_CASE("daemon::verify_archive --repair completes an update cut short before its ledger commit")
{
    SampleArchive sample(false);
    {
        auto archive = Archive::open(sample.root);
        auto ledger = Ledger::open(sample.ledger);
        REQUIRE((archive && ledger));
        save(*archive, *ledger, SampleArchive::edited(fixture_article("003", "0012577249")), k_second_crawl, false);
    }
    auto files = archive_files(sample.root);
    auto found = verify(sample.root, true);
    CAPTURE(found.out);
    CHECK(found.report.count(ProblemKind::ledger_mismatch) == 2);
    CHECK(found.report.count(ProblemKind::orphan) == 1);
    CHECK(found.report.repairs.size() == 3); // version 1 moved, version 2 added, article pointed at it

    CHECK(verify(sample.root).report.clean());
    CHECK(rows(sample.ledger, "SELECT v.version, v.path FROM versions v JOIN articles a ON a.id = v.article_id"
                              " WHERE a.oid = '003' ORDER BY v.version")
          == std::vector<std::string>{"1|" + sample.earlier, "2|" + sample.current});
    CHECK(rows(sample.ledger, "SELECT current_version, path FROM articles WHERE oid = '003'")
          == std::vector<std::string>{"2|" + sample.current});
    CHECK(archive_files(sample.root) == files);
}

TEST_CASE("daemon::verify_archive --repair points a row at the intact file of its content")
{
    SampleArchive sample;
    execute(sample.ledger, "UPDATE versions SET path = '2024/05/29/003_0012577249.md' WHERE version = 1"
                           " AND article_id = (SELECT id FROM articles WHERE oid = '003')");
    auto found = verify(sample.root, true);
    CAPTURE(found.out);
    CHECK(found.report.count(ProblemKind::missing) == 1);
    CHECK(found.report.count(ProblemKind::orphan) == 1);
    REQUIRE(found.report.repairs.size() == 1);
    CHECK(found.report.repairs[0].path == sample.earlier);
    CHECK(verify(sample.root).report.clean());
}

TEST_CASE("daemon::verify_archive reports older crawlers' files as invalid front matter")
{
    ScratchDir dir;
    auto root = dir.path() / "archive";
    size_t copied = 0;
    for (const auto& entry : fs::directory_iterator(fixtures_dir() / "baram-output")) {
        write_file(root / entry.path().filename(), read_file(entry.path()));
        ++copied;
    }
    write_file(root / "2025/12/30/015_0005230666.md", read_file(sillok::test::seed_example_path()));
    ++copied;
    auto files = archive_files(root);
    auto run = verify(root, true);
    CHECK(run.report.files_checked == copied);
    CHECK(run.report.count(ProblemKind::invalid_front_matter) == copied);
    CHECK(run.report.count(ProblemKind::orphan) == copied);
    CHECK(run.report.count(ProblemKind::modified) == 0);
    CHECK(run.report.repairs.empty());
    CHECK(archive_files(root) == files);
}

TEST_CASE("daemon::verify_archive refuses an archive or ledger that is not there")
{
    ScratchDir dir;
    std::ostringstream out;
    auto no_archive = sillok::daemon::verify_archive(VerifyOptions{dir.path() / "none", {}, false}, out);
    REQUIRE_FALSE(no_archive.has_value());
    CHECK(no_archive.error().message.starts_with("archive folder not found"));
    auto no_ledger = sillok::daemon::verify_archive(VerifyOptions{dir.path(), dir.path() / "none.sqlite3", false}, out);
    REQUIRE_FALSE(no_ledger.has_value());
    CHECK(no_ledger.error().message.starts_with("ledger not found"));
    CHECK_FALSE(fs::exists(dir.path() / "none.sqlite3"));
}

TEST_CASE("daemon::map_archive_file reads regular files only, through no link, without blocking")
{
    ScratchDir scratch;
    const auto root = scratch.path() / "archive";
    const auto outside = scratch.path() / "outside";
    fs::create_directories(root / "warc/2026/12");
    fs::create_directories(outside);
    write_file(root / "warc/2026/12/a.warc.gz", "abc");
    write_file(outside / "b.warc.gz", "outside");

    auto plain = sillok::daemon::map_archive_file(root, "warc/2026/12/a.warc.gz");
    REQUIRE(plain.has_value());
    CHECK(plain->bytes() == "abc");

    // A FIFO: reported at once (an open for reading would wait for a writer forever).
    REQUIRE(::mkfifo((root / "warc/2026/12/fifo.warc.gz").c_str(), 0644) == 0);
    auto fifo = sillok::daemon::map_archive_file(root, "warc/2026/12/fifo.warc.gz");
    REQUIRE_FALSE(fifo.has_value());
    CHECK(fifo.error().find("a FIFO, not a regular file") != std::string::npos);

    // A device, a linked file and a linked folder are never read.
    fs::create_symlink("/dev/zero", root / "warc/2026/12/zero.warc.gz");
    fs::create_symlink(outside / "b.warc.gz", root / "warc/2026/12/b.warc.gz");
    fs::create_directory_symlink(outside, root / "warc/2026/11");
    for (const auto* name : {"warc/2026/12/zero.warc.gz", "warc/2026/12/b.warc.gz", "warc/2026/11/b.warc.gz"}) {
        CAPTURE(name);
        auto linked = sillok::daemon::map_archive_file(root, name);
        REQUIRE_FALSE(linked.has_value());
        CHECK(linked.error().find("a symbolic link") != std::string::npos);
    }
    // Nor anything outside the archive by its name.
    for (const auto* name : {"../outside/b.warc.gz", "/etc/hostname", "warc//2026/12/a.warc.gz", ""}) {
        CAPTURE(name);
        CHECK_FALSE(sillok::daemon::map_archive_file(root, name).has_value());
    }
}

TEST_CASE("daemon::verify_archive reports a FIFO or a link in place of an archive file without reading it")
{
    SampleArchive sample(false);
    REQUIRE(::mkfifo((sample.root / "2024/05/30/999_0000000001.md").c_str(), 0644) == 0);
    fs::create_directories(sample.root / "adopted");
    REQUIRE(::mkfifo((sample.root / "adopted/998_0000000001.md").c_str(), 0644) == 0);
    write_file(sample.dir.path() / "outside.md", "not in the archive");
    fs::create_symlink(sample.dir.path() / "outside.md", sample.root / "adopted/997_0000000001.md");

    auto run = verify(sample.root); // a FIFO opened for reading would wait here for ever
    CHECK(run.out.find("unreadable\t2024/05/30/999_0000000001.md\ta FIFO, not a regular file: not read\n")
          != std::string::npos);
    CHECK(run.out.find("unreadable\tadopted/998_0000000001.md\ta FIFO, not a regular file: not read\n")
          != std::string::npos);
    CHECK(run.out.find("symlink\tadopted/997_0000000001.md\ta symbolic link to ") != std::string::npos);
    CHECK(run.report.count(ProblemKind::orphan) == 0); // the link's target was not read as a copy
    CHECK(run.report.problems.size() == 3);
}

TEST_CASE("daemon::verify_archive --repair does not open a FIFO that a ledger row names")
{
    SampleArchive sample;
    const std::string fifo = "2024/05/30/003_0012577249.aaaaaaaaaaaa.md";
    REQUIRE(::mkfifo((sample.root / fifo).c_str(), 0644) == 0);
    // The current file's rows name the FIFO instead: the file is then the ledger's orphan.
    execute(sample.ledger, "UPDATE versions SET path = '" + fifo + "' WHERE path = '" + sample.current
                               + "';"
                                 " UPDATE articles SET path = '"
                               + fifo + "' WHERE path = '" + sample.current + "'");

    auto run = verify(sample.root, true); // reading the FIFO would wait here for ever
    CHECK(run.out.find("unreadable\t" + fifo + "\ta FIFO, not a regular file: not read\n") != std::string::npos);
    CHECK(run.out.find("orphan\t" + sample.current) != std::string::npos);
    CHECK(rows(sample.ledger, "SELECT path FROM articles WHERE aid = '0012577249'")
          == std::vector<std::string>{sample.current});
}
