#include "daemon/commands/reparse.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/record.hpp"
#include "daemon/archive/regular_file.hpp"
#include "daemon/config/stores.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/util/digest.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/util/progress_line.hpp"
#include "daemon/warc/http_payload.hpp"
#include "daemon/warc/stored_record.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "parsers/article.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace sillok::daemon {
namespace {

constexpr size_t k_parse_ahead = 256; // parsed results waiting to be saved, at most

// One stored response to read again.
struct StoredResponse {
    parsers::ArticleRef ref;
    int64_t fetch_id = 0;
    std::string url;
    std::string started_at;
    std::string file;
    int64_t offset = 0;
    int64_t length = 0;
    std::optional<std::string> sha256;    // of the record's gzip member, as the ledger kept it
    std::optional<int64_t> rules_version; // of the version this response made (none: --failed)
    int64_t body_bytes = 0;               // as the fetch received it: the record's cap
};

struct Parsed {
    std::expected<parsers::Article, std::string> article = std::unexpected(std::string());
    size_t bytes = 0;
};

constexpr std::string_view k_versions_sql =
    "SELECT f.id, f.url, f.started_at, f.warc_file, f.warc_offset, f.warc_length, f.warc_sha256, v.rules_version,"
    " f.bytes FROM articles a"
    " JOIN versions v ON v.article_id = a.id AND v.version = a.current_version"
    " JOIN fetches f ON f.id = v.fetch_id"
    " WHERE f.warc_file IS NOT NULL AND f.started_at >= ?1 ORDER BY f.id";
// Pages that failed to parse, of articles not archived since.
constexpr std::string_view k_failed_sql =
    "SELECT f.id, f.url, f.started_at, f.warc_file, f.warc_offset, f.warc_length, f.warc_sha256, NULL, f.bytes"
    " FROM fetches f"
    " WHERE f.warc_file IS NOT NULL AND f.error IS NOT NULL AND f.started_at >= ?1"
    " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = f.url AND a.state = 'archived') ORDER BY f.id";

std::expected<std::vector<StoredResponse>, std::string> stored_responses(const Config& config,
                                                                         const ReparseOptions& options)
{
    auto connection = sql::k_read_only;
    connection.busy_timeout_ms = sql::k_busy_timeout_ms;
    auto opened = sql::open_connection(config.ledger_path(), connection);
    if (!opened) {
        return std::unexpected("cannot open ledger " + config.ledger_path().string() + ": " + opened.error().message);
    }
    SqliteDb db = std::move(*opened);
    int rc = SQLITE_OK;
    auto stmt = sql::prepare(db.get(), options.failed ? k_failed_sql : k_versions_sql);
    if (!stmt) {
        return std::unexpected(std::string("ledger: ") + sqlite3_errmsg(db.get()));
    }
    std::set<parsers::ArticleRef> wanted(options.ids.begin(), options.ids.end());
    std::set<parsers::ArticleRef> seen;
    std::vector<StoredResponse> found;
    sql::Bound bound(stmt.get());
    bound.text(options.since);
    while ((rc = bound.step()) == SQLITE_ROW) {
        StoredResponse response{{},
                                sqlite3_column_int64(stmt.get(), 0),
                                sql::column_text(stmt.get(), 1).value_or(""),
                                sql::column_text(stmt.get(), 2).value_or(""),
                                sql::column_text(stmt.get(), 3).value_or(""),
                                sqlite3_column_int64(stmt.get(), 4),
                                sqlite3_column_int64(stmt.get(), 5),
                                sql::column_text(stmt.get(), 6),
                                std::nullopt};
        if (sqlite3_column_type(stmt.get(), 7) != SQLITE_NULL) {
            response.rules_version = sqlite3_column_int64(stmt.get(), 7);
        }
        response.body_bytes = sqlite3_column_int64(stmt.get(), 8);
        auto ref = parsers::parse_url(response.url);
        if (!ref || (!wanted.empty() && !wanted.contains(*ref))) {
            continue;
        }
        response.ref = *ref;
        found.push_back(std::move(response));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(std::string("ledger: ") + sqlite3_errmsg(db.get()));
    }
    if (!options.failed && options.ids.empty()) {
        // Versions whose response is not stored are not read: say so, rather than "0".
        auto missing =
            sql::prepare(db.get(), "SELECT count(*) FROM articles a JOIN versions v ON v.article_id = a.id"
                                   " AND v.version = a.current_version LEFT JOIN fetches f ON f.id = v.fetch_id"
                                   " WHERE f.warc_file IS NULL AND v.first_seen >= ?1");
        if (missing && sql::Bound(missing.get()).text(options.since).step() == SQLITE_ROW) {
            if (auto count = sqlite3_column_int64(missing.get(), 0); count > 0) {
                spdlog::warn("reparse: {} archived articles have no stored response to read (crawled with warc = off,"
                             " or the links were lost: verify --repair links the stored responses again)",
                             count);
            }
        }
    }
    if (options.failed) { // the latest failed response of each article
        std::reverse(found.begin(), found.end());
        std::erase_if(found, [&](const StoredResponse& r) { return !seen.insert(r.ref).second; });
        std::reverse(found.begin(), found.end());
    }
    return found;
}

// Reads one stored response and parses it (on a worker thread).
Parsed parse_stored(const StoredResponse& job, const std::filesystem::path& root, std::string& mapped_name,
                    std::optional<ArchiveFileMap>& mapped)
{
    Parsed parsed;
    if (!mapped || mapped_name != job.file) {
        // A regular file of the archive only: a FIFO there would block, a link lead elsewhere.
        auto file = map_archive_file(root, job.file);
        mapped_name = job.file;
        mapped.reset();
        if (!file) {
            parsed.article = std::unexpected("warc: " + file.error());
            return parsed;
        }
        mapped = std::move(*file);
    }
    auto bytes = mapped->bytes();
    if (job.sha256 && job.offset >= 0 && job.length > 0 && static_cast<uint64_t>(job.offset) <= bytes.size()
        && static_cast<uint64_t>(job.length) <= bytes.size() - static_cast<uint64_t>(job.offset)
        && sha256_hex(bytes.substr(static_cast<size_t>(job.offset), static_cast<size_t>(job.length))) != *job.sha256) {
        parsed.article = std::unexpected(fmt::format("warc: {}: the record at {} is not the one stored (its SHA-256"
                                                     " differs from the ledger's); verify reports it",
                                                     job.file, job.offset));
        return parsed;
    }
    auto record = read_record_within(bytes, static_cast<uint64_t>(job.offset), static_cast<uint64_t>(job.length),
                                     record_cap(job.body_bytes));
    if (!record) {
        parsed.article = std::unexpected("warc: " + job.file + ": " + record.error());
        return parsed;
    }
    auto response = decode_http_response(record->block);
    if (!response) {
        parsed.article = std::unexpected("warc: " + response.error());
        return parsed;
    }
    parsed.bytes = response->body.size();
    if (response->status != 200) {
        parsed.article = std::unexpected(fmt::format("http_status: HTTP {}", response->status));
        return parsed;
    }
    auto target = record->field("WARC-Target-URI").value_or(job.url);
    auto page = parsers::parse_article(response->body, target);
    if (!page) {
        parsed.article =
            std::unexpected(std::string(parsers::to_string(page.error().kind)) + ": " + page.error().message);
        return parsed;
    }
    page->ref = job.ref;
    parsed.article = std::move(*page);
    return parsed;
}

// Parses on `threads` workers, in order windows; hands each result to `consume` in job order.
class ParallelParser {
public:
    ParallelParser(const std::vector<StoredResponse>& jobs, std::filesystem::path root, unsigned threads)
        : m_jobs(jobs), m_root(std::move(root)), m_results(jobs.size())
    {
        for (unsigned i = 0; i < threads; ++i) {
            m_workers.emplace_back([this] { work(); });
        }
    }
    ~ParallelParser()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_changed.notify_all();
    }

