#pragma once
// The service's workers: fetched articles are parsed on the pool's threads and archived in
// batches by its writer thread, which also settles their frontier items, so that parsing
// and disk writes never hold up the network loop.
#include "daemon/ledger/frontier.hpp"
#include "daemon/pipeline/article_pool.hpp"
#include "daemon/pipeline/crawl.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace sillok::daemon {

class ArticleWorker {
public:
    // Called on the worker thread with each article's outcome.
    using ReportHook = std::function<void(const ArticleReport&)>;

    // pipeline and frontier are used on the pool's writer thread only (each has its own
    // connection); workers: parsing threads, 0 for one per core.
    ArticleWorker(ArticlePipeline& pipeline, Frontier& frontier, std::vector<std::chrono::seconds> revisit_after,
                  FrontierRetryPolicy retry, ReportHook on_report = {}, unsigned workers = 0);
    // Finishes the queued work, then stops the thread.
    void finish();
    ~ArticleWorker();
    ArticleWorker(const ArticleWorker&) = delete;
    ArticleWorker& operator=(const ArticleWorker&) = delete;

    void push(FrontierItem item, FetchResult&& result);
    // A response that belongs to no article (a listing page, a robots.txt): its attempts
    // recorded in the ledger's fetches, the response kept as ArticlePipeline::keep_no_article says.
    void record(FetchResult&& result, bool kept_with_versions = false);
    [[nodiscard]] size_t backlog() const;
    // ArticlePool::wake_on_room.
    void wake_on_room(std::function<void()> wake) { m_pool.wake_on_room(std::move(wake)); }
    void set_revisit_after(std::vector<std::chrono::seconds> delays);
    // Set when the archive or ledger could not be written: the service must stop (exit 74).
    [[nodiscard]] std::optional<std::string> storage_failure() const;
    [[nodiscard]] size_t archived_count() const { return m_archived; }

private:
    struct Work {
        std::optional<FrontierItem> item; // none: only the attempts are recorded
        bool interrupted = false;         // the item goes back to pending
    };
    void reported(uint64_t tag, const std::expected<ArticleReport, StorageError>& report);
    void settle(const FrontierItem& item, const ArticleReport& report);

    Frontier& m_frontier;
    FrontierRetryPolicy m_retry;
    ReportHook m_on_report;
    mutable std::mutex m_mutex;
    std::map<uint64_t, Work> m_work; // by pool tag
    uint64_t m_next_tag = 0;
    std::vector<std::chrono::seconds> m_revisit_after;
    std::atomic<size_t> m_archived{0};
    ArticlePool m_pool; // last: starts after everything it uses exists
};

} // namespace sillok::daemon
