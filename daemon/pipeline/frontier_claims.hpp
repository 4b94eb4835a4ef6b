#pragma once
// The one claim loop of the commands that fetch from the frontier (`run`, `backfill`,
// `adopt --recrawl`): frontier items become requests when the worker has room and the
// article host is not held for long, and their responses go to the worker. Items wait in
// the frontier, never in the network loop.
#include "daemon/fetch/fetcher.hpp"
#include "daemon/fetch/politeness.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/pipeline/article_worker.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace sillok::daemon {

class FrontierClaims {
public:
    struct Options {
        std::optional<QueueSource> source; // claim only this source's items; none: all
        size_t max_backlog = 4;            // articles waiting in the worker before claims pause
    };

    FrontierClaims(Frontier& frontier, ArticleWorker& worker, Politeness& politeness, Options options)
        : m_frontier(frontier), m_worker(worker), m_politeness(politeness), m_options(options)
    {
    }

    // Up to room requests for claimed items, tagged from next_tag. None while the worker is
    // backlogged, the article host must wait longer than k_long_wait, or a pause after an
    // empty or failed claim runs (a second).
    std::vector<FetchRequest> take(size_t room, uint64_t& next_tag);
    // Whether a finished request is one of these claims; done() hands it to the worker.
    [[nodiscard]] bool owns(uint64_t tag) const { return m_claimed.contains(tag); }
    void done(FetchResult&& result);
    // New items were queued: the next take() claims at once.
    void wake()
    {
        m_claim_after = {};
        m_found_nothing = false;
    }
    // The last claim that ran found nothing ready (its source's queue is drained for now).
    [[nodiscard]] bool found_nothing() const { return m_found_nothing; }
    // The last claim that ran failed (the ledger could not be read; logged).
    [[nodiscard]] bool claim_failed() const { return m_claim_failed; }

private:
    using Steady = std::chrono::steady_clock;

    Frontier& m_frontier;
    ArticleWorker& m_worker;
    Politeness& m_politeness;
    Options m_options;
    std::map<uint64_t, FrontierItem> m_claimed;
    Steady::time_point m_claim_after{};
    bool m_found_nothing = false;
    bool m_claim_failed = false;
};

} // namespace sillok::daemon
