#include "daemon/service.hpp"

#include "daemon/article_worker.hpp"
#include "daemon/crawl.hpp"
#include "daemon/fetcher.hpp"
#include "daemon/frontier.hpp"
#include "daemon/politeness.hpp"
#include "daemon/status.hpp"
#include "daemon/stores.hpp"
#include "daemon/systemd.hpp"
#include "parsers/listing.hpp"

#include <spdlog/spdlog.h>

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

// A listing page to fetch: a section's list (and its cursor pages) or a press's list.
struct ListingTask {
    std::string url;
    std::string label;
    std::optional<parsers::Section> section;
    std::string press;
    int page = 1;
};

std::vector<std::chrono::seconds> seconds_list(const std::vector<int64_t>& values)
{
    std::vector<std::chrono::seconds> out;
    for (auto value : values) {
        out.emplace_back(value);
    }
    return out;
}

std::string today_yyyymmdd(WallClock::time_point now)
{
    auto iso = kst_iso(now);
    return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
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
                Politeness& politeness, ArticleWorker& worker, Notifier& notifier)
        : m_config(std::move(config)), m_reload(reload), m_signals(signals), m_frontier(frontier),
          m_politeness(politeness), m_worker(worker), m_notifier(notifier),
          m_ledger_file(LedgerFileIdentity::of(m_config.ledger_path()))
    {
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
        if (now >= m_next_poll && !stopping()) {
            schedule_discovery();
            m_next_poll = now + std::chrono::seconds(m_config.poll_interval);
        }
    }

    std::vector<FetchRequest> take(size_t room) override
    {
        std::vector<FetchRequest> requests;
        while (requests.size() < room && !m_listings.empty()) {
            auto tag = m_next_tag++;
            requests.push_back(FetchRequest{m_listings.front().url, tag});
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
        auto claimed = m_frontier.claim(room - requests.size(), WallClock::now());
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
        } else {
            discovered(std::get<ListingTask>(node.mapped()), result);
            m_worker.record(std::move(result.attempts));
        }
    }

    [[nodiscard]] bool exhausted() const override { return false; }
    [[nodiscard]] bool hands_back_held() const override { return true; }
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
        auto now = WallClock::now();
        auto stats = read_stats(m_config.ledger_path(), now);
        if (!stats) {
            spdlog::warn("{}", stats.error().message);
            return;
        }
        m_notifier.status(status_line(*stats));
        if (!m_config.metrics_file.empty() && Steady::now() >= m_next_metrics) {
            write_metrics(m_config.metrics_file, render_prometheus(*stats, now));
            m_next_metrics = Steady::now() + k_metrics_every;
        }
    }

private:
    bool long_wait(std::string_view host)
    {
        auto now = WallClock::now();
        return m_politeness.available_at(std::string(host), now) > now + k_long_wait;
    }

    // A poll is skipped while the listing host is paused or held, and while the previous
    // poll's pages are still waiting: listings never pile up in the loop.
    void schedule_discovery()
    {
        if (!m_listings.empty() || long_wait(parsers::k_listing_host)) {
            return;
        }
        for (const auto& text : m_config.sections) {
            auto section = parsers::parse_section(text);
            if (!section) {
                continue; // validated at load
            }
            m_listings.push_back(ListingTask{parsers::breaking_news_url(*section), "section " + text, *section, {}, 1});
        }
        auto today = today_yyyymmdd(WallClock::now());
        for (const auto& oid : m_config.presses) {
            m_listings.push_back(ListingTask{parsers::press_list_url(oid, today, 1), "press " + oid, std::nullopt, oid, 1});
        }
    }

    void discovered(const ListingTask& task, const FetchResult& result)
    {
        if (result.error) {
            if (result.error->kind != FetchErrorKind::interrupted) {
                spdlog::warn("listing {} ({}) failed: {}: {}", task.label, result.url, to_string(result.error->kind),
                             result.error->message);
            }
            return;
        }
        auto listing = parsers::parse_listing(result.body, result.final_url);
        if (!listing) {
            spdlog::warn("listing {} ({}): {}", task.label, result.url, listing.error().message);
            return;
        }
        const auto& refs = listing->listed.empty() ? listing->refs : listing->listed;
        auto added = m_frontier.enqueue(refs, "discovery", k_priority_discovery, WallClock::now());
        if (!added) {
            spdlog::error("cannot queue discovered articles: {}", added.error().message);
            return;
        }
        if (*added > 0) {
            spdlog::info("{}: {} new of {} listed", task.label, *added, refs.size());
        }
        // A page of nothing but new articles means more may be behind it (after downtime).
        if (*added == 0 || *added < refs.size() || task.page >= m_config.max_listing_pages) {
            return;
        }
        auto next = task;
        ++next.page;
        if (task.section && listing->has_next && listing->next_cursor) {
            next.url = parsers::latest_fragment_url(*task.section, next.page, "", *listing->next_cursor);
            m_listings.push_back(std::move(next));
        } else if (!task.press.empty() && listing->next_page) {
            next.url = parsers::press_list_url(task.press, today_yyyymmdd(WallClock::now()), *listing->next_page);
            next.page = *listing->next_page;
            m_listings.push_back(std::move(next));
        }
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
    std::deque<ListingTask> m_listings;
    std::map<uint64_t, std::variant<FrontierItem, ListingTask>> m_pending;
    uint64_t m_next_tag = 0;
    Steady::time_point m_next_poll{};
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
    Notifier notifier;
    ArticlePipeline pipeline(stores->archive, stores->ledger);
    std::optional<std::string> storage_failure;
    {
        ArticleWorker worker(pipeline, stores->worker_frontier, seconds_list(config.revisit_after), FrontierRetryPolicy{});
        ServiceFeed feed(config, reload, signals, stores->loop_frontier, *stores->politeness, worker, notifier);
        Fetcher fetcher(fetch_options(config), *stores->politeness);
        spdlog::info("sillok {} running: archive {}, {} sections, {} presses, rate {}/s, poll every {} s",
                     SILLOK_VERSION, config.archive.string(), config.sections.size(), config.presses.size(),
                     config.rate, config.poll_interval);
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
