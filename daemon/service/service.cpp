#include "daemon/service/service.hpp"

#include "daemon/config/settings.hpp"
#include "daemon/config/stores.hpp"
#include "daemon/discovery/discovery.hpp"
#include "daemon/discovery/robots.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "daemon/fetch/politeness.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/pipeline/article_worker.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/pipeline/frontier_claims.hpp"
#include "daemon/service/robots_schedule.hpp"
#include "daemon/service/service_lock.hpp"
#include "daemon/service/service_watch.hpp"
#include "daemon/util/systemd.hpp"
#include "parsers/listing.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <variant>

namespace sillok::daemon {
namespace {

using Steady = std::chrono::steady_clock;

// A host's robots.txt to fetch.
struct RobotsTask {
    std::string host;
};

std::vector<std::chrono::seconds> seconds_list(const std::vector<int64_t>& values)
{
    std::vector<std::chrono::seconds> out;
    for (auto value : values) {
        out.emplace_back(value);
    }
    return out;
}

class ServiceFeed final : public FetchFeed {
public:
    ServiceFeed(Config config, const ConfigLoader& reload, ServiceSignals signals, Frontier& frontier,
                Politeness& politeness, ArticleWorker& worker, Notifier& notifier, Discovery& discovery,
                RobotsLedger& robots)
        : m_config(std::move(config)), m_reload(reload), m_signals(signals), m_politeness(politeness), m_worker(worker),
          m_notifier(notifier), m_discovery(discovery), m_robots(robots, m_config),
          m_watch(m_config, frontier, notifier),
          m_claims(frontier, worker, politeness, {std::nullopt, static_cast<size_t>(2 * m_config.concurrency)})
    {
        m_discovery.watch(m_config.sections, m_config.presses);
    }

    // Why the service stopped on its own: its ledger was deleted or replaced.
    [[nodiscard]] const std::optional<std::string>& lost_ledger() const { return m_watch.lost_ledger(); }

    void tick() override
    {
        m_notifier.keep_alive();
        if (m_signals.reload != nullptr && m_signals.reload->exchange(false)) {
            reload();
        }
        m_watch.tick();
        if (stopping()) {
            return;
        }
        m_robots.tick();
        if (Steady::now() >= m_next_poll) {
            schedule_discovery();
            m_next_poll = Steady::now() + std::chrono::seconds(m_config.poll_interval);
        }
    }

    std::vector<FetchRequest> take(size_t room) override
    {
        std::vector<FetchRequest> requests;
        while (requests.size() < room) {
            auto host = m_robots.next_due();
            if (!host) {
                break;
            }
            auto tag = m_next_tag++;
            requests.push_back(FetchRequest{"https://" + *host + "/robots.txt", tag});
            m_pending.emplace(tag, RobotsTask{std::move(*host)});
        }
        while (requests.size() < room && !m_listings.empty()) {
            auto tag = m_next_tag++;
            requests.push_back(FetchRequest{next_url(m_listings.front().walk), tag, referer(m_listings.front().walk)});
            m_pending.emplace(tag, std::move(m_listings.front()));
            m_listings.pop_front();
        }
        if (requests.size() < room) {
            auto claimed = m_claims.take(room - requests.size(), m_next_tag);
            std::move(claimed.begin(), claimed.end(), std::back_inserter(requests));
        }
        return requests;
    }

    void done(FetchResult&& result) override
    {
        if (m_claims.owns(result.tag)) {
            m_claims.done(std::move(result));
            return;
        }
        auto node = m_pending.extract(result.tag);
        if (auto* robots = std::get_if<RobotsTask>(&node.mapped())) {
            m_robots.fetched(robots->host, result);
            m_worker.record(std::move(result));
        } else {
            if (auto next = m_discovery.page_done(std::move(std::get<DiscoveryTask>(node.mapped())), result)) {
                m_listings.push_back(std::move(*next));
            }
            m_worker.record(std::move(result), m_discovery.last_page_added() > 0);
        }
    }

    [[nodiscard]] bool exhausted() const override { return false; }
    [[nodiscard]] bool hands_back_held() const override { return true; }
    void wake_with(std::function<void()> wake) override { m_worker.wake_on_room(std::move(wake)); }
    [[nodiscard]] bool stopping() const override
    {
        return (m_signals.stop != nullptr && m_signals.stop->load()) || m_worker.storage_failure().has_value()
               || m_watch.lost_ledger().has_value();
    }

private:
    bool long_wait(std::string_view host)
    {
        auto now = wall_now();
        return m_politeness.available_at(std::string(host), now) > now + k_long_wait;
    }

