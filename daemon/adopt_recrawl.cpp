#include "daemon/adopt_recrawl.hpp"

#include "daemon/article_worker.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/frontier.hpp"

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
        : m_frontier(frontier), m_worker(worker), m_politeness(politeness), m_stop(stop)
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

    std::vector<FetchRequest> take(size_t room) override
    {
        std::vector<FetchRequest> requests;
        if (room == 0 || m_worker.backlog() >= k_max_backlog) {
            return requests;
        }
        auto claimed = m_frontier.claim(room, wall_now(), k_adopt_source);
        if (!claimed) {
            spdlog::error("cannot claim work from the frontier: {}", claimed.error().message);
        }
        if (!claimed || claimed->empty()) {
            m_empty = true;
            return requests;
        }
        for (auto& item : *claimed) {
            auto tag = m_next_tag++;
            requests.push_back(FetchRequest{item.ref.canonical_url(), tag});
            m_claimed.emplace(tag, std::move(item));
        }
        return requests;
    }

    void done(FetchResult&& result) override
    {
        auto node = m_claimed.extract(result.tag);
        m_worker.push(std::move(node.mapped()), std::move(result));
    }

    [[nodiscard]] bool exhausted() const override { return m_empty; }
    [[nodiscard]] bool stopping() const override
    {
        return (m_stop != nullptr && m_stop->load()) || m_worker.storage_failure() || m_throttled;
    }
    [[nodiscard]] bool hands_back_held() const override { return true; }
    void wake_with(std::function<void()> wake) override { m_worker.wake_on_room(std::move(wake)); }
    [[nodiscard]] bool throttled() const { return m_throttled; }

private:
    Frontier& m_frontier;
    ArticleWorker& m_worker;
    Politeness& m_politeness;
    const std::atomic<bool>* m_stop;
    std::map<uint64_t, FrontierItem> m_claimed;
    uint64_t m_next_tag = 0;
    bool m_empty = false;
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
    auto queued = wanted ? adoptions.queue_recrawl(*wanted, now) : std::unexpected(wanted.error());
    auto retried = queued ? stores.loop_frontier.retry_now(k_adopt_source, now) : std::unexpected(queued.error());
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
                             out << "recrawl\t" << to_string(report.outcome) << '\t' << report.id << '\t'
                                 << report.path << '\t' << report.hash;
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
