#include "daemon/commands/crawl_command.hpp"

#include "daemon/config/stores.hpp"
#include "daemon/pipeline/article_pool.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/util/kst.hpp"
#include "daemon/util/numbers.hpp"
#include "daemon/util/url_file.hpp"
#include "parsers/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>

namespace sillok::daemon {

namespace {

constexpr size_t k_progress_every = 50;

// The crawl command's work: the given refs, each fetched once, parsed on the pool and
// reported as they are recorded.
class CrawlFeed final : public FetchFeed {
public:
    CrawlFeed(ArticlePipeline& pipeline, const std::vector<parsers::ArticleRef>& refs, std::ostream& out,
              const std::atomic<bool>* stop, unsigned workers)
        : m_out(out), m_stop(stop), m_refs(unique_refs(refs)),
          m_pool(pipeline, PoolOptions{workers}, [this](uint64_t tag, const auto& report) { reported(tag, report); })
    {
    }

    std::vector<FetchRequest> take(size_t room) override
    {
        std::vector<FetchRequest> requests;
        room = std::min(room, m_pool.room()); // a full pool holds back new requests
        while (requests.size() < room && m_next < m_refs.size()) {
            requests.push_back(FetchRequest{m_refs[m_next].canonical_url(), m_next});
            ++m_next;
        }
        return requests;
    }

    void done(FetchResult&& fetched) override
    {
        auto tag = fetched.tag;
        m_pool.submit(tag, m_refs.at(tag), std::move(fetched));
    }

    [[nodiscard]] bool exhausted() const override { return m_next >= m_refs.size(); }
    void wake_with(std::function<void()> wake) override { m_pool.wake_on_room(std::move(wake)); }
    [[nodiscard]] bool stopping() const override
    {
        return m_pool.storage_failure().has_value() || (m_stop != nullptr && m_stop->load());
    }

    int finish()
    {
        m_pool.finish();
        spdlog::info("crawl finished: {} saved, {} updated, {} unchanged, {} gone, {} skipped, {} failed",
                     m_counts[Outcome::saved], m_counts[Outcome::updated], m_counts[Outcome::unchanged],
                     m_counts[Outcome::gone], m_counts[Outcome::skipped], m_counts[Outcome::failed]);
        if (m_storage_failure) {
            std::cerr << "sillok: error: archive or ledger not writable: " << m_storage_failure->message << '\n';
            return k_exit_io;
        }
        if (m_stop != nullptr && m_stop->load()) {
            std::cerr << "sillok: interrupted: " << m_done << " of " << m_refs.size()
                      << " articles done; run again with --skip-archived to go on where it stopped\n";
            return k_exit_tempfail;
        }
        return m_counts[Outcome::failed] > 0 ? k_exit_some_failed : k_exit_ok;
    }

    // The refs archived now, in the order they were recorded (after finish()).
    [[nodiscard]] const std::vector<parsers::ArticleRef>& archived() const { return m_archived; }

private:
    static std::vector<parsers::ArticleRef> unique_refs(const std::vector<parsers::ArticleRef>& refs)
    {
        std::vector<parsers::ArticleRef> unique;
        std::set<parsers::ArticleRef> seen;
        for (const auto& ref : refs) {
            if (seen.insert(ref).second) {
                unique.push_back(ref);
            }
        }
        return unique;
    }

    // On the pool's writer thread, in the order the fetches finished.
    void reported(uint64_t tag, const std::expected<ArticleReport, StorageError>& outcome)
    {
        const auto& ref = m_refs.at(tag);
        auto report = outcome;
        if (!report) {
            if (!m_storage_failure) {
                m_storage_failure = report.error();
            }
            report = ArticleReport{Outcome::failed, ref.id(), {}, {}, "storage: " + report.error().message, {}};
        }
        ++m_counts[report->outcome];
        if (report->outcome == Outcome::saved || report->outcome == Outcome::updated
            || report->outcome == Outcome::unchanged) {
            m_archived.push_back(ref);
        }
        m_out << to_string(report->outcome) << '\t' << report->id << '\t' << report->path << '\t' << report->hash;
        if (!report->reason.empty()) {
            m_out << '\t' << report->reason;
        }
        m_out << std::endl;
        if (++m_done % k_progress_every == 0 && m_done < m_refs.size()) {
            spdlog::info("progress: {}/{} articles done, {} failed", m_done, m_refs.size(), m_counts[Outcome::failed]);
        }
    }

