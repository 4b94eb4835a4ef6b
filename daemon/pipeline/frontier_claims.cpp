#include "daemon/pipeline/frontier_claims.hpp"

#include "daemon/util/kst.hpp"
#include "parsers/article_ref.hpp"

#include <spdlog/spdlog.h>

namespace sillok::daemon {
namespace {

constexpr auto k_idle_claim_pause = std::chrono::seconds(1);

} // namespace

std::vector<FetchRequest> FrontierClaims::take(size_t room, uint64_t& next_tag)
{
    std::vector<FetchRequest> requests;
    if (room == 0 || m_worker.backlog() >= m_options.max_backlog || Steady::now() < m_claim_after) {
        return requests;
    }
    auto now = wall_now();
    if (m_politeness.available_at(std::string(parsers::k_article_host), now) > now + k_long_wait) {
        m_claim_after = Steady::now() + k_idle_claim_pause;
        return requests;
    }
    auto claimed = m_frontier.claim(room, now, m_options.source);
    if (!claimed) {
        spdlog::error("cannot claim work from the frontier: {}", claimed.error().message);
    }
    m_found_nothing = claimed && claimed->empty();
    m_claim_failed = !claimed;
    if (!claimed || claimed->empty()) {
        m_claim_after = Steady::now() + k_idle_claim_pause;
        return requests;
    }
    for (auto& item : *claimed) {
        auto tag = next_tag++;
        requests.push_back(FetchRequest{item.ref.canonical_url(), tag});
        m_claimed.emplace(tag, std::move(item));
    }
    return requests;
}

void FrontierClaims::done(FetchResult&& result)
{
    auto node = m_claimed.extract(result.tag);
    m_worker.push(std::move(node.mapped()), std::move(result));
}

} // namespace sillok::daemon
