// `sillok` killed with SIGKILL at random moments: a crawl of a few hundred articles killed again
// and again, then resumed, ends with every article archived exactly once and an archive that
// `sillok verify` finds clean; a ledger migration killed part-way leaves the ledger at its old
// version or at the new one, never in between and never corrupt.
#include "daemon/ledger/migrations.hpp"
#include "daemon/util/c_handles.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <random>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;
using Steady = std::chrono::steady_clock;

constexpr int k_articles = 200;
constexpr int k_crawl_kills = 25;
constexpr int k_migration_kills = 12;
constexpr int k_synthetic_rows = 30000;
constexpr auto k_run_bound = 120s;

// The smallest saved page: each of the crawl's articles is this page under another aid.
const FixtureArticle& sample() { return fixture_article("018_0005316196"); }

// One draw per test run, printed: SILLOK_CRASH_SEED draws the same kill delays again (the
// moments they hit still vary with timing).
unsigned seed()
{
    static const unsigned k_seed = [] {
        const char* given = std::getenv("SILLOK_CRASH_SEED");
        return given != nullptr ? static_cast<unsigned>(std::stoul(given)) : std::random_device{}();
    }();
    return k_seed;
}

std::vector<std::string> crawl_args(const NaverStandIn& server, const fs::path& archive, const fs::path& url_file)
{
    std::vector<std::string> args{
        "crawl",         "--archive", archive.string(), "--url-file", url_file.string(), "--rate", "0",
        "--concurrency", "4",         "--timeout",      "20",         "--retries",       "2"};
    auto server_args = server.curl_args();
    args.insert(args.end(), server_args.begin(), server_args.end());
    return args;
}

// Runs `args` to its end; the exit code, or -1 when it ran longer than the bound (then killed).
int run_to_end(const std::vector<std::string>& args, const fs::path& log_dir, Steady::duration* took = nullptr)
{
    auto start = Steady::now();
    ServiceProcess process(args, log_dir);
    auto code = process.wait(k_run_bound);
    if (took != nullptr) {
        *took = Steady::now() - start;
    }
    INFO("log:\n" << process.log());
    CHECK_MESSAGE(code.has_value(), "sillok still ran after " << k_run_bound.count() << " s");
    return code.value_or(-1);
}

// Opens the ledger as a later process would (recovering its journal) and reads what a crash
// may have damaged.
struct LedgerHealth {
    std::string integrity;
    int user_version = -1;
    std::int64_t fetches = -1; // -1: no fetches table
};

LedgerHealth ledger_health(const fs::path& path)
{
    sqlite3* raw = nullptr;
    int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    sillok::daemon::SqliteDb db(raw);
    REQUIRE_MESSAGE(opened == SQLITE_OK, "cannot open " << path << ": " << sqlite3_errstr(opened));
    sqlite3_busy_timeout(db.get(), 5000);
    LedgerHealth health;
    auto query = [&](const char* sql, auto read) {
        sqlite3_stmt* raw_statement = nullptr;
        REQUIRE_MESSAGE(sqlite3_prepare_v2(db.get(), sql, -1, &raw_statement, nullptr) == SQLITE_OK,
                        std::string(sql) << ": " << std::string(sqlite3_errmsg(db.get())));
        sillok::daemon::SqliteStmt statement(raw_statement);
        while (sqlite3_step(statement.get()) == SQLITE_ROW) {
            read(statement.get());
        }
    };
    query("PRAGMA integrity_check",
          [&](sqlite3_stmt* s) { health.integrity += reinterpret_cast<const char*>(sqlite3_column_text(s, 0)); });
    query("PRAGMA user_version", [&](sqlite3_stmt* s) { health.user_version = sqlite3_column_int(s, 0); });
    // A run killed before it created the tables leaves an empty ledger.
    query("SELECT count(*) FROM sqlite_schema WHERE name = 'fetches'",
          [&](sqlite3_stmt* s) { health.fetches = sqlite3_column_int(s, 0) == 1 ? 0 : -1; });
    if (health.fetches == 0) {
        query("SELECT count(*) FROM fetches", [&](sqlite3_stmt* s) { health.fetches = sqlite3_column_int64(s, 0); });
    }
    return health;
}

