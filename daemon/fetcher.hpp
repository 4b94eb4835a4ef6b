#pragma once
// The fetcher owns all network behaviour: HTTPS with verification, redirects only to
// Naver News hosts, compression, timeouts, a body cap, retries with backoff and jitter,
// Retry-After, and one politeness budget per host (rate and concurrency).
#include "daemon/kst.hpp"
#include "daemon/ledger.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

using namespace std::chrono_literals;

std::string default_user_agent();

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
    double rate = 1.0;   // request starts per second per host; 0 = unlimited
    int concurrency = 2; // requests in flight per host
};

enum class FetchErrorKind {
    timeout,
    connect,
    tls,
    http_status,       // a status that is neither 2xx nor a followed redirect
    too_large,
    off_site_redirect, // redirect_target holds where it pointed
    too_many_redirects,
    throttled,         // Retry-After longer than allowed, or retries exhausted on 429
    network,           // reset, truncated, bad encoding, ...
    interrupted,
};
std::string_view to_string(FetchErrorKind kind);

struct FetchError {
    FetchErrorKind kind;
    std::string message;
};

struct FetchResult {
    std::string url;       // as requested
    std::string final_url; // after redirects
    long status = 0;       // of the last response, 0 when none
    std::string body;
    std::string content_type;
    std::string redirect_target; // for off_site_redirect
    std::vector<FetchRecord> attempts;
    std::optional<FetchError> error;
    WallClock::time_point fetched_at{}; // start of the last attempt
};

class Fetcher {
public:
    explicit Fetcher(FetchOptions options);
    ~Fetcher();
    Fetcher(const Fetcher&) = delete;
    Fetcher& operator=(const Fetcher&) = delete;

    // Fetches every URL within the politeness limits; on_done runs on the calling thread
    // as each finishes (in completion order). Once should_stop returns true, no new
    // request starts; those not started finish with an interrupted error.
    void fetch_all(const std::vector<std::string>& urls,
                   const std::function<void(FetchResult&&)>& on_done,
                   const std::function<bool()>& should_stop = [] { return false; });

    [[nodiscard]] const FetchOptions& options() const { return m_options; }

private:
    FetchOptions m_options;
};

} // namespace sillok::daemon