    // The result of job i (waits for it); i goes up by one each call.
    Parsed take(size_t i)
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_results[i].has_value(); });
        Parsed parsed = std::move(*m_results[i]);
        m_results[i].reset();
        m_consumed = i + 1;
        m_changed.notify_all();
        return parsed;
    }

private:
    void work()
    {
        std::string mapped_name;
        std::optional<ArchiveFileMap> mapped;
        for (;;) {
            size_t i = 0;
            {
                std::unique_lock lock(m_mutex);
                m_changed.wait(
                    lock, [&] { return m_stopping || m_next >= m_jobs.size() || m_next < m_consumed + k_parse_ahead; });
                if (m_stopping || m_next >= m_jobs.size()) {
                    return;
                }
                i = m_next++;
            }
            auto parsed = parse_stored(m_jobs[i], m_root, mapped_name, mapped);
            {
                std::lock_guard lock(m_mutex);
                m_results[i] = std::move(parsed);
            }
            m_changed.notify_all();
        }
    }

    const std::vector<StoredResponse>& m_jobs;
    std::filesystem::path m_root;
    std::vector<std::optional<Parsed>> m_results;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    size_t m_next = 0;
    size_t m_consumed = 0;
    bool m_stopping = false;
    std::vector<std::jthread> m_workers; // last: joined first
};

