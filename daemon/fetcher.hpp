#pragma once
// The fetcher owns all network behaviour: HTTPS with verification, redirects only to
// Naver News hosts, compression, timeouts, a body cap, retries with backoff and jitter,
// Retry-After, and one politeness budget per host (rate and concurrency).
#include "daemon/fetch_clock.hpp"
#include "daemon/kst.hpp"
#include "daemon/ledger.hpp"
#include "daemon/politeness.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

using namespace std::chrono_literals;

std::string default_user_agent();

// A host whose next request could start no sooner than this is not worth queuing for.
inline constexpr auto k_long_wait = std::chrono::seconds(30);

struct FetchOptions {
    std::string user_agent = default_user_agent();
    std::vector<std::string> connect_to; // curl's HOST:PORT:ADDR:PORT
    std::string cacert;                  // CA bundle file; empty: the system's
    std::chrono::milliseconds connect_timeout = 10s;
    std::chrono::milliseconds total_timeout = 60s;
    long low_speed_bytes_per_second = 100; // slower than this for low_speed_time aborts
    std::chrono::seconds low_speed_time = 20s;
    size_t max_body_bytes = size_t{20} << 20;
    int max_retries = 4;
    std::chrono::milliseconds backoff_base = 1s; // doubled per retry, with jitter
    std::chrono::milliseconds backoff_max = 60s;
    std::chrono::seconds max_retry_after = 600s; // a longer Retry-After fails as throttled
    int max_redirects = 5;
    int concurrency = 2; // requests in flight per host (the rate lives in Politeness)
};

enum class FetchErrorKind {
    timeout,
    connect,
    tls,
    http_status,       // a status that is neither 2xx nor a followed redirect
    too_large,
    off_site_redirect, // redirect_target holds where it pointed
    too_many_redirects,
    insecure_redirect, // a redirect to a URL that is not HTTPS
    redirect_loop,     // a redirect to the URL itself or to an earlier hop
    throttled,         // Retry-After longer than allowed, or retries exhausted on 429
    network,           // reset, truncated, bad encoding, ...
    interrupted,
};
std::string_view to_string(FetchErrorKind kind);

struct FetchError {
    FetchErrorKind kind;
    std::string message;
};

struct FetchRequest {
    std::string url;
    uint64_t tag = 0;     // the caller's, handed back in the result
    std::string referer = {}; // sent as Referer when not empty (the listing endpoint expects one)
};

struct FetchResult {
    uint64_t tag = 0;
    std::string url;       // as requested
    std::string final_url; // after redirects
    long status = 0;       // of the last response, 0 when none
    std::string body;
    std::string content_type;
    std::string redirect_target; // for off_site_redirect
    std::vector<FetchRecord> attempts;
    std::optional<FetchError> error;
    WallClock::time_point fetched_at{}; // start of the last attempt
    // The last exchange as it went over the wire, for WARC records: empty when no answer came.
    std::string request_head;  // request line and headers as sent
    std::string response_head; // status line and headers as received (the body is decoded)
    std::string peer_ip;
};

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
