#pragma once
// The pool beside the network loop: fetched pages are parsed and rendered on worker threads
// (ArticlePipeline::prepare), then one writer thread commits them in batches
// (ArticlePipeline::commit: files flushed, then one ledger transaction), in the order they
// were submitted, so one article's results are recorded in the order they came.
#include "daemon/pipeline/crawl.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sillok::daemon {

struct PoolOptions {
    unsigned workers = 0;  // parsing threads; 0: one per core
    size_t capacity = 0;   // jobs waiting or in work before backlog() says full; 0: 4 per worker, at least 16
    size_t max_batch = 64; // prepared jobs committed in one ledger transaction at most
};

// The number of parsing threads options asks for.
unsigned pool_workers(unsigned asked);

class ArticlePool {
public:
    // On the writer thread, once per job, in submission order: the job's tag and outcome
    // (a storage failure as an error; record-only jobs report an empty id).
    using Done = std::function<void(uint64_t tag, const std::expected<ArticleReport, StorageError>& report)>;

    ArticlePool(ArticlePipeline& pipeline, PoolOptions options, Done on_done);
    // Drains: every job submitted is reported before the threads end.
    void finish();
    ~ArticlePool();
    ArticlePool(const ArticlePool&) = delete;
    ArticlePool& operator=(const ArticlePool&) = delete;

    // Never blocks: the caller keeps the backlog under capacity() (the feed's backpressure).
    // ref none: only the fetch attempts are recorded, and the response kept in WARC as
    // ArticlePipeline::keep_no_article says (yielded_articles: a listing page that queued some).
    void submit(uint64_t tag, std::optional<parsers::ArticleRef> ref, FetchResult&& fetched,
                bool yielded_articles = false);
    // Jobs submitted and not yet reported.
    [[nodiscard]] size_t backlog() const;
    [[nodiscard]] size_t capacity() const { return m_options.capacity; }
    [[nodiscard]] unsigned workers() const { return m_options.workers; }
    // Room for new requests: how many more jobs fit under capacity.
    [[nodiscard]] size_t room() const;
    // Set by the first storage failure (or fail()); from then on jobs are reported failed
    // with it, unwritten.
    [[nodiscard]] std::optional<std::string> storage_failure() const;
    void fail(std::string message);
    // Called on the writer thread whenever reported jobs have left the backlog (room made),
    // with the pool's lock held (it must not call the pool); empty: nothing is called. May
    // be changed at any time (FetchFeed::wake_with): once this returns, the old one is not
    // called again.
    void wake_on_room(std::function<void()> wake);

private:
    struct Job {
        uint64_t tag = 0;
        std::optional<parsers::ArticleRef> ref;
        FetchResult fetched;
        bool yielded_articles = false;
        bool ready = false;
        PreparedFetch prepared;
    };
    void parse_loop();
    void write_loop();
    void write_batch(std::vector<std::shared_ptr<Job>> batch);

    ArticlePipeline& m_pipeline;
    PoolOptions m_options;
    Done m_on_done;
    mutable std::mutex m_mutex;
    std::condition_variable m_work;  // a job to parse, or finishing
    std::condition_variable m_ready; // the oldest job is ready, or finishing
    std::deque<std::shared_ptr<Job>> m_to_parse;
    std::deque<std::shared_ptr<Job>> m_in_order; // every job not yet reported
    std::optional<std::string> m_storage_failure;
    std::function<void()> m_wake_on_room;
    bool m_finishing = false;
    std::vector<std::thread> m_parsers;
    std::thread m_writer;
};

} // namespace sillok::daemon
