#include "daemon/pipeline/article_worker.hpp"

#include <spdlog/spdlog.h>

namespace sillok::daemon {

ArticleWorker::ArticleWorker(ArticlePipeline& pipeline, Frontier& frontier,
                             std::vector<std::chrono::seconds> revisit_after, FrontierRetryPolicy retry,
                             ReportHook on_report, unsigned workers)
    : m_frontier(frontier), m_retry(retry), m_on_report(std::move(on_report)),
      m_revisit_after(std::move(revisit_after)),
      m_pool(pipeline, PoolOptions{workers}, [this](uint64_t tag, const auto& report) { reported(tag, report); })
{
}

// Drains: a result fetched is a result recorded (or its item released).
void ArticleWorker::finish() { m_pool.finish(); }

ArticleWorker::~ArticleWorker() { finish(); }

void ArticleWorker::push(FrontierItem item, FetchResult&& result)
{
    bool interrupted = result.error && result.error->kind == FetchErrorKind::interrupted;
    uint64_t tag = 0;
    std::optional<parsers::ArticleRef> ref;
    if (!interrupted) {
        ref = item.ref;
    }
    {
        std::lock_guard lock(m_mutex);
        tag = m_next_tag++;
        m_work.emplace(tag, Work{std::move(item), interrupted});
    }
    // Attempts made before an interruption are recorded like any other.
    m_pool.submit(tag, std::move(ref), std::move(result));
}

void ArticleWorker::record(FetchResult&& result, bool kept_with_versions)
{
    uint64_t tag = 0;
    {
        std::lock_guard lock(m_mutex);
        tag = m_next_tag++;
        m_work.emplace(tag, Work{});
    }
    m_pool.submit(tag, std::nullopt, std::move(result), kept_with_versions);
}

size_t ArticleWorker::backlog() const { return m_pool.backlog(); }

void ArticleWorker::set_revisit_after(std::vector<std::chrono::seconds> delays)
{
    std::lock_guard lock(m_mutex);
    m_revisit_after = std::move(delays);
}

std::optional<std::string> ArticleWorker::storage_failure() const { return m_pool.storage_failure(); }

// On the pool's writer thread, in submission order.
void ArticleWorker::reported(uint64_t tag, const std::expected<ArticleReport, StorageError>& report)
{
    Work work;
    {
        std::lock_guard lock(m_mutex);
        auto found = m_work.extract(tag);
        if (found.empty()) {
            return;
        }
        work = std::move(found.mapped());
    }
    if (!work.item) {
        return;
    }
    if (!report) {
        spdlog::error("{}: archive or ledger not writable: {}", work.item->ref.id(), report.error().message);
    }
    if (work.interrupted || !report) {
        if (auto released = m_frontier.release(*work.item); !released) {
            spdlog::error("{}: {}", work.item->ref.id(), released.error().message);
        }
        return;
    }
    settle(*work.item, *report);
}

void ArticleWorker::settle(const FrontierItem& item, const ArticleReport& report)
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
        auto next = next_revisit(report.published_at, delays, item.revisits, now);
        settled = m_frontier.archived(item, next, now);
        break;
    }
    case Outcome::gone:
        settled = m_frontier.finished(item, Settled::gone, report.reason, now);
        break;
    case Outcome::skipped:
        settled = m_frontier.finished(item, Settled::done, report.reason, now);
        break;
    case Outcome::failed:
        settled = m_frontier.failed(item, report.reason, m_retry, now);
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
        m_pool.fail(settled.error().message);
    }
}

} // namespace sillok::daemon
