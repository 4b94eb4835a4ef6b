// The ledger at scale: a fresh ledger of COUNT made-up articles, then
//   - the insert rate through the Ledger API (the batched write path a crawl's pool uses:
//     Ledger::record_batch of k_group articles, each a version with one fetch row, in one
//     synced transaction), per stretch and overall, measured on the last MEASURED articles,
//     when the ledger already holds the others;
//   - the dedupe lookup (Frontier::unknown of one article: is it in the ledger or the
//     queue? the check discovery and backfill make of every link) and the record lookup
//     (Ledger::find: the article's current fields, read before a version is saved), p50 /
//     p99 / max, for archived and for unknown articles; the dedupe lookup twice: a first
//     pass over the index as the fill left it (partly in the kernel's page cache, so some
//     lookups wait for the disk), and a pass after the index has been read once (in memory,
//     as the lookups of a running service keep it);
//   - the ledger's bytes per article (database file after the last connection closed).
// The articles before the measured ones are written by bulk SQL (one INSERT ... SELECT per
// table per million articles, rows shaped as record_batch writes them, random content
// hashes), so that 10 million take minutes rather than hours; their rate is printed as the
// fill's, not as the insert rate.
// Usage: ledger [COUNT [LEDGER_FILE]]   (COUNT default 10,000,000; default file a fresh one
// in the temp folder, removed at the end; a LEDGER_FILE that does not exist is filled and
// kept, one that exists must be one this benchmark filled with COUNT articles, and only its
// lookups are measured again)
// Environment: MEASURED (default 200,000, at most COUNT): articles inserted through the API.
#include "daemon/ledger/ledger.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/ledger/sql.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using sillok::daemon::FetchRecord;
using sillok::daemon::Ledger;
using sillok::daemon::LedgerWrite;
using sillok::daemon::SavedVersion;
using sillok::daemon::VersionWrite;
using sillok::parsers::Article;
using sillok::parsers::ArticleRef;

constexpr long k_default_count = 10'000'000;
constexpr long k_lookups = 20'000;
constexpr long k_group = 64; // articles per transaction, the pool's largest batch

// The i-th made-up article: 800 presses, ids in order within each.
ArticleRef ref_of(long i)
{
    char oid[24];
    char aid[24];
    std::snprintf(oid, sizeof oid, "%03ld", 1 + i % 800);
    std::snprintf(aid, sizeof aid, "%010ld", i / 800);
    return {oid, aid};
}