void exec(sqlite3* db, const std::string& sql)
{
    char* message = nullptr;
    int done = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    REQUIRE_MESSAGE(done == SQLITE_OK, sql.substr(0, 60) << ": " << text);
}

// A ledger at schema version 1 holding rows an earlier sillok wrote: the migration to the
// latest version has data to carry over (and an index to build over it).
void make_version_one_ledger(const fs::path& path)
{
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK);
    sillok::daemon::SqliteDb db(raw);
    exec(db.get(), "BEGIN");
    exec(db.get(), std::string(sillok::daemon::migrations().at(0).sql));
    exec(db.get(),
         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(k_synthetic_rows)
             + ")"
               " INSERT INTO fetches (url, started_at, status, bytes, duration_ms)"
               " SELECT 'https://n.news.naver.com/mnews/article/001/' || printf('%010d', i),"
               " printf('2024-01-01T%02d:%02d:%02d+09:00', i / 3600, i / 60 % 60, i % 60), 200, 90000, 50 FROM n");
    exec(db.get(), "INSERT INTO articles (id, oid, aid, url, state, title, content_hash, current_version, path,"
                   " first_seen, last_checked)"
                   " SELECT id, '001', substr(url, -10), url, 'archived', 'title ' || id, printf('%064x', id), 1,"
                   " '2024/01/01/001_' || substr(url, -10) || '.md', started_at, started_at FROM fetches");
    exec(db.get(), "INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path, fetch_id)"
                   " SELECT id, 1, content_hash, 1, first_seen, path, id FROM articles");
    exec(db.get(), "PRAGMA user_version = 1");
    exec(db.get(), "COMMIT");
}

fs::path write_url_file(const fs::path& path, const std::vector<sillok::parsers::ArticleRef>& refs)
{
    std::string urls;
    for (const auto& ref : refs) {
        urls += ref.canonical_url() + "\n";
    }
    write_file(path, urls);
    return path;
}

struct Kills {
    int total = 0;
    int while_saving = 0; // the run had saved articles no earlier run had
};

// Starts `args` again and again, each run SIGKILLed after a delay drawn from its share of
// `window` (kill k of n after [k/n, (k+1)/n) of it), so that the kills land ever later in a
// run: early ones during startup, later ones where the earlier runs stopped saving. A run
// that finishes before its kill shrinks the window to fit.

Kills kill_repeatedly(const std::vector<std::string>& args, const fs::path& ledger, Steady::duration window,
                      const fs::path& log_dir)
{
    Kills kills;
    std::mt19937 random(seed());
    std::uniform_real_distribution<double> within(0.0, 1.0);
    for (int run = 0; kills.total < k_crawl_kills && run < 2 * k_crawl_kills; ++run) {
        auto delay =
            std::chrono::duration_cast<Steady::duration>(window * ((kills.total + within(random)) / k_crawl_kills));
        const auto archived_before = archived_count(ledger);
        auto start = Steady::now();
        ServiceProcess process(args, log_dir);
        if (auto code = process.wait(delay)) {
            INFO("log:\n" << process.log());
            CHECK(code == 0);
            window = std::min(window, (Steady::now() - start) * 9 / 10);
            continue;
        }
        auto killed = process.kill();
        if (killed == 0) { // it finished between the wait and the signal: not a kill
            window = std::min(window, (Steady::now() - start) * 9 / 10);
            continue;
        }
        CHECK(killed == 128 + SIGKILL);
        ++kills.total;
        if (fs::exists(ledger)) {
            auto health = ledger_health(ledger);
            CHECK_MESSAGE(health.integrity == "ok", "after kill " << kills.total << ": " << health.integrity);
            kills.while_saving += archived_count(ledger) > archived_before ? 1 : 0;
        }
    }
    return kills;
}

