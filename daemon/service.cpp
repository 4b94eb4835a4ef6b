#include "daemon/service.hpp"

#include "daemon/article_worker.hpp"
#include "daemon/backlog_trend.hpp"
#include "daemon/crawl.hpp"
#include "daemon/discovery.hpp"
#include "daemon/fetcher.hpp"
#include "daemon/frontier.hpp"
#include "daemon/politeness.hpp"
#include "daemon/robots.hpp"
#include "daemon/status.hpp"
#include "daemon/stores.hpp"
#include "daemon/systemd.hpp"
#include "parsers/listing.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <variant>

namespace sillok::daemon {
namespace {

using Steady = std::chrono::steady_clock;
constexpr auto k_status_every = std::chrono::seconds(5);
constexpr auto k_metrics_every = std::chrono::seconds(30);
constexpr auto k_idle_claim_pause = std::chrono::seconds(1);
constexpr auto k_robots_check_every = std::chrono::hours(1);
// The queue is compared with itself every window; growing over k_growing_windows in a row
// means the budget is too small for the sections: warn, and give up revisits this late while
// it stays behind (BacklogTrend).
constexpr auto k_backlog_window = std::chrono::minutes(10);
constexpr int k_growing_windows = 3;
constexpr auto k_late_revisit = std::chrono::hours(6);

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

// Written beside the target and renamed, so the collector never reads half a file.
void write_metrics(const std::string& path, const std::string& text)
{
    auto temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << text;
        if (!out) {
            spdlog::warn("cannot write metrics file {}", temp);
            return;
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        spdlog::warn("cannot write metrics file {}", path);
    }
}

class ServiceFeed final : public FetchFeed {
public:
    ServiceFeed(Config config, const ConfigLoader& reload, ServiceSignals signals, Frontier& frontier,
                Politeness& politeness, ArticleWorker& worker, Notifier& notifier, Discovery& discovery,
                RobotsLedger& robots)
        : m_config(std::move(config)), m_reload(reload), m_signals(signals), m_frontier(frontier),
          m_politeness(politeness), m_worker(worker), m_notifier(notifier), m_discovery(discovery), m_robots(robots),
          m_ledger_file(LedgerFileIdentity::of(m_config.ledger_path()))
    {
        m_discovery.watch(m_config.sections, m_config.presses);
    }

    // Why the service stopped on its own: its ledger was deleted or replaced.
    [[nodiscard]] const std::optional<std::string>& lost_ledger() const { return m_lost_ledger; }

    void tick() override
    {
        m_notifier.keep_alive();
        auto now = Steady::now();
        if (m_signals.reload != nullptr && m_signals.reload->exchange(false)) {
            reload();
        }
        if (now >= m_next_status) {
            publish_status();
            m_next_status = now + k_status_every;
        }
        if (now >= m_next_robots_check && !stopping()) {
            check_robots();
            m_next_robots_check = now + k_robots_check_every;
        }
        if (now >= m_next_poll && !stopping()) {
            schedule_discovery();
            m_next_poll = now + std::chrono::seconds(m_config.poll_interval);
        }
    }