    // A poll is skipped while the listing host is paused or held, and while the previous
    // poll's pages are still waiting: listings never pile up in the loop.
    void schedule_discovery()
    {
        if (!m_listings.empty() || long_wait(parsers::k_listing_host)) {
            return;
        }
        for (auto& task : m_discovery.poll(wall_now())) {
            m_listings.push_back(std::move(task));
        }
    }

    void reload()
    {
        m_notifier.reloading();
        auto loaded = m_reload();
        if (!loaded) {
            spdlog::error("configuration not reloaded: {}", loaded.error().message);
            m_notifier.ready();
            return;
        }
        // Only what the settings mark as applied changes; the rest waits for a restart.
        bool poll_changed = loaded->poll_interval != m_config.poll_interval;
        std::string on_restart;
        for (const auto& setting : settings()) {
            if (setting.reload == Reload::applied) {
                copy_setting(setting, *loaded, m_config);
            } else if (Config kept = m_config; copy_setting(setting, *loaded, kept)) {
                on_restart += (on_restart.empty() ? "" : ", ") + std::string(setting.key);
            }
        }
        if (!on_restart.empty()) {
            spdlog::warn("changed settings that take effect on restart, not on reload: {}", on_restart);
        }
        m_politeness.set_rate(m_config.rate);
        m_worker.set_revisit_after(seconds_list(m_config.revisit_after));
        m_discovery.watch(m_config.sections, m_config.presses);
        if (poll_changed) {
            m_next_poll = Steady::now();
        }
        spdlog::info("configuration reloaded: rate {}/s, {} sections, {} presses, poll every {} s", m_config.rate,
                     m_config.sections.size(), m_config.presses.size(), m_config.poll_interval);
        m_notifier.ready();
    }

    Config m_config;
    const ConfigLoader& m_reload;
    ServiceSignals m_signals;
    Politeness& m_politeness;
    ArticleWorker& m_worker;
    Notifier& m_notifier;
    Discovery& m_discovery;
    RobotsSchedule m_robots;
    ServiceWatch m_watch;
    // Articles wait in the frontier, not in the loop; at most two per connection in the worker.
    FrontierClaims m_claims;
    std::deque<DiscoveryTask> m_listings;
    std::map<uint64_t, std::variant<DiscoveryTask, RobotsTask>> m_pending;
    uint64_t m_next_tag = 0;
    Steady::time_point m_next_poll{};
};

} // namespace

int run_service(const Config& config, const ConfigLoader& reload, ServiceSignals signals)
{
    auto stores = open_stores(config);
    if (!stores) {
        return fail(stores.error());
    }
    auto lock = ServiceLock::take(config.archive);
    if (!lock) {
        return fail(lock.error());
    }
    auto health = SourceHealth::open(config.ledger_path());
    auto robots = health ? RobotsLedger::open(config.ledger_path()) : std::unexpected(health.error());
    if (!robots) {
        return fail(k_exit_io, robots.error().message);
    }
    Notifier notifier;
    ArticlePipeline pipeline(stores->archive, stores->ledger, stores->keeper());
    std::optional<std::string> storage_failure;
    {
        ArticleWorker worker(pipeline, stores->worker_frontier, seconds_list(config.revisit_after),
                             FrontierRetryPolicy{}, {}, static_cast<unsigned>(config.workers));
        Discovery discovery(stores->loop_frontier, *health, config.discovery == DiscoveryOrder::latest,
                            config.max_listing_pages);
        ServiceFeed feed(config, reload, signals, stores->loop_frontier, *stores->politeness, worker, notifier,
                         discovery, *robots);
        Fetcher fetcher(fetch_options(config), *stores->politeness);
        spdlog::info("sillok {} running: archive {}, {} sections, {} presses, rate {}/s, poll every {} s, "
                     "discovery {} first",
                     SILLOK_VERSION, config.archive.string(), config.sections.size(), config.presses.size(),
                     config.rate, config.poll_interval, to_string(config.discovery));
        notifier.ready();
        fetcher.run(feed);
        notifier.stopping();
        spdlog::info("stopping: recording the requests that were in flight");
        worker.finish();
        storage_failure = feed.lost_ledger() ? feed.lost_ledger() : worker.storage_failure();
    }
    if (storage_failure) {
        return fail(k_exit_io, "archive or ledger not writable: " + *storage_failure);
    }
    spdlog::info("stopped");
    return k_exit_ok;
}

} // namespace sillok::daemon