// Every ref archived exactly once, with one version, in the file the ledger names.
void check_archived_once(const fs::path& archive, const std::vector<sillok::parsers::ArticleRef>& refs)
{
    auto verify = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    CHECK_MESSAGE(verify.exit_code == 0, "sillok verify:\n" << verify.out << verify.err);
    CHECK(files_under(archive / ".tmp").empty());
    const auto date_folder = fs::path(sample().archive_path).parent_path().string();
    std::vector<std::string> expected;
    for (const auto& ref : refs) {
        expected.push_back(date_folder + "/" + ref.id() + ".md");
    }
    std::ranges::sort(expected);
    CHECK(article_files(archive) == expected);
    const auto ledger = archive / "ledger.sqlite3";
    const auto count = static_cast<std::int64_t>(refs.size());
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE state = 'archived' AND current_version = 1")
          == count);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == count);
    CHECK(ledger_count(ledger, "SELECT count(DISTINCT article_id) FROM versions") == count);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions v JOIN articles a ON a.id = v.article_id"
                               " WHERE v.path != a.path OR v.content_hash != a.content_hash")
          == 0);
}

// How long after its start a run has the ledger at schema version `latest`, as seen from
// another connection; the run then goes on to its end.
Steady::duration time_to_migrate(const std::vector<std::string>& args, const fs::path& ledger, int latest,
                                 const fs::path& log_dir)
{
    auto start = Steady::now();
    ServiceProcess process(args, log_dir);
    std::optional<Steady::duration> took;
    while (!took) {
        if (ledger_number(ledger, "PRAGMA user_version") == latest || process.wait(1ms)) {
            took = Steady::now() - start;
        }
    }
    INFO("log:\n" << process.log());
    REQUIRE(process.wait(k_run_bound) == 0);
    return *took;
}

struct MigrationKills {
    int total = 0;
    int left_at_old = 0;
    fs::path an_old_one; // an archive whose ledger a kill left at version 1
};

// Kills runs on fresh copies of a version 1 ledger (from `next_archive`) after delays spread
// over `window` (shortened whenever a run ends before its delay), checking each ledger after
// its kill.
MigrationKills kill_migrations(const std::function<fs::path()>& next_archive,
                               const std::function<std::vector<std::string>(const fs::path&)>& args_for,
                               Steady::duration window, const fs::path& log_dir)
{
    const int latest = static_cast<int>(sillok::daemon::migrations().size());
    MigrationKills kills;
    std::mt19937 random(seed());
    std::uniform_real_distribution<double> within(0.0, 1.0);
    for (int run = 0; kills.total < k_migration_kills && run < 2 * k_migration_kills; ++run) {
        auto archive = next_archive();
        auto delay =
            std::chrono::duration_cast<Steady::duration>(window * ((kills.total + within(random)) / k_migration_kills));
        ServiceProcess process(args_for(archive), log_dir);
        if (process.wait(delay)) {
            // The whole run took less than the delay (runs get quicker than the one that set
            // the window, or a loaded machine slowed that one): later kills come sooner.
            window = window * 3 / 4;
            continue;
        }
        auto killed = process.kill();
        if (killed == 0) { // it finished between the wait and the signal: not a kill
            continue;
        }
        CHECK(killed == 128 + SIGKILL);
        ++kills.total;
        auto health = ledger_health(archive / "ledger.sqlite3");
        CAPTURE(kills.total);
        CHECK(health.integrity == "ok");
        CHECK((health.user_version == 1 || health.user_version == latest));
        CHECK(health.fetches >= k_synthetic_rows);
        if (health.user_version == 1) {
            ++kills.left_at_old;
            kills.an_old_one = archive;
        }
    }
    return kills;
}

} // namespace

