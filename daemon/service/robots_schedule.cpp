#include "daemon/service/robots_schedule.hpp"

#include "daemon/util/kst.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/listing_urls.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sillok::daemon {
namespace {

constexpr auto k_check_every = std::chrono::hours(1);

} // namespace

void RobotsSchedule::tick()
{
    if (std::chrono::steady_clock::now() < m_next_check) {
        return;
    }
    m_next_check = std::chrono::steady_clock::now() + k_check_every;
    for (auto name : {parsers::k_listing_host, parsers::k_article_host}) {
        auto host = std::string(name);
        auto due = m_robots.due(host, wall_now());
        if (!due) {
            spdlog::error("{}", due.error().message);
        } else if (*due) {
            m_due.push_back(std::move(host));
        }
    }
}

std::optional<std::string> RobotsSchedule::next_due()
{
    if (m_due.empty()) {
        return std::nullopt;
    }
    auto host = std::move(m_due.front());
    m_due.pop_front();
    return host;
}

void RobotsSchedule::fetched(const std::string& host, const FetchResult& result)
{
    if (result.error && result.error->kind == FetchErrorKind::interrupted) {
        return;
    }
    const auto agent = m_config.user_agent.empty() ? default_user_agent() : m_config.user_agent;
    auto rules = m_robots.record(host, result.status, result.error ? std::string() : result.body, product_token(agent),
                                 wall_now(), result.error && result.error->kind == FetchErrorKind::too_large);
    if (!rules) {
        spdlog::error("{}", rules.error().message);
        return;
    }
    if (result.status >= 400 && result.status <= 499) {
        // RFC 9309 2.3.1.3: an unavailable robots.txt is no rules, not a failure.
        spdlog::info("robots.txt of {}: HTTP {}: no robots.txt, so no rules (RFC 9309)", host, result.status);
        return;
    }
    auto text = *rules;
    std::ranges::replace(text, '\n', ';');
    // The error's own message, unless it only repeats the status.
    const bool says_more = result.error && result.error->kind != FetchErrorKind::http_status;
    spdlog::info("robots.txt of {}: HTTP {}{}; asks of sillok: {}", host, result.status,
                 says_more ? " (" + result.error->message + ")" : "", text.empty() ? "nothing" : text);
}

} // namespace sillok::daemon
