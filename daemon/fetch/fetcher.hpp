#pragma once
// The fetcher owns all network behaviour: HTTPS with verification, redirects only to
// Naver News hosts, compression, timeouts, a body cap, retries with backoff and jitter,
// Retry-After, and one politeness budget per host (rate and concurrency).
#include "daemon/fetch/fetch_types.hpp"
#include "daemon/fetch/politeness.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

// Where the network loop gets its work and leaves its results. Every call happens on
// the loop's thread.
class FetchFeed {
public:
    virtual ~FetchFeed() = default;
    // Called on every turn of the loop (at least every 200 ms), before take().
    virtual void tick() {}
    // Up to room new requests (room may be 0).
    virtual std::vector<FetchRequest> take(size_t room) = 0;
    virtual void done(FetchResult&& result) = 0;
    // True once take() will return nothing more: the loop ends when the last request is done.
    [[nodiscard]] virtual bool exhausted() const = 0;
    // True when the loop should wind down: nothing new starts, waiting requests end as
    // interrupted, requests in flight finish.
    [[nodiscard]] virtual bool stopping() const = 0;
    // When a host must wait long (a long Retry-After, a paused host): false keeps the
    // feed's waiting requests in the loop until then (a crawl waits); true hands them back
    // as interrupted, so a feed with its own queue keeps them there and the loop stays free
    // for other hosts.
    [[nodiscard]] virtual bool hands_back_held() const { return false; }
    // While the loop runs, wake (callable from any thread) ends its wait at once; empty when
    // the loop has ended. A feed whose take() held back for a reason of its own (a full
    // parsing pool) calls it once that has changed, rather than leave the loop idle until
    // its next turn.
    virtual void wake_with(std::function<void()> /*wake*/) {}
};

class Fetcher {
public:
    Fetcher(FetchOptions options, Politeness& politeness);
    // With other clocks than the system's (tests).
    Fetcher(FetchOptions options, Politeness& politeness, const FetchClock& clock);
    ~Fetcher();
    Fetcher(const Fetcher&) = delete;
    Fetcher& operator=(const Fetcher&) = delete;

    // Runs the network loop until the feed is exhausted (or stopping) and nothing is in flight.
    // Throws std::runtime_error when libcurl's multi interface fails (the loop cannot go on).
    void run(FetchFeed& feed);

    [[nodiscard]] const FetchOptions& options() const { return m_options; }

private:
    FetchOptions m_options;
    Politeness& m_politeness;
    const FetchClock& m_clock;
};

} // namespace sillok::daemon
