#include "daemon/commands/crawl_command.hpp"

#include "daemon/pipeline/article_pool.hpp"
#include "daemon/util/exit_codes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
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

} // namespace sillok::daemon