// "reparse: 1200/10000 responses, 850/s" on a terminal, at most five times a second.
class Progress {
public:
    explicit Progress(size_t total) : m_total(total), m_terminal(isatty(STDERR_FILENO) == 1) {}
    void step(size_t done)
    {
        auto now = std::chrono::steady_clock::now();
        if (!m_terminal || (now - m_last < std::chrono::milliseconds(200) && done < m_total)) {
            return;
        }
        m_last = now;
        auto seconds = std::chrono::duration<double>(now - m_start).count();
        draw_progress_line(fmt::format("reparse: {}/{} responses, {:.0f} responses/s", done, m_total,
                                       seconds > 0 ? static_cast<double>(done) / seconds : 0.0));
        if (done == m_total) {
            end_progress_line();
        }
    }

private:
    size_t m_total;
    bool m_terminal;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last{};
};

// The same content rules read a stored response into another article than the version it
// made: the response is no longer the one stored (or the rules are not deterministic),
// never a change of rules. nullopt: no such contradiction.
std::expected<std::optional<std::string>, std::string> changed_source(Ledger& ledger, const parsers::Article& article,
                                                                      int64_t rules_version)
{
    if (rules_version != recorded_rules_version()) {
        return std::optional<std::string>{};
    }
    auto stored = ledger.find(article.ref);
    if (!stored) {
        return std::unexpected(stored.error().message);
    }
    if (!*stored || !(*stored)->record || (*stored)->rules_version != rules_version
        || (*stored)->record == record_of(article, content_hash(article.content))) {
        return std::optional<std::string>{};
    }
    return std::optional<std::string>(fmt::format(
        "changed_source: the stored response reads as another article than version {} under the same content"
        " rules v{}: the response is not the one stored; run sillok verify",
        (*stored)->current_version, rules_version));
}

} // namespace

CLI::App* add_reparse_command(CLI::App& app, ReparseArguments& arguments)
{
    auto* command = app.add_subcommand("reparse", "Re-extract archived articles from the stored responses (offline)");
    command->add_option("--since", arguments.since, "Only responses crawled on or after this date (YYYY-MM-DD, KST)");
    command->add_option("--id", arguments.ids, "Only this article, OID_AID (e.g. 015_0005230666; repeatable)");
    command->add_flag("--failed", arguments.failed, "Archive the pages that failed to parse before");
    command->add_option("--threads", arguments.threads, "Parsing threads (default: every core)")
        ->check(CLI::Range(1u, 1024u));
    return command;
}