    std::vector<FetchRequest> take(size_t room) override
    {
        std::vector<FetchRequest> requests;
        while (requests.size() < room && !m_robots_due.empty()) {
            auto tag = m_next_tag++;
            requests.push_back(FetchRequest{"https://" + m_robots_due.front() + "/robots.txt", tag});
            m_pending.emplace(tag, RobotsTask{m_robots_due.front()});
            m_robots_due.pop_front();
        }
        while (requests.size() < room && !m_listings.empty()) {
            auto tag = m_next_tag++;
            requests.push_back(
                FetchRequest{next_url(m_listings.front().walk), tag, referer(m_listings.front().walk)});
            m_pending.emplace(tag, std::move(m_listings.front()));
            m_listings.pop_front();
        }
        auto backlog_limit = static_cast<size_t>(2 * m_config.concurrency);
        if (requests.size() >= room || m_worker.backlog() >= backlog_limit || Steady::now() < m_claim_after) {
            return requests;
        }
        // Articles wait in the frontier, not in the loop, while their host is paused or held.
        if (long_wait(parsers::k_article_host)) {
            m_claim_after = Steady::now() + k_idle_claim_pause;
            return requests;
        }
        auto claimed = m_frontier.claim(room - requests.size(), wall_now());
        if (!claimed) {
            spdlog::error("cannot claim work from the frontier: {}", claimed.error().message);
            m_claim_after = Steady::now() + k_idle_claim_pause;
            return requests;
        }
        if (claimed->empty()) {
            m_claim_after = Steady::now() + k_idle_claim_pause;
        }
        for (auto& item : *claimed) {
            auto tag = m_next_tag++;
            requests.push_back(FetchRequest{item.ref.canonical_url(), tag});
            m_pending.emplace(tag, std::move(item));
        }
        return requests;
    }

