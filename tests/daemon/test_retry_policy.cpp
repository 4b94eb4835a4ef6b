#include "daemon/fetch/retry_policy.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace std::chrono_literals;
using sillok::daemon::AttemptOutcome;
using sillok::daemon::FetchError;
using sillok::daemon::FetchErrorKind;
using sillok::daemon::FetchOptions;
using sillok::daemon::parse_retry_after;
using sillok::daemon::RetryPolicy;
using sillok::daemon::SteadyClock;
using sillok::daemon::WallClock;

namespace {

// 2015-10-21 07:28:00 UTC, the date of RFC 9110's Retry-After example.
const WallClock::time_point k_example_date = std::chrono::sys_days{std::chrono::year{2015} / 10 / 21} + 7h + 28min;
const SteadyClock::time_point k_steady_now{std::chrono::hours(1000)};

FetchOptions retry_options()
{
    FetchOptions options;
    options.max_retries = 4;
    options.backoff_base = 1s;
    options.backoff_max = 60s;
    options.max_retry_after = 600s;
    return options;
}

AttemptOutcome failed_with(long status, std::optional<std::chrono::seconds> retry_after = std::nullopt)
{
    return AttemptOutcome{FetchError{FetchErrorKind::http_status, "HTTP " + std::to_string(status)}, true, status,
                          retry_after};
}

} // namespace

TEST_CASE("daemon::parse_retry_after reads delta-seconds and HTTP-dates")
{
    auto now = k_example_date - 90s;
    CHECK(parse_retry_after("120", now) == 120s);
    CHECK(parse_retry_after(" 0 ", now) == 0s);
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 90s);
    // RFC 850 and asctime forms, which recipients must accept too.
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now) == 90s);
    CHECK(parse_retry_after("Wed Oct 21 07:28:00 2015", now) == 90s);
    // A date already past asks for no wait.
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", k_example_date + 1h) == 0s);
    // Too many seconds to count is still a very long wait, not none.
    auto huge = parse_retry_after("99999999999999999999999", now);
    REQUIRE(huge);
    CHECK(*huge > std::chrono::hours(24 * 365));
    CHECK_FALSE(parse_retry_after("", now));
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("-5", now));
}

TEST_CASE("daemon::RetryPolicy backs off by doubling, with jitter between half and all of it, up to the maximum")
{
    auto options = retry_options();
    RetryPolicy policy(options, 7);
    for (int retry = 0; retry <= 8; ++retry) {
        auto full = std::min<SteadyClock::duration>(std::chrono::seconds(1 << retry), 60s);
        SteadyClock::duration least = SteadyClock::duration::max();
        SteadyClock::duration most = SteadyClock::duration::zero();
        for (int draw = 0; draw < 200; ++draw) {
            auto wait = policy.backoff(retry);
            least = std::min(least, wait);
            most = std::max(most, wait);
        }
        CAPTURE(retry);
        CHECK(least >= full / 2);
        CHECK(most <= full);
        // The jitter spreads the waits over the range rather than repeating one.
        CHECK(least < full * 6 / 10);
        CHECK(most > full * 9 / 10);
    }
}

TEST_CASE("daemon::RetryPolicy retries a retryable failure until the retries are spent")
{
    auto options = retry_options();
    RetryPolicy policy(options, 1);

    SUBCASE("a retry waits the backoff of its number")
    {
        auto decision = policy.decide(failed_with(503), 2, k_steady_now);
        CHECK(decision.retry);
        CHECK(decision.retry_at >= k_steady_now + 2s);
        CHECK(decision.retry_at <= k_steady_now + 4s);
        CHECK_FALSE(decision.hold);
        CHECK(decision.error.kind == FetchErrorKind::http_status);
    }
    SUBCASE("the last attempt's failure is final and says how many were made")
    {
        auto decision = policy.decide(failed_with(503), 4, k_steady_now);
        CHECK_FALSE(decision.retry);
        CHECK(decision.error.kind == FetchErrorKind::http_status);
        CHECK(decision.error.message == "HTTP 503 (after 5 attempts)");
    }
    SUBCASE("429 to the end is throttled")
    {
        auto decision = policy.decide(failed_with(429), 4, k_steady_now);
        CHECK_FALSE(decision.retry);
        CHECK(decision.error.kind == FetchErrorKind::throttled);
    }
    SUBCASE("a failure that is not retryable is never retried")
    {
        AttemptOutcome outcome{FetchError{FetchErrorKind::tls, "certificate"}, false, 0, std::nullopt};
        auto decision = policy.decide(outcome, 0, k_steady_now);
        CHECK_FALSE(decision.retry);
        CHECK(decision.error.kind == FetchErrorKind::tls);
        CHECK(decision.error.message == "certificate");
    }
}

TEST_CASE("daemon::RetryPolicy honours Retry-After up to max_retry_after, then gives up as throttled")
{
    auto options = retry_options();
    RetryPolicy policy(options, 3);

    SUBCASE("a short Retry-After outweighs a shorter backoff and holds the host as long")
    {
        auto decision = policy.decide(failed_with(429, 120s), 0, k_steady_now);
        CHECK(decision.retry);
        CHECK(decision.retry_at == k_steady_now + 120s);
        REQUIRE(decision.hold);
        CHECK(*decision.hold == 120s);
        CHECK_FALSE(decision.hold_shortened);
    }
    SUBCASE("a backoff longer than Retry-After is kept")
    {
        auto decision = policy.decide(failed_with(503, 1s), 5 - 2, k_steady_now);
        CHECK(decision.retry);
        CHECK(decision.retry_at >= k_steady_now + 4s);
    }
    SUBCASE("longer than max_retry_after: throttled, the host held for at most the longest hold")
    {
        auto decision = policy.decide(failed_with(429, 900s), 0, k_steady_now);
        CHECK_FALSE(decision.retry);
        CHECK(decision.error.kind == FetchErrorKind::throttled);
        CHECK(decision.error.message == "HTTP 429 with Retry-After 900 s");
        REQUIRE(decision.hold);
        CHECK(*decision.hold == 600s);
        CHECK(decision.hold_shortened);
    }
    SUBCASE("an HTTP-date Retry-After counts from the wall clock")
    {
        auto wait = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", k_example_date - 45s);
        auto decision = policy.decide(failed_with(503, wait), 0, k_steady_now);
        CHECK(decision.retry);
        CHECK(decision.retry_at == k_steady_now + 45s);
    }
    SUBCASE("a smaller max_retry_after throttles sooner")
    {
        options.max_retry_after = 60s;
        auto decision = policy.decide(failed_with(503, 61s), 0, k_steady_now);
        CHECK_FALSE(decision.retry);
        CHECK(decision.error.kind == FetchErrorKind::throttled);
        REQUIRE(decision.hold);
        CHECK(*decision.hold == 60s);
    }
}
