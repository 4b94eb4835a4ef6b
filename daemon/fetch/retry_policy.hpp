#pragma once
// When a failed attempt is tried again: a pure decision from the attempt's outcome, the
// number of retries so far and the time. Backoff doubles per retry (with jitter, up to a
// maximum); a Retry-After asks for at least that wait and holds the whole host, and one
// longer than allowed ends the fetch as throttled.
#include "daemon/fetch/fetch_clock.hpp"
#include "daemon/fetch/fetch_types.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace sillok::daemon {

// A failed attempt as the retry policy sees it.
struct AttemptOutcome {
    FetchError error;
    bool retryable = false;
    long status = 0;                                 // of the answer; 0 when none came
    std::optional<std::chrono::seconds> retry_after; // as the server asked, parsed
};

struct RetryDecision {
    bool retry = false;
    SteadyClock::time_point retry_at{}; // when retry
    FetchError error;                   // the attempt's error, or the final one when not retried
    // Retry-After: how long the host is held (never longer than the longest wait honoured),
    // and whether the server asked for more than that.
    std::optional<std::chrono::seconds> hold;
    bool hold_shortened = false;
};

// A Retry-After value, delta-seconds ("120") or an HTTP-date, as a wait from now (zero
// for a date already past); nullopt when malformed.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, WallClock::time_point now);

class RetryPolicy {
public:
    RetryPolicy(const FetchOptions& options, std::uint32_t seed);

    // Decides about an attempt that failed; retries counts the retries made before it.
    RetryDecision decide(const AttemptOutcome& outcome, int retries, SteadyClock::time_point now);
    // backoff_base doubled retry times, at most backoff_max, times a jitter in [0.5, 1].
    SteadyClock::duration backoff(int retry);

private:
    const FetchOptions& m_options;
    std::mt19937 m_random;
};

} // namespace sillok::daemon