    void done(FetchResult&& result) override
    {
        auto node = m_pending.extract(result.tag);
        if (auto* item = std::get_if<FrontierItem>(&node.mapped())) {
            m_worker.push(std::move(*item), std::move(result));
        } else if (auto* robots = std::get_if<RobotsTask>(&node.mapped())) {
            robots_fetched(robots->host, result);
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
            || m_lost_ledger.has_value();
    }

    void publish_status()
    {
        if (auto in_place = m_ledger_file.still_in_place(); !in_place && !m_lost_ledger) {
            spdlog::error("{}", in_place.error());
            m_lost_ledger = in_place.error();
            return;
        }
        auto now = wall_now();
        auto stats = read_stats(m_config.ledger_path(), now);
        if (!stats) {
            spdlog::warn("{}", stats.error().message);
            return;
        }
        watch_backlog(*stats, now);
        const ServiceLoad load{capacity(*stats, m_config.rate, m_config.revisit_after.size()), m_backlog.behind()};
        m_notifier.status(status_line(*stats, load));
        if (!m_config.metrics_file.empty() && Steady::now() >= m_next_metrics) {
            write_metrics(m_config.metrics_file, render_prometheus(*stats, now, load));
            m_next_metrics = Steady::now() + k_metrics_every;
        }
    }

private:
    // Warns when the due part of the queue grows window after window, and sheds the least
    // valuable work first while it stays behind: revisits long overdue, so that new articles
    // keep their place.
    void watch_backlog(const LedgerStats& stats, WallClock::time_point now)
    {
        auto change = m_backlog.sample(Steady::now(), stats.due_pending);
        if (!change) {
            return;
        }
        if (*change == BacklogChange::caught_up) {
            spdlog::info("the queue drains again: {} items due", stats.due_pending);
        }
        if (!m_backlog.behind()) {
            return;
        }
        if (*change != BacklogChange::steady) {
            auto need = capacity(stats, m_config.rate, m_config.revisit_after.size());
            spdlog::warn("the queue grows faster than it drains: {} items due, the oldest waiting {} s; the sections "
                         "need about {:.0f} requests/h against a budget of {:.0f}/h",
                         stats.due_pending, stats.queue_lag_seconds.value_or(0), need.demand_per_hour(),
                         need.budget_per_hour);
        }
        if (auto shed = m_frontier.shed_late_revisits(now, k_late_revisit); shed && *shed > 0) {
            spdlog::warn("shed {} revisits more than {} h late", *shed, k_late_revisit.count());
        } else if (!shed) {
            spdlog::error("{}", shed.error().message);
        }
    }

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

    void check_robots()
    {
        for (auto name : {parsers::k_listing_host, parsers::k_article_host}) {
            auto host = std::string(name);
            auto due = m_robots.due(host, wall_now());
            if (!due) {
                spdlog::error("{}", due.error().message);
            } else if (*due) {
                m_robots_due.push_back(std::move(host));
            }
        }
    }

    // Recorded whatever came back: a failure is an answer too, and the next try is a day later.
    void robots_fetched(const std::string& host, const FetchResult& result)
    {
        if (result.error && result.error->kind == FetchErrorKind::interrupted) {
            return;
        }
        const auto agent = m_config.user_agent.empty() ? default_user_agent() : m_config.user_agent;
        auto rules = m_robots.record(host, result.status, result.error ? std::string() : result.body,
                                     product_token(agent), wall_now(),
                                     result.error && result.error->kind == FetchErrorKind::too_large);
        if (!rules) {
            spdlog::error("{}", rules.error().message);
            return;
        }
        auto text = *rules;
        std::ranges::replace(text, '\n', ';');
        spdlog::info("robots.txt of {}: HTTP {}{}; asks of sillok: {}", host, result.status,
                     result.error ? " (" + result.error->message + ")" : "", text.empty() ? "nothing" : text);
    }

    void reload()
    {
        m_notifier.reloading();
        auto loaded = m_reload();
        if (!loaded) {
            spdlog::error("configuration not reloaded: {}", loaded.error());
            m_notifier.ready();
            return;
        }
        if (loaded->archive != m_config.archive || loaded->ledger_path() != m_config.ledger_path()
            || loaded->concurrency != m_config.concurrency || loaded->connect_to != m_config.connect_to
            || loaded->cacert != m_config.cacert || loaded->timeout != m_config.timeout
            || loaded->user_agent != m_config.user_agent || loaded->max_bytes != m_config.max_bytes) {
            spdlog::warn("only rate, sections, presses, poll_interval and revisit_after change on reload; "
                         "the other keys take effect on restart");
        }
        m_politeness.set_rate(loaded->rate);
        m_worker.set_revisit_after(seconds_list(loaded->revisit_after));
        bool poll_changed = loaded->poll_interval != m_config.poll_interval;
        // Only what the README lists as reloadable changes; the rest waits for a restart.
        m_config.rate = loaded->rate;
        m_config.sections = loaded->sections;
        m_config.presses = loaded->presses;
        m_config.poll_interval = loaded->poll_interval;
        m_config.revisit_after = loaded->revisit_after;
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
    Frontier& m_frontier;
    Politeness& m_politeness;
    ArticleWorker& m_worker;
    Notifier& m_notifier;
    Discovery& m_discovery;
    RobotsLedger& m_robots;
    std::deque<std::string> m_robots_due;
    std::deque<DiscoveryTask> m_listings;
    std::map<uint64_t, std::variant<FrontierItem, DiscoveryTask, RobotsTask>> m_pending;
    uint64_t m_next_tag = 0;
    Steady::time_point m_next_poll{};
    Steady::time_point m_next_robots_check{};
    BacklogTrend m_backlog{k_backlog_window, k_growing_windows};
    Steady::time_point m_next_status{};
    Steady::time_point m_next_metrics{};
    Steady::time_point m_claim_after{};
    LedgerFileIdentity m_ledger_file;
    std::optional<std::string> m_lost_ledger;
};

} // namespace

int run_service(const Config& config, const ConfigLoader& reload, ServiceSignals signals)
{
    auto stores = open_stores(config);
    if (!stores) {
        return fail(k_exit_io, stores.error());
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
        ArticleWorker worker(pipeline, stores->worker_frontier, seconds_list(config.revisit_after), FrontierRetryPolicy{},
                             {}, static_cast<unsigned>(config.workers));
        Discovery discovery(stores->loop_frontier, *health, config.discovery == "latest", config.max_listing_pages);
        ServiceFeed feed(config, reload, signals, stores->loop_frontier, *stores->politeness, worker, notifier,
                         discovery, *robots);
        Fetcher fetcher(fetch_options(config), *stores->politeness);
        spdlog::info("sillok {} running: archive {}, {} sections, {} presses, rate {}/s, poll every {} s, "
                     "discovery {} first",
                     SILLOK_VERSION, config.archive.string(), config.sections.size(), config.presses.size(),
                     config.rate, config.poll_interval, config.discovery);
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
