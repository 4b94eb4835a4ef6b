#include "daemon/article_worker.hpp"

#include <spdlog/spdlog.h>

namespace sillok::daemon {

ArticleWorker::ArticleWorker(ArticlePipeline& pipeline, Frontier& frontier,
                             std::vector<std::chrono::seconds> revisit_after, FrontierRetryPolicy retry,
                             ReportHook on_report)
    : m_pipeline(pipeline), m_frontier(frontier), m_retry(retry), m_on_report(std::move(on_report)),
      m_revisit_after(std::move(revisit_after)),
      m_thread([this](const std::stop_token& stop) { loop(stop); })
{
}

void ArticleWorker::finish()
{
    m_thread.request_stop();
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

ArticleWorker::~ArticleWorker() { finish(); }

void ArticleWorker::push(FrontierItem item, FetchResult&& result)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(Work{std::move(item), std::move(result)});
    }
    m_wake.notify_one();
}

void ArticleWorker::record(FetchResult&& result, bool kept_with_versions)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(Work{std::nullopt, std::move(result), kept_with_versions});
    }
    m_wake.notify_one();
}

size_t ArticleWorker::backlog() const
{
    std::lock_guard lock(m_mutex);
    return m_queue.size();
}

void ArticleWorker::set_revisit_after(std::vector<std::chrono::seconds> delays)
{
    std::lock_guard lock(m_mutex);
    m_revisit_after = std::move(delays);
}

std::optional<std::string> ArticleWorker::storage_failure() const
{
    std::lock_guard lock(m_mutex);
    return m_storage_failure;
}

// Drains the queue before stopping: a result fetched is a result recorded.
void ArticleWorker::loop(const std::stop_token& stop)
{
    for (;;) {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, stop, [this] { return !m_queue.empty(); });
        if (m_queue.empty()) {
            return; // stop requested and nothing left
        }
        auto work = std::move(m_queue.front());
        m_queue.pop_front();
        bool broken = m_storage_failure.has_value();
        lock.unlock();

        bool interrupted = work.result.error && work.result.error->kind == FetchErrorKind::interrupted;
        if (!work.item || (interrupted && !broken)) {
            // Attempts made before an interruption are recorded like any other.
            auto recorded = work.item ? m_pipeline.record_fetches(work.result.attempts)
                                      : m_pipeline.record_response(work.result, work.kept_with_versions);
            if (!recorded) {
                std::lock_guard relock(m_mutex);
                m_storage_failure = recorded.error().message;
                broken = true;
            }
        }
        if (!work.item) {
            continue;
        }
        if (interrupted || broken) {
            if (auto released = m_frontier.release(*work.item); !released) {
                spdlog::error("{}: {}", work.item->ref.id(), released.error().message);
            }
            continue;
        }
        auto ref = work.item->ref;
        auto report = m_pipeline.process(ref, std::move(work.result));
        if (!report) {
            spdlog::error("{}: archive or ledger not writable: {}", ref.id(), report.error().message);
            std::lock_guard relock(m_mutex);
            m_storage_failure = report.error().message;
            static_cast<void>(m_frontier.release(*work.item));
            continue;
        }
        settle(work, *report);
    }
}

void ArticleWorker::settle(const Work& work, const ArticleReport& report)
{
    auto now = wall_now();
    std::expected<void, LedgerError> settled;
    switch (report.outcome) {
    case Outcome::saved:
    case Outcome::updated:
    case Outcome::unchanged: {
        ++m_archived;
        std::vector<std::chrono::seconds> delays;
        {
            std::lock_guard lock(m_mutex);
            delays = m_revisit_after;
        }
        auto next = next_revisit(report.published_at, delays, work.item->revisits, now);
        settled = m_frontier.archived(*work.item, next, now);
        break;
    }
    case Outcome::gone:
        settled = m_frontier.finished(*work.item, "gone", report.reason, now);
        break;
    case Outcome::skipped:
        settled = m_frontier.finished(*work.item, "done", report.reason, now);
        break;
    case Outcome::failed:
        settled = m_frontier.failed(*work.item, report.reason, m_retry, now);
        break;
    }
    auto level = report.outcome == Outcome::failed ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "{} {} {}{}", to_string(report.outcome), report.id, report.path,
                report.reason.empty() ? "" : " (" + report.reason + ")");
    if (m_on_report) {
        m_on_report(report);
    }
    if (!settled) {
        spdlog::error("{}: cannot update the frontier: {}", report.id, settled.error().message);
        std::lock_guard lock(m_mutex);
        m_storage_failure = settled.error().message;
    }
}

} // namespace sillok::daemon
