#include "daemon/pipeline/article_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sillok::daemon {

unsigned pool_workers(unsigned asked) { return asked > 0 ? asked : std::max(1u, std::thread::hardware_concurrency()); }

ArticlePool::ArticlePool(ArticlePipeline& pipeline, PoolOptions options, Done on_done)
    : m_pipeline(pipeline), m_options(options), m_on_done(std::move(on_done))
{
    m_options.workers = pool_workers(m_options.workers);
    if (m_options.capacity == 0) {
        m_options.capacity = std::max<size_t>(16, size_t{4} * m_options.workers);
    }
    m_options.max_batch = std::max<size_t>(1, m_options.max_batch);
    for (unsigned i = 0; i < m_options.workers; ++i) {
        m_parsers.emplace_back([this] { parse_loop(); });
    }
    m_writer = std::thread([this] { write_loop(); });
}

void ArticlePool::finish()
{
    {
        std::lock_guard lock(m_mutex);
        m_finishing = true;
    }
    m_work.notify_all();
    m_ready.notify_all();
    for (auto& parser : m_parsers) {
        if (parser.joinable()) {
            parser.join();
        }
    }
    if (m_writer.joinable()) {
        m_writer.join();
    }
}

ArticlePool::~ArticlePool() { finish(); }

void ArticlePool::submit(uint64_t tag, std::optional<parsers::ArticleRef> ref, FetchResult&& fetched,
                         bool yielded_articles)
{
    auto job = std::make_shared<Job>();
    job->tag = tag;
    job->ref = std::move(ref);
    job->fetched = std::move(fetched);
    job->yielded_articles = yielded_articles;
    {
        std::lock_guard lock(m_mutex);
        m_to_parse.push_back(job);
        m_in_order.push_back(std::move(job));
    }
    m_work.notify_one();
}

size_t ArticlePool::backlog() const
{
    std::lock_guard lock(m_mutex);
    return m_in_order.size();
}

size_t ArticlePool::room() const
{
    auto waiting = backlog();
    return waiting >= m_options.capacity ? 0 : m_options.capacity - waiting;
}

std::optional<std::string> ArticlePool::storage_failure() const
{
    std::lock_guard lock(m_mutex);
    return m_storage_failure;
}

void ArticlePool::fail(std::string message)
{
    std::lock_guard lock(m_mutex);
    if (!m_storage_failure) {
        m_storage_failure = std::move(message);
    }
}

void ArticlePool::wake_on_room(std::function<void()> wake)
{
    std::lock_guard lock(m_mutex);
    m_wake_on_room = std::move(wake);
}

// Parses jobs as they come; ends once finishing and nothing is left to parse.
void ArticlePool::parse_loop()
{
    for (;;) {
        std::unique_lock lock(m_mutex);
        m_work.wait(lock, [this] { return !m_to_parse.empty() || m_finishing; });
        if (m_to_parse.empty()) {
            return;
        }
        auto job = std::move(m_to_parse.front());
        m_to_parse.pop_front();
        bool broken = m_storage_failure.has_value();
        lock.unlock();

        if (!broken) { // after a storage failure nothing is written: no parse needed
            job->prepared = job->ref ? m_pipeline.prepare(*job->ref, std::move(job->fetched))
                                     : m_pipeline.prepare_record(std::move(job->fetched), job->yielded_articles);
        }
        lock.lock();
        job->ready = true;
        bool oldest = !m_in_order.empty() && m_in_order.front() == job;
        lock.unlock();
        if (oldest) {
            m_ready.notify_one();
        }
    }
}

// Commits the ready jobs at the head of the order, as many as are ready (up to max_batch):
// while one batch is written, the next one gathers.
void ArticlePool::write_loop()
{
    for (;;) {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [this] {
            return (!m_in_order.empty() && m_in_order.front()->ready) || (m_finishing && m_in_order.empty());
        });
        if (m_in_order.empty()) {
            return; // finishing, everything reported
        }
        std::vector<std::shared_ptr<Job>> batch;
        for (const auto& job : m_in_order) {
            if (!job->ready || batch.size() >= m_options.max_batch) {
                break;
            }
            batch.push_back(job);
        }
        lock.unlock();
        write_batch(std::move(batch));
    }
}

void ArticlePool::write_batch(std::vector<std::shared_ptr<Job>> batch)
{
    auto broken = storage_failure();
    std::vector<std::expected<ArticleReport, StorageError>> results;
    if (broken) {
        results.assign(batch.size(), std::unexpected(StorageError{*broken}));
    } else {
        std::vector<PreparedFetch> prepared;
        prepared.reserve(batch.size());
        for (auto& job : batch) {
            prepared.push_back(std::move(job->prepared));
        }
        results = m_pipeline.commit(prepared);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
        if (!results[i]) {
            fail(results[i].error().message);
        }
        if (m_on_done) {
            m_on_done(batch[i]->tag, results[i]);
        }
        std::lock_guard lock(m_mutex);
        m_in_order.pop_front(); // reported: its memory goes back, backlog() shrinks
    }
    std::lock_guard lock(m_mutex);
    if (m_wake_on_room) {
        m_wake_on_room();
    }
}

} // namespace sillok::daemon
