#include "daemon/commands/adopt_recrawl.hpp"

#include "daemon/ledger/frontier.hpp"
#include "daemon/pipeline/article_worker.hpp"
#include "daemon/pipeline/frontier_claims.hpp"
#include "daemon/util/exit_codes.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <ostream>

namespace sillok::daemon {
namespace {

constexpr size_t k_max_backlog = 4;

// Claims the frontier's "adopt" items and hands each fetched page to the worker; ends when
// none is ready (failures wait for their retry, in the queue).
class RecrawlFeed final : public FetchFeed {
public:
    RecrawlFeed(Frontier& frontier, ArticleWorker& worker, Politeness& politeness, const std::atomic<bool>* stop)
        : m_worker(worker), m_politeness(politeness), m_stop(stop),
          m_claims(frontier, worker, politeness, FrontierClaims::Options{QueueSource::adopt, k_max_backlog})
    {
    }

    // A paused host ends the run (exit 75): the queue keeps the rest.
    void tick() override
    {
        if (std::chrono::steady_clock::now() >= m_next_pause_check) {
            m_next_pause_check = std::chrono::steady_clock::now() + std::chrono::seconds(1);
            m_throttled = m_politeness.is_paused(parsers::k_article_host, wall_now());
        }
    }

    std::vector<FetchRequest> take(size_t room) override { return m_claims.take(room, m_next_tag); }

    void done(FetchResult&& result) override { m_claims.done(std::move(result)); }

    // Done once nothing adopted is left ready (or the queue cannot be read).
    [[nodiscard]] bool exhausted() const override { return m_claims.found_nothing() || m_claims.claim_failed(); }
    [[nodiscard]] bool stopping() const override
    {
        return (m_stop != nullptr && m_stop->load()) || m_worker.storage_failure() || m_throttled;
    }
    [[nodiscard]] bool hands_back_held() const override { return true; }
    void wake_with(std::function<void()> wake) override { m_worker.wake_on_room(std::move(wake)); }
    [[nodiscard]] bool throttled() const { return m_throttled; }

private:
    ArticleWorker& m_worker;
    Politeness& m_politeness;
    const std::atomic<bool>* m_stop;
    FrontierClaims m_claims;
    uint64_t m_next_tag = 0;
    bool m_throttled = false;
    std::chrono::steady_clock::time_point m_next_pause_check{};
};

// The adopted articles that have no crawled version yet.
std::expected<std::vector<parsers::ArticleRef>, LedgerError> still_adopted(Adoptions& adoptions,
                                                                           const std::vector<parsers::ArticleRef>& refs)
{
    std::vector<parsers::ArticleRef> wanted;
    for (const auto& ref : refs) {
        auto adopted = adoptions.awaits_recrawl(ref);
        if (!adopted) {
            return std::unexpected(adopted.error());
        }
        if (*adopted) {
            wanted.push_back(ref);
        }
    }
    return wanted;
}

} // namespace

int recrawl_adopted(const Config& config, Stores& stores, Adoptions& adoptions,
                    const std::vector<parsers::ArticleRef>& refs, std::ostream& out, const std::atomic<bool>* stop)
{
    auto now = wall_now();
    auto wanted = still_adopted(adoptions, refs);
    auto queued =
        wanted ? stores.loop_frontier.enqueue_again(*wanted, QueueSource::adopt, now) : std::unexpected(wanted.error());
    auto retried = queued ? stores.loop_frontier.retry_now(QueueSource::adopt, now) : std::unexpected(queued.error());
    if (!retried) {
        return fail(k_exit_io, retried.error().message);
    }
    spdlog::info("recrawl: {} adopted articles queued", *queued);

    std::mutex out_mutex;
    size_t failed = 0;
    ArticlePipeline pipeline(stores.archive, stores.ledger);
    ArticleWorker worker(pipeline, stores.worker_frontier, std::vector<std::chrono::seconds>{}, FrontierRetryPolicy{},
                         [&](const ArticleReport& report) {
                             std::lock_guard lock(out_mutex);
                             failed += report.outcome == Outcome::failed ? 1 : 0;
                             out << "recrawl\t" << to_string(report.outcome) << '\t' << report.id << '\t' << report.path
                                 << '\t' << report.hash;
                             if (!report.reason.empty()) {
                                 out << '\t' << report.reason;
                             }
                             out << std::endl;
                         });
    RecrawlFeed feed(stores.loop_frontier, worker, *stores.politeness, stop);
    Fetcher fetcher(fetch_options(config), *stores.politeness);
    fetcher.run(feed);
    worker.finish();
    if (auto broken = worker.storage_failure()) {
        return fail(k_exit_io, "archive or ledger not writable: " + *broken);
    }
    if ((stop != nullptr && stop->load()) || feed.throttled()) {
        spdlog::warn("recrawl stopped before its end: the rest stays queued (adopt --recrawl or run goes on)");
        return k_exit_tempfail;
    }
    return failed > 0 ? k_exit_some_failed : k_exit_ok;
}

} // namespace sillok::daemon
