#include "daemon/commands/backfill.hpp"

#include "daemon/commands/backfill_progress.hpp"
#include "daemon/config/stores.hpp"
#include "daemon/discovery/listing_progress.hpp"
#include "daemon/discovery/listing_walk.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/pipeline/article_worker.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/pipeline/frontier_claims.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>

namespace sillok::daemon {
namespace {

using Steady = std::chrono::steady_clock;
constexpr QueueSource k_source = QueueSource::backfill;
constexpr auto k_idle_claim_pause = std::chrono::seconds(1);

// One listing of one day: a per-date list page by page, or (a section with sid2) the
// paging endpoint's list of that date cursor by cursor.
struct Walk {
    std::string key;
    size_t day = 0; // index of the date in the range
    std::string label;
    ListingWalk walk;
    std::string listing; // "section 100", "press 015"
};

class BackfillFeed final : public FetchFeed {
public:
    BackfillFeed(const BackfillRequest& request, std::vector<Walk> walks, Frontier& frontier, ListingProgress& progress,
                 ArticleWorker* worker, Politeness& politeness, BackfillProgress& meter, std::ostream& out,
                 const std::atomic<bool>* stop)
        : m_request(request), m_walks(std::move(walks)), m_frontier(frontier), m_progress(progress), m_worker(worker),
          m_politeness(politeness), m_meter(meter), m_out(out), m_stop(stop)
    {
        if (m_worker != nullptr) {
            m_claims.emplace(m_frontier, *m_worker, m_politeness, FrontierClaims::Options{k_source, 4});
        }
    }

    // A paused host ends the run (exit 75): a backfill is resumed later, not kept waiting.
    void tick() override
    {
        m_meter.tick();
        if (Steady::now() >= m_next_pause_check) {
            m_next_pause_check = Steady::now() + k_idle_claim_pause;
            auto now = wall_now();
            m_throttled = m_politeness.is_paused(parsers::k_article_host, now)
                          || m_politeness.is_paused(parsers::k_listing_host, now);
        }
    }

    std::vector<FetchRequest> take(size_t room) override
    {
        std::vector<FetchRequest> requests;
        if (room == 0) {
            return requests;
        }
        skip_finished_walks();
        if (!m_listing_in_flight && m_next_walk < m_walks.size() && !limit_reached()) {
            m_listing_in_flight = true;
            const auto& walk = m_walks[m_next_walk].walk;
            requests.push_back(FetchRequest{next_url(walk), k_listing_tag, referer(walk)});
        }
        if (m_claims) {
            auto claimed = m_claims->take(room - requests.size(), m_next_tag);
            if (!claimed.empty()) {
                m_queue_empty = false;
            } else if (m_claims->found_nothing()) {
                m_queue_empty = !m_listing_in_flight && (m_next_walk >= m_walks.size() || limit_reached());
            }
            std::move(claimed.begin(), claimed.end(), std::back_inserter(requests));
        }
        return requests;
    }

    void done(FetchResult&& result) override
    {
        if (result.tag == k_listing_tag) {
            m_listing_in_flight = false;
            auto added = walked(m_walks[m_next_walk], result);
            if (m_worker != nullptr) {
                m_worker->record(std::move(result), added > 0);
            }
            return;
        }
        m_claims->done(std::move(result));
    }

    [[nodiscard]] bool exhausted() const override
    {
        bool walked_all = m_next_walk >= m_walks.size() || limit_reached();
        return walked_all && !m_listing_in_flight && (m_worker == nullptr || m_queue_empty);
    }

    [[nodiscard]] bool stopping() const override
    {
        return (m_stop != nullptr && m_stop->load()) || (m_worker != nullptr && m_worker->storage_failure())
               || m_storage_failure || m_throttled;
    }

    [[nodiscard]] bool hands_back_held() const override { return true; }
    void wake_with(std::function<void()> wake) override
    {
        if (m_worker != nullptr) {
            m_worker->wake_on_room(std::move(wake));
        }
    }

    [[nodiscard]] bool walked_everything() const { return m_next_walk >= m_walks.size(); }
    [[nodiscard]] size_t listing_failures() const { return m_listing_failures; }
    [[nodiscard]] bool limit_reached() const { return m_request.limit && m_queued >= *m_request.limit; }
    [[nodiscard]] bool storage_failed() const { return m_storage_failure; }

private:
    static constexpr uint64_t k_listing_tag = UINT64_MAX;

    void skip_finished_walks()
    {
        while (m_next_walk < m_walks.size() && m_walks[m_next_walk].walk.state.done) {
            m_meter.listing_done(m_walks[m_next_walk].day);
            ++m_next_walk;
        }
    }