    std::ostream& m_out;
    const std::atomic<bool>* m_stop;
    std::vector<parsers::ArticleRef> m_refs;
    size_t m_next = 0;
    // Written on the pool's writer thread only, read after finish().
    size_t m_done = 0;
    std::map<Outcome, size_t> m_counts;
    std::optional<StorageError> m_storage_failure;
    std::vector<parsers::ArticleRef> m_archived;
    ArticlePool m_pool; // last: its threads end before the members they report into
};

} // namespace

int run_crawl(ArticlePipeline& pipeline, Fetcher& fetcher, const std::vector<parsers::ArticleRef>& refs,
              std::ostream& out, const std::atomic<bool>* stop, unsigned workers)
{
    CrawlFeed feed(pipeline, refs, out, stop, workers);
    fetcher.run(feed);
    return feed.finish();
}

int run_crawl(ArticlePipeline& pipeline, Archive& archive, Fetcher& fetcher,
              const std::vector<parsers::ArticleRef>& refs, const CommentsOptions& comments, std::ostream& out,
              const std::atomic<bool>* stop, unsigned workers)
{
    CrawlFeed feed(pipeline, refs, out, stop, workers);
    fetcher.run(feed);
    const int articles = feed.finish();
    if (articles == k_exit_io || (stop != nullptr && stop->load())) {
        return articles;
    }
    const int snapshots = take_comment_snapshots(pipeline, archive, fetcher, feed.archived(), comments, out, stop);
    return std::max(articles, snapshots);
}

CLI::App* add_crawl_command(CLI::App& app, CrawlArguments& arguments)
{
    auto* crawl = app.add_subcommand("crawl", "Archive the given articles now");
    crawl->add_option("article", arguments.articles, "Article URL (any Naver News form) or id (OID_AID)");
    crawl->add_option("--url", arguments.urls, "Article URL or id (repeatable)");
    crawl->add_option("--url-file", arguments.url_file,
                      "File with one URL or id per line ('-': standard input; '#' comments)");
    crawl->add_flag("--skip-invalid", arguments.skip_invalid,
                    "Crawl the valid lines of a URL list and report the others, instead of refusing the list");
    crawl->add_flag("--skip-archived", arguments.skip_archived,
                    "Do not fetch articles the archive already holds (to resume an interrupted list)");
    crawl->add_option("--refresh-older-than", arguments.refresh_older_than,
                      "Fetch archived articles again only if last fetched longer ago than this (30m, 6h, 2d)");
    crawl->footer("Examples:\n"
                  "  sillok crawl https://n.news.naver.com/mnews/article/003/0012577249 --archive archive\n"
                  "  sillok crawl --url-file urls.txt --skip-archived --archive archive\n");
    return crawl;
}

namespace {

// Why an archived article is not fetched again, or nothing when it is to be fetched.
std::optional<std::string> kept_because(const std::optional<StoredArticle>& known, const CrawlArguments& arguments,
                                        std::optional<std::chrono::seconds> refresh, WallClock::time_point now)
{
    if (!known || known->state != "archived") { // gone or skipped: asked again
        return std::nullopt;
    }
    if (arguments.skip_archived) {
        return "in the archive (last fetched " + known->last_checked + "); not fetched (--skip-archived)";
    }
    if (refresh) {
        auto checked = parse_kst_iso(known->last_checked);
        if (checked && now - *checked < *refresh) {
            return "fetched " + known->last_checked + ", less than --refresh-older-than ago; not fetched again";
        }
    }
    return std::nullopt;
}

} // namespace

int run_crawl_command(const Config& config, const CrawlArguments& arguments, const std::atomic<bool>* stop)
{
    std::vector<ListedUrl> listed;
    for (const auto* given : {&arguments.articles, &arguments.urls}) {
        for (const auto& article : *given) {
            listed.push_back(ListedUrl{article, "argument"});
        }
    }
    if (!arguments.url_file.empty()) {
        auto lines = read_url_file(arguments.url_file);
        if (!lines) {
            return fail(k_exit_usage, lines.error());
        }
        std::move(lines->begin(), lines->end(), std::back_inserter(listed));
    }
    if (listed.empty()) {
        return fail(k_exit_usage, "no article given: name one (a URL or OID_AID id), or use --url-file FILE");
    }
    std::optional<std::chrono::seconds> refresh;
    if (!arguments.refresh_older_than.empty()) {
        refresh = parse_duration(arguments.refresh_older_than);
        if (!refresh) {
            return fail(k_exit_usage, "--refresh-older-than '"
                                          + parsers::quoted_for_message(arguments.refresh_older_than)
                                          + "' is not a duration (30s, 15m, 6h, 2d)");
        }
    }
    // Every article is checked before any request is made.
    std::vector<parsers::ArticleRef> refs;
    size_t refused = 0;
    for (const auto& entry : listed) {
        auto ref = parsers::parse_article_id(entry.url);
        if (!ref) {
            std::cerr << "sillok: refused: " << entry.where << ": " << ref.error() << '\n';
            ++refused;
            continue;
        }
        refs.push_back(*ref);
    }
    if (refused > 0 && !arguments.skip_invalid) {
        return fail(k_exit_usage, std::to_string(refused) + (refused == 1 ? " article" : " articles")
                                      + " refused; nothing was fetched (--skip-invalid crawls the others)");
    }
    if (refused > 0) {
        spdlog::warn("{} {} refused and left out (--skip-invalid)", refused, refused == 1 ? "line" : "lines");
    }
    auto stores = open_stores(config);
    if (!stores) {
        return fail(stores.error());
    }
    if (arguments.skip_archived || refresh) {
        std::vector<parsers::ArticleRef> wanted;
        const auto now = wall_now();
        for (const auto& ref : refs) {
            auto known = stores->ledger.find(ref);
            if (!known) {
                return fail(Error{kind_of_sqlite(known.error().sqlite_code), known.error().message});
            }
            if (auto reason = kept_because(*known, arguments, refresh, now)) {
                std::cout << "archived\t" << ref.id() << '\t' << (*known)->path.value_or("") << '\t'
                          << (*known)->content_hash.value_or("") << '\t' << *reason << std::endl;
                continue;
            }
            wanted.push_back(ref);
        }
        refs = std::move(wanted);
    }
    if (refs.empty()) {
        spdlog::info("nothing to fetch: every article is in the archive");
        return k_exit_ok;
    }
    ArticlePipeline pipeline(stores->archive, stores->ledger, stores->keeper());
    Fetcher fetcher(fetch_options(config), *stores->politeness);
    const CommentsOptions comments{parse_comments_mode(config.comments).value_or(CommentsMode::off),
                                   config.comments_author_ids, config.ledger_path()};
    return run_crawl(pipeline, stores->archive, fetcher, refs, comments, std::cout, stop,
                     static_cast<unsigned>(config.workers));
}

} // namespace sillok::daemon