Article article_of(long i)
{
    Article article;
    article.ref = ref_of(i);
    article.title = "합성 기사 제목 " + std::to_string(i) + ": 벤치마크용으로 만든 기사";
    article.category = "경제";
    article.publisher = "합성일보";
    article.author = "홍길동 기자";
    article.published_at = "2024-05-30T11:40:08+09:00";
    article.content = "본문 " + std::to_string(i);
    return article;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void fail(const std::string& what)
{
    std::fprintf(stderr, "ledger: %s\n", what.c_str());
    std::exit(74);
}

void record_group(Ledger& ledger, long first, long last)
{
    std::vector<Article> articles;
    articles.reserve(static_cast<std::size_t>(last - first));
    for (long i = first; i < last; ++i) {
        articles.push_back(article_of(i));
    }
    std::vector<LedgerWrite> writes;
    writes.reserve(articles.size());
    for (const auto& article : articles) {
        const auto hash = sillok::daemon::content_hash(article.content);
        const SavedVersion saved{article, hash, "2024/05/30/" + article.ref.id() + ".md", "2024-05-30T12:00:00+09:00",
                                 std::nullopt};
        writes.emplace_back(
            VersionWrite{saved, {{article.ref.canonical_url(), "2024-05-30T12:00:00+09:00", 200, 180'000, 120, ""}}});
    }
    if (auto saved_ok = ledger.record_batch(writes); !saved_ok) {
        fail("record_batch: " + saved_ok.error().message);
    }
}

// Articles [first, last) through record_batch, k_group per transaction.
void insert_through_api(Ledger& ledger, long first, long last)
{
    const long count = last - first;
    const long stretch = std::max(k_group, std::clamp(count / 10, 1L, 100'000L) / k_group * k_group);
    const auto start = Clock::now();
    auto stretch_start = start;
    for (long from = first; from < last; from += k_group) {
        const long to = std::min(last, from + k_group);
        record_group(ledger, from, to);
        if ((to - first) % stretch == 0 || to == last) {
            const long done = (to - first) % stretch == 0 ? stretch : (to - first) % stretch;
            std::printf("inserted %ld: %.0f articles/s in the last %ld\n", to,
                        static_cast<double>(done) / seconds_since(stretch_start), done);
            std::fflush(stdout);
            stretch_start = Clock::now();
        }
    }
    std::printf("insert: %ld articles in %.1f s, %.0f articles/s (batched, %ld per transaction, on a ledger of %ld)\n",
                count, seconds_since(start), static_cast<double>(count) / seconds_since(start), k_group, first);
}

// Articles [0, count) by bulk SQL: the rows record_batch writes for article_of(i) (a
// random content hash in place of the content's), a million per transaction.
void bulk_fill(const fs::path& path, long count)
{
    if (count == 0) {
        return;
    }
    auto db = sillok::daemon::sql::open_connection(path, sillok::daemon::sql::k_article_data);
    if (!db) {
        fail("open for the bulk fill: " + db.error().message);
    }
    sqlite3* raw = db->get();
    // A large page cache for this connection alone: it inserts in random hash order.
    if (sqlite3_exec(raw, "PRAGMA cache_size = -1000000", nullptr, nullptr, nullptr) != SQLITE_OK) {
        fail(std::string("cache_size: ") + sqlite3_errmsg(raw));
    }
    constexpr std::string_view k_numbers =
        "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2) ";
    const std::string statements[] = {
        std::string(k_numbers)
            + "INSERT INTO fetches (id, url, started_at, status, bytes, duration_ms)"
              " SELECT i + 1, printf('https://n.news.naver.com/mnews/article/%03d/%010d', 1 + i % 800, i / 800),"
              " '2024-05-30T12:00:00+09:00', 200, 180000, 120 FROM n",
        std::string(k_numbers)
            + "INSERT INTO articles (id, oid, aid, url, state, title, publisher, author, category, published_at,"
              " content_hash, current_version, path, first_seen, last_checked)"
              " SELECT i + 1, printf('%03d', 1 + i % 800), printf('%010d', i / 800),"
              " printf('https://n.news.naver.com/mnews/article/%03d/%010d', 1 + i % 800, i / 800), 'archived',"
              " '합성 기사 제목 ' || i || ': 벤치마크용으로 만든 기사', '합성일보', '홍길동 기자', '경제',"
              " '2024-05-30T11:40:08+09:00', lower(hex(randomblob(32))), 1,"
              " printf('2024/05/30/%03d_%010d.md', 1 + i % 800, i / 800),"
              " '2024-05-30T12:00:00+09:00', '2024-05-30T12:00:00+09:00' FROM n",
        std::string(k_numbers)
            + "INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path, fetch_id,"
              " changed, change_reason, origin)"
              " SELECT a.id, 1, a.content_hash, 1, a.first_seen, a.path, a.id, '', 'new', 'crawl'"
              " FROM n JOIN articles a ON a.id = i + 1",
    };
    const auto start = Clock::now();
    constexpr long k_chunk = 1'000'000;
    for (long first = 0; first < count; first += k_chunk) {
        const long last = std::min(count, first + k_chunk);
        sillok::daemon::sql::Transaction tx(raw);
        if (tx.begin() != SQLITE_OK) {
            fail(std::string("begin: ") + sqlite3_errmsg(raw));
        }
        for (const auto& text : statements) {
            auto stmt = sillok::daemon::sql::prepare(raw, text.c_str());
            if (!stmt || sillok::daemon::sql::Bound(stmt.get()).integer(first).integer(last).step() != SQLITE_DONE) {
                fail(std::string("bulk insert: ") + sqlite3_errmsg(raw));
            }
        }
        if (tx.commit() != SQLITE_OK) {
            fail(std::string("commit: ") + sqlite3_errmsg(raw));
        }
        std::printf("filled %ld by bulk SQL (%.0f s)\n", last, seconds_since(start));
        std::fflush(stdout);
    }
    std::printf("fill: %ld articles by bulk SQL in %.1f s (not the insert rate)\n", count, seconds_since(start));
}

// A ledger given again must hold exactly the articles this benchmark made for COUNT.
void check_filled(const fs::path& path, long count)
{
    auto db = sillok::daemon::sql::open_connection(path, sillok::daemon::sql::k_article_data);
    if (!db) {
        fail("open: " + db.error().message);
    }
    auto stmt = sillok::daemon::sql::prepare(db->get(), "SELECT count(*), max(id) FROM articles");
    if (!stmt || sqlite3_step(stmt.get()) != SQLITE_ROW || sqlite3_column_int64(stmt.get(), 0) != count
        || sqlite3_column_int64(stmt.get(), 1) != count) {
        fail(path.string() + " is not a ledger this benchmark filled with " + std::to_string(count) + " articles");
    }
    std::printf("lookups only: %s already holds the %ld articles\n", path.c_str(), count);
}

// p50 / p99 / max of microseconds, printed.
void print_latency(const char* what, bool known, const char* pass, std::vector<double>& micros)
{
    std::ranges::sort(micros);
    const auto at = [&](double q) {
        return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))];
    };
    std::printf("%s (%s articles, %s, %zu lookups): p50 %.1f us, p99 %.1f us, max %.1f us\n", what,
                known ? "archived" : "unknown", pass, micros.size(), at(0.5), at(0.99), micros.back());
}

// Reads the (oid, aid) index once, as a service's steady lookups leave it: in the kernel's
// page cache, if memory allows. The file does not fit entirely after a fill (it holds the
// table too), so a first random lookup may wait for the disk.
void warm_dedupe_index(const fs::path& path)
{
    auto db = sillok::daemon::sql::open_connection(path, sillok::daemon::sql::k_article_data);
    if (!db) {
        fail("open: " + db.error().message);
    }
    const auto start = Clock::now();
    auto stmt = sillok::daemon::sql::prepare(db->get(),
                                             "SELECT count(*) FROM (SELECT oid, aid FROM articles ORDER BY oid, aid)");
    if (!stmt || sqlite3_step(stmt.get()) != SQLITE_ROW) {
        fail(std::string("read the index: ") + sqlite3_errmsg(db->get()));
    }
    std::printf("read the (oid, aid) index once in %.1f s\n", seconds_since(start));
}

// The articles to look up: archived ones (index < count) or unknown ones.
std::vector<ArticleRef> lookup_refs(long count, bool known, std::mt19937_64& random)
{
    std::uniform_int_distribution<long> pick(0, count - 1);
    std::vector<ArticleRef> refs;
    for (long i = 0; i < k_lookups; ++i) {
        refs.push_back(ref_of(known ? pick(random) : count + pick(random)));
    }
    return refs;
}

void dedupe_lookups(sillok::daemon::Frontier& frontier, long count, bool known, const char* pass,
                    std::mt19937_64& random)
{
    std::vector<double> micros;
    for (const auto& ref : lookup_refs(count, known, random)) {
        const auto start = Clock::now();
        auto unknown = frontier.unknown({ref});
        micros.push_back(seconds_since(start) * 1e6);
        if (!unknown || unknown->empty() == !known) {
            fail("unknown() gave an unexpected answer for " + ref.id());
        }
    }
    print_latency("dedupe lookup, Frontier::unknown", known, pass, micros);
}

void record_lookups(Ledger& ledger, long count, bool known, std::mt19937_64& random)
{
    std::vector<double> micros;
    for (const auto& ref : lookup_refs(count, known, random)) {
        const auto start = Clock::now();
        auto found = ledger.find(ref);
        micros.push_back(seconds_since(start) * 1e6);
        if (!found || found->has_value() != known) {
            fail("find gave an unexpected answer for " + ref.id());
        }
    }
    print_latency("record lookup, Ledger::find", known, "first pass", micros);
}

} // namespace

int main(int argc, char** argv)
{
    const long count = argc > 1 ? std::atol(argv[1]) : k_default_count;
    if (count < 1 || argc > 3) {
        std::fprintf(stderr, "usage: ledger [COUNT [LEDGER_FILE]]\n");
        return 64;
    }
    const bool scratch = argc < 3;
    const fs::path path =
        scratch ? fs::temp_directory_path() / ("sillok-bench-ledger-" + std::to_string(getpid()) + ".sqlite3")
                : fs::path(argv[2]);
    const bool filled = fs::exists(path);
    if (filled) {
        check_filled(path, count); // before Ledger::open, which would migrate any other ledger
    }
    {
        auto ledger = Ledger::open(path);
        if (!ledger) {
            fail("open: " + ledger.error().message);
        }
        if (!filled) {
            const char* measured_env = std::getenv("MEASURED");
            const long measured = std::clamp(measured_env != nullptr ? std::atol(measured_env) : 200'000L, 1L, count);
            bulk_fill(path, count - measured);
            insert_through_api(*ledger, count - measured, count);
        }
        auto frontier = sillok::daemon::Frontier::open(path);
        if (!frontier) {
            fail("open the frontier: " + frontier.error().message);
        }
        std::mt19937_64 random(11);
        for (bool known : {true, false}) {
            dedupe_lookups(*frontier, count, known, "first pass", random);
        }
        warm_dedupe_index(path);
        for (bool known : {true, false}) {
            dedupe_lookups(*frontier, count, known, "index read once", random);
        }
        for (bool known : {true, false}) {
            record_lookups(*ledger, count, known, random);
        }
    }
    std::error_code ignored;
    const fs::path wal = path.string() + "-wal";
    const auto bytes = fs::file_size(path) + (fs::exists(wal) ? fs::file_size(wal) : 0);
    std::printf("ledger: %ld articles, %.1f MB, %.0f bytes per article\n", count, static_cast<double>(bytes) / 1e6,
                static_cast<double>(bytes) / static_cast<double>(count));
    if (scratch) {
        for (const auto* suffix : {"", "-wal", "-shm"}) {
            fs::remove(path.string() + suffix, ignored);
        }
    }
    return 0;
}