TEST_CASE("faults::crash: a crawl killed with SIGKILL at random moments resumes to a clean archive")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto refs = made_up_refs(k_articles);
    const unsigned jitter_seed = seed();
    serve_articles(server, refs, article_page(sample().id), [jitter_seed](int n) {
        std::minstd_rand draw(jitter_seed + static_cast<unsigned>(n));
        return std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 30)(draw));
    });
    const auto archive = scratch.path() / "archive";
    const auto args = crawl_args(server, archive, write_url_file(scratch.path() / "urls.txt", refs));
    const auto logs = scratch.path() / "logs";
    MESSAGE("crash seed: " << seed() << " (SILLOK_CRASH_SEED draws the same delays again)");

    // A whole crawl's length, estimated from a quarter of it on an archive of its own.
    const std::vector quarter(refs.begin(), refs.begin() + k_articles / 4);
    Steady::duration took{};
    REQUIRE(run_to_end(
                crawl_args(server, scratch.path() / "measure", write_url_file(scratch.path() / "quarter.txt", quarter)),
                logs, &took)
            == 0);

    const auto kills = kill_repeatedly(args, archive / "ledger.sqlite3", took * 4, logs);
    REQUIRE(kills.total == k_crawl_kills);
    int exit_code = -1;
    for (int resumed = 0; resumed < 3 && exit_code != 0; ++resumed) {
        exit_code = run_to_end(args, logs);
    }
    REQUIRE(exit_code == 0);
    check_archived_once(archive, refs);
    MESSAGE("kill -9 runs survived: " << kills.total << " (" << kills.while_saving
                                      << " of them killed while saving new articles)");
}

TEST_CASE("faults::crash: SIGKILL during a ledger migration leaves the old or the new version, intact")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, sample().id);
    const auto template_ledger = scratch.path() / "version-1.sqlite3";
    make_version_one_ledger(template_ledger);
    const int latest = static_cast<int>(sillok::daemon::migrations().size());
    REQUIRE(latest > 1);
    const auto logs = scratch.path() / "logs";
    MESSAGE("crash seed: " << seed() << " (SILLOK_CRASH_SEED draws the same delays again)");

    int round = 0;
    auto next_archive = [&] {
        auto archive = scratch.path() / ("archive-" + std::to_string(round++));
        fs::create_directories(archive);
        fs::copy_file(template_ledger, archive / "ledger.sqlite3");
        return archive;
    };
    auto args_for = [&](const fs::path& archive) {
        std::vector<std::string> args{
            "crawl",  "--archive", archive.string(), "--url", canonical_url(sample().oid, sample().aid),
            "--rate", "0",         "--retries",      "0"};
        auto server_args = server.curl_args();
        args.insert(args.end(), server_args.begin(), server_args.end());
        return args;
    };

    // The kills spread over the time a run takes to migrate, and half as long again.
    const auto first = next_archive();
    const auto window = time_to_migrate(args_for(first), first / "ledger.sqlite3", latest, logs) * 3 / 2;
    const auto kills = kill_migrations(next_archive, args_for, window, logs);
    REQUIRE(kills.total == k_migration_kills);

    // A ledger that a killed migration left behind migrates and works.
    REQUIRE_MESSAGE(!kills.an_old_one.empty(), "no kill came before the migration committed");
    REQUIRE(run_to_end(args_for(kills.an_old_one), logs) == 0);
    const auto ledger = kills.an_old_one / "ledger.sqlite3";
    auto health = ledger_health(ledger);
    CHECK(health.integrity == "ok");
    CHECK(health.user_version == latest);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == k_synthetic_rows + 1);
    CHECK(fs::is_regular_file(kills.an_old_one / sample().archive_path));
    MESSAGE("kill -9 runs survived during migration: " << kills.total << " (" << kills.left_at_old
                                                       << " left at version 1, " << kills.total - kills.left_at_old
                                                       << " at version " << latest << ")");
}
