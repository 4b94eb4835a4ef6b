#pragma once
// What a request is and what comes back: the vocabulary of the fetcher, its transfers and
// its retry policy, without the network loop itself.
#include "daemon/fetch/fetch_clock.hpp"
#include "daemon/ledger/fetch_record.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
    http_status, // a status that is neither 2xx nor a followed redirect
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
    uint64_t tag = 0;         // the caller's, handed back in the result
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

} // namespace sillok::daemon