    // Returns how many articles the page queued that were not queued before.
    size_t walked(Walk& walk, const FetchResult& result)
    {
        if (result.error && result.error->kind == FetchErrorKind::interrupted) {
            return 0;
        }
        auto& state = walk.walk.state;
        size_t added = 0;
        if (result.error && result.status == 404) {
            spdlog::info("{}: no such listing (HTTP 404)", walk.label);
            state.done = true;
        } else if (result.error) {
            fail_walk(walk, result.url, std::string(to_string(result.error->kind)) + ": " + result.error->message);
            return 0;
        } else {
            auto before = state;
            auto step = advance(walk.walk, result.url, parsers::parse_listing(result.body, result.final_url));
            if (!step) {
                state = before; // resumes at the failed page on the next run
                fail_walk(walk, result.url, std::string(to_string(step.error().kind)) + ": " + step.error().message);
                return 0;
            }
            auto queued = queue(walk, step->fresh);
            if (!queued) {
                return 0;
            }
            added = *queued;
            if (step->end == WalkEnd::page_limit) {
                // Not complete: left unfinished, it is reported and walked again on the next run.
                state.done = false;
                save(walk);
                fail_walk(walk, result.url, "page_limit: " + end_reason(walk.walk, step->end));
                return added;
            }
            if (step->end != WalkEnd::more) {
                spdlog::info("{}: walk ended: {}; {} articles listed", walk.label, end_reason(walk.walk, step->end),
                             state.refs_found);
            }
        }
        save(walk);
        return added;
    }

    void save(const Walk& walk)
    {
        if (!m_request.dry_run) {
            if (auto saved = m_progress.save(walk.key, walk.walk.date, walk.walk.state, wall_now()); !saved) {
                spdlog::error("{}", saved.error().message);
                m_storage_failure = true;
            }
        }
    }

    // How many of refs were new (dry run: unknown); nullopt when the ledger failed.
    std::optional<size_t> queue(const Walk& walk, const std::vector<parsers::ArticleRef>& refs)
    {
        auto now = wall_now();
        if (m_request.listed != nullptr) {
            (*m_request.listed)[walk.listing].insert(refs.begin(), refs.end());
        }
        if (m_request.dry_run) {
            auto fresh = m_frontier.unknown(refs);
            if (!fresh) {
                spdlog::error("{}", fresh.error().message);
                m_storage_failure = true;
                return std::nullopt;
            }
            m_meter.found(refs.size());
            for (const auto& ref : *fresh) {
                if (m_dry_run_seen.insert(ref).second && !limit_reached()) {
                    m_out << "would-queue\t" << ref.id() << '\t' << ref.canonical_url() << '\t' << walk.label << '\n';
                    ++m_queued;
                    m_meter.queued(1);
                }
            }
            return fresh->size();
        }
        auto added = m_frontier.enqueue(refs, k_source, now, Frontier::Revive::failed_and_pending);
        if (!added) {
            spdlog::error("cannot queue articles: {}", added.error().message);
            m_storage_failure = true;
            return std::nullopt;
        }
        m_queued += *added;
        m_meter.found(refs.size());
        m_meter.queued(*added);
        if (m_claims) {
            m_claims->wake();
        }
        return *added;
    }

    void fail_walk(Walk& walk, const std::string& url, const std::string& reason)
    {
        spdlog::warn("{}: listing {} failed ({}); it resumes on the next run", walk.label, url, reason);
        m_out << "failed-listing\t" << walk.label << '\t' << url << '\t' << reason << '\n';
        ++m_listing_failures;
        m_meter.listing_done(walk.day);
        ++m_next_walk; // left unfinished in the ledger
    }