int reparse_command(const Config& config, const ReparseArguments& arguments, const std::atomic<bool>* stop)
{
    ReparseOptions options;
    options.failed = arguments.failed;
    options.threads = arguments.threads;
    if (!arguments.since.empty()) {
        auto date = parse_kst_date(arguments.since, wall_now());
        if (!date) {
            return fail(k_exit_usage,
                        "--since takes a date YYYY-MM-DD (KST), 'today' or 'today-N': got '" + arguments.since + "'");
        }
        options.since = iso_date(*date);
    }
    for (const auto& id : arguments.ids) {
        auto underscore = id.find('_');
        auto ref = underscore == std::string::npos
                       ? std::unexpected(parsers::UrlError{})
                       : parsers::parse_url("https://n.news.naver.com/mnews/article/" + id.substr(0, underscore) + "/"
                                            + id.substr(underscore + 1));
        if (!ref || ref->id() != id) {
            return fail(k_exit_usage, "--id '" + id + "' is not an article id OID_AID (e.g. 015_0005230666)");
        }
        options.ids.push_back(*ref);
    }
    if (!std::filesystem::exists(config.ledger_path())) {
        return fail(k_exit_io, "no ledger at " + config.ledger_path().string());
    }
    return run_reparse(config, options, std::cout, stop);
}

int run_reparse(const Config& config, const ReparseOptions& options, std::ostream& out, const std::atomic<bool>* stop)
{
    auto stores = open_stores(config);
    if (!stores) {
        return fail(stores.error());
    }
    auto jobs = stored_responses(config, options);
    if (!jobs) {
        return fail(k_exit_io, jobs.error());
    }
    unsigned threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    spdlog::info("reparse: {} stored responses, content rules v{}, {} threads", jobs->size(), recorded_rules_version(),
                 threads);
    ArticlePipeline pipeline(stores->archive, stores->ledger); // reads stored responses, keeps none
    std::map<Outcome, size_t> counts;
    Progress progress(jobs->size());
    ParallelParser parser(*jobs, config.archive, threads);
    for (size_t i = 0; i < jobs->size() && !(stop != nullptr && stop->load()); ++i) {
        const auto& job = (*jobs)[i];
        auto parsed = parser.take(i);
        ArticleReport report{Outcome::failed, job.ref.id(), {}, {}, {}, {}};
        auto changed = parsed.article && job.rules_version
                           ? changed_source(stores->ledger, *parsed.article, *job.rules_version)
                           : std::expected<std::optional<std::string>, std::string>{};
        if (!changed) {
            return fail(k_exit_io, "ledger: " + changed.error());
        }
        if (*changed) {
            report.reason = **changed;
        } else if (parsed.article) {
            auto at = parse_kst_iso(job.started_at);
            VersionSource source{kst_iso(at.value_or(wall_now())), nullptr, {}, job.fetch_id, "reparse"};
            auto saved = pipeline.save(*parsed.article, source);
            if (!saved) {
                return fail(k_exit_io, "archive or ledger not writable: " + saved.error().message);
            }
            report = *saved;
        } else {
            report.reason = parsed.article.error();
        }
        ++counts[report.outcome];
        out << to_string(report.outcome) << '\t' << report.id << '\t' << report.path << '\t' << report.hash;
        if (!report.reason.empty()) {
            out << '\t' << report.reason;
        }
        out << '\n';
        progress.step(i + 1);
    }
    out.flush();
    spdlog::info("reparse finished: {} new versions ({} saved, {} updated), {} unchanged, {} failed",
                 counts[Outcome::saved] + counts[Outcome::updated], counts[Outcome::saved], counts[Outcome::updated],
                 counts[Outcome::unchanged], counts[Outcome::failed]);
    return counts[Outcome::failed] > 0 ? k_exit_some_failed : k_exit_ok;
}

} // namespace sillok::daemon
