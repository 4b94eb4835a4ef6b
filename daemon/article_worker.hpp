#pragma once
// The service's worker thread: parses and archives fetched articles and settles their
// frontier items, so that parsing and disk writes never hold up the network loop.
#include "daemon/crawl.hpp"
#include "daemon/frontier.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace sillok::daemon {

class ArticleWorker {
public:
    // Called on the worker thread with each article's outcome.
    using ReportHook = std::function<void(const ArticleReport&)>;

    // pipeline and frontier are used on the worker thread only (each has its own connection).
    ArticleWorker(ArticlePipeline& pipeline, Frontier& frontier, std::vector<std::chrono::seconds> revisit_after,
                  FrontierRetryPolicy retry, ReportHook on_report = {});
    // Finishes the queued work, then stops the thread.
    void finish();
    ~ArticleWorker();
    ArticleWorker(const ArticleWorker&) = delete;
    ArticleWorker& operator=(const ArticleWorker&) = delete;

    void push(FrontierItem item, FetchResult&& result);
    // A response that belongs to no article (a listing page, a robots.txt): its attempts
    // recorded in the ledger's fetches, the response kept as ArticlePipeline::record_response says.
    void record(FetchResult&& result, bool kept_with_versions = false);
    [[nodiscard]] size_t backlog() const;
    void set_revisit_after(std::vector<std::chrono::seconds> delays);
    // Set when the archive or ledger could not be written: the service must stop (exit 74).
    [[nodiscard]] std::optional<std::string> storage_failure() const;
    [[nodiscard]] size_t archived_count() const { return m_archived; }

private:
    struct Work {
        std::optional<FrontierItem> item; // none: a response of no article, to be recorded
        FetchResult result;
        bool kept_with_versions = false;
    };
    void loop(const std::stop_token& stop);
    void settle(const Work& work, const ArticleReport& report);

    ArticlePipeline& m_pipeline;
    Frontier& m_frontier;
    FrontierRetryPolicy m_retry;
    ReportHook m_on_report;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_wake;
    std::deque<Work> m_queue;
    std::vector<std::chrono::seconds> m_revisit_after;
    std::optional<std::string> m_storage_failure;
    std::atomic<size_t> m_archived{0};
    std::jthread m_thread; // last: starts after everything it uses exists
};

} // namespace sillok::daemon