    const BackfillRequest& m_request;
    std::vector<Walk> m_walks;
    size_t m_next_walk = 0;
    bool m_listing_in_flight = false;
    Frontier& m_frontier;
    ListingProgress& m_progress;
    ArticleWorker* m_worker;
    Politeness& m_politeness;
    bool m_throttled = false;
    Steady::time_point m_next_pause_check{};
    BackfillProgress& m_meter;
    std::ostream& m_out;
    const std::atomic<bool>* m_stop;
    std::optional<FrontierClaims> m_claims; // none in a dry run
    uint64_t m_next_tag = 0;
    bool m_queue_empty = false;
    size_t m_queued = 0;
    size_t m_listing_failures = 0;
    bool m_storage_failure = false;
    std::set<parsers::ArticleRef> m_dry_run_seen;
};

std::expected<std::vector<Walk>, std::string> plan_walks(const BackfillRequest& request, ListingProgress& progress,
                                                         size_t& already_walked)
{
    std::vector<Walk> walks;
    size_t day = 0;
    for (auto date = std::chrono::sys_days{request.from}; date <= std::chrono::sys_days{request.to};
         date += std::chrono::days(1), ++day) {
        auto ymd = std::chrono::year_month_day{date};
        auto yyyymmdd_text = yyyymmdd(ymd);
        auto add = [&](Walk walk) -> std::expected<void, std::string> {
            auto state = progress.load(walk.key);
            if (!state) {
                return std::unexpected(state.error().message);
            }
            walk.walk.date = yyyymmdd_text;
            walk.walk.state = request.refresh ? ListingState{} : *state;
            already_walked += walk.walk.state.done ? 1 : 0;
            walks.push_back(std::move(walk));
            return {};
        };
        for (const auto& text : request.sections) {
            auto section = parsers::parse_section(text);
            ListingWalk listing;
            listing.form = section->sid2 ? WalkForm::latest : WalkForm::per_date;
            listing.section = *section;
            listing.endpoint_first = true;
            auto added = add(Walk{"section:" + text + ":" + yyyymmdd_text, day, iso_date(ymd) + " section " + text,
                                  std::move(listing), "section " + text});
            if (!added) {
                return std::unexpected(added.error());
            }
        }
        for (const auto& oid : request.presses) {
            ListingWalk listing;
            listing.press = oid;
            auto added = add(Walk{"press:" + oid + ":" + yyyymmdd_text, day, iso_date(ymd) + " press " + oid,
                                  std::move(listing), "press " + oid});
            if (!added) {
                return std::unexpected(added.error());
            }
        }
    }
    return walks;
}

} // namespace

int run_backfill(const Config& config, const BackfillRequest& request, std::ostream& out, const std::atomic<bool>* stop)
{
    auto stores = open_stores(config);
    if (!stores) {
        return fail(stores.error());
    }
    auto progress = ListingProgress::open(config.ledger_path());
    if (!progress) {
        return fail(k_exit_io, progress.error().message);
    }
    auto& loop_frontier = stores->loop_frontier;
    if (!request.dry_run) {
        if (auto retried = loop_frontier.retry_now(k_source, wall_now()); retried && *retried > 0) {
            spdlog::info("retrying {} articles that failed in earlier backfills", *retried);
        }
    }
    size_t already_walked = 0;
    auto walks = plan_walks(request, *progress, already_walked);
    if (!walks) {
        return fail(k_exit_io, walks.error());
    }
    auto days =
        static_cast<size_t>((std::chrono::sys_days{request.to} - std::chrono::sys_days{request.from}).count() + 1);
    BackfillProgress meter(days, walks->size(), already_walked, iso_date(request.from));

    std::mutex failures_mutex;
    std::vector<ArticleReport> failures;
    ArticlePipeline pipeline(stores->archive, stores->ledger, stores->keeper());
    std::optional<ArticleWorker> worker;
    if (!request.dry_run) {
        worker.emplace(
            pipeline, stores->worker_frontier, std::vector<std::chrono::seconds>{}, FrontierRetryPolicy{},
            [&](const ArticleReport& report) {
                meter.article(report.outcome);
                if (report.outcome == Outcome::failed) {
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(report);
                }
            },
            static_cast<unsigned>(config.workers));
    }
    BackfillFeed feed(request, std::move(*walks), loop_frontier, *progress, worker ? &*worker : nullptr,
                      *stores->politeness, meter, out, stop);
    Fetcher fetcher(fetch_options(config), *stores->politeness);
    fetcher.run(feed);
    std::optional<std::string> storage_failure;
    if (worker) {
        worker->finish();
        storage_failure = worker->storage_failure();
    }
    meter.finish();

    for (const auto& failure : failures) {
        out << "failed\t" << failure.id << '\t' << failure.reason << '\n';
    }
    auto paused = stores->politeness->paused(wall_now());
    bool interrupted = stop != nullptr && stop->load();
    bool complete = feed.walked_everything() && !interrupted && paused.empty() && !feed.limit_reached();
    // A listing that failed or stopped at the page limit resumes on the next run: not complete.
    out << meter.summary(request.dry_run, complete && feed.listing_failures() == 0) << std::endl;
    if (storage_failure || feed.storage_failed()) {
        return fail(k_exit_io, "archive or ledger not writable" + (storage_failure ? ": " + *storage_failure : ""));
    }
    if (!complete) {
        for (const auto& host : paused) {
            spdlog::warn("{} is paused until {} ({}): run again later", host.host, kst_iso(host.until), host.reason);
        }
        return k_exit_tempfail;
    }
    return failures.empty() && feed.listing_failures() == 0 ? k_exit_ok : k_exit_some_failed;
}

} // namespace sillok::daemon
