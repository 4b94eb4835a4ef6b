#include "daemon/fetch/retry_policy.hpp"

#include "daemon/fetch/politeness.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace sillok::daemon {
namespace {

// A delta-seconds too large to represent is as good as forever.
constexpr auto k_forever = std::chrono::seconds(std::numeric_limits<int32_t>::max());

std::string_view trimmed(std::string_view text)
{
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

} // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, WallClock::time_point now)
{
    value = trimmed(value);
    if (value.empty()) {
        return std::nullopt;
    }
    if (std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; })) {
        uint64_t seconds = 0;
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (error == std::errc::result_out_of_range || seconds > static_cast<uint64_t>(k_forever.count())) {
            return k_forever;
        }
        return std::chrono::seconds(static_cast<int64_t>(seconds));
    }
    // An HTTP-date, read by curl's date parser (RFC 1123 and its older forms).
    std::string text(value);
    time_t date = curl_getdate(text.c_str(), nullptr);
    if (date == -1) {
        return std::nullopt;
    }
    auto wait = std::chrono::duration_cast<std::chrono::seconds>(WallClock::from_time_t(date) - now);
    return std::max(wait, std::chrono::seconds(0));
}

RetryPolicy::RetryPolicy(const FetchOptions& options, std::uint32_t seed) : m_options(options), m_random(seed) {}

SteadyClock::duration RetryPolicy::backoff(int retry)
{
    using Millis = std::chrono::duration<double, std::milli>;
    auto base = Millis(m_options.backoff_base) * std::pow(2.0, retry);
    base = std::min(base, Millis(m_options.backoff_max));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return std::chrono::duration_cast<SteadyClock::duration>(base * jitter(m_random));
}

RetryDecision RetryPolicy::decide(const AttemptOutcome& outcome, int retries, SteadyClock::time_point now)
{
    RetryDecision decision{false, {}, outcome.error, std::nullopt, false};
    auto asked = outcome.retry_after.value_or(std::chrono::seconds(0));
    if (!outcome.retryable) {
        return decision;
    }
    if (asked.count() > 0) {
        // Retry-After speaks for the host, not only for this request; a hold never lasts
        // longer than the longest wait honoured, whatever the server asks.
        auto held =
            std::min<std::chrono::seconds>(asked, std::min(m_options.max_retry_after, Politeness::k_longest_hold));
        decision.hold = held;
        decision.hold_shortened = asked > held;
    }
    if (asked > m_options.max_retry_after) {
        decision.error = FetchError{FetchErrorKind::throttled, outcome.error.message + " with Retry-After "
                                                                   + std::to_string(asked.count()) + " s"};
        return decision;
    }
    if (retries >= m_options.max_retries) {
        if (outcome.status == 429) {
            decision.error.kind = FetchErrorKind::throttled;
        }
        decision.error.message += " (after " + std::to_string(retries + 1) + " attempts)";
        return decision;
    }
    decision.retry = true;
    decision.retry_at = now + std::max<SteadyClock::duration>(backoff(retries), asked);
    return decision;
}

} // namespace sillok::daemon
