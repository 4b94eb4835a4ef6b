#include "daemon/stores.hpp"

#include <spdlog/spdlog.h>

namespace sillok::daemon {

std::expected<Stores, std::string> open_stores(const Config& config)
{
    auto archive = Archive::open(config.archive);
    if (!archive) {
        return std::unexpected(archive.error().message);
    }
    auto ledger = Ledger::open(config.ledger_path());
    if (!ledger) {
        return std::unexpected(ledger.error().message);
    }
    auto loop_frontier = Frontier::open(config.ledger_path());
    auto worker_frontier = Frontier::open(config.ledger_path());
    if (!loop_frontier || !worker_frontier) {
        return std::unexpected((!loop_frontier ? loop_frontier.error() : worker_frontier.error()).message);
    }
    std::string error;
    auto politeness = Politeness::shared(config.ledger_path(), politeness_options(config), &error);
    if (!politeness) {
        return std::unexpected(error);
    }
    auto recovered = loop_frontier->recover();
    if (!recovered) {
        return std::unexpected(recovered.error().message);
    }
    if (*recovered > 0) {
        spdlog::info("returned {} items left in flight by a stopped process to the queue", *recovered);
    }
    auto recovered_warc = recover_warc_files(config.archive);
    if (!recovered_warc) {
        return std::unexpected(recovered_warc.error().message);
    }
    auto mode = parse_warc_mode(config.warc).value_or(WarcMode::versions);
    auto warc = mode == WarcMode::off
        ? nullptr
        : std::make_unique<WarcWriter>(config.archive, static_cast<uint64_t>(config.warc_max_bytes));
    return Stores{std::move(*archive), std::move(*ledger), std::move(*loop_frontier), std::move(*worker_frontier),
                  std::move(politeness), std::move(warc), mode};
}

FetchOptions fetch_options(const Config& config)
{
    FetchOptions options;
    if (!config.user_agent.empty()) {
        options.user_agent = config.user_agent;
    }
    options.connect_to = config.connect_to;
    options.cacert = config.cacert;
    options.concurrency = config.concurrency;
    options.total_timeout = std::chrono::milliseconds(static_cast<int64_t>(config.timeout * 1000));
    options.connect_timeout = std::min(options.connect_timeout, options.total_timeout);
    options.low_speed_time =
        std::min(options.low_speed_time, std::chrono::ceil<std::chrono::seconds>(options.total_timeout));
    options.max_retries = config.retries;
    options.max_body_bytes = static_cast<size_t>(config.max_bytes);
    return options;
}

PolitenessOptions politeness_options(const Config& config)
{
    return PolitenessOptions{config.rate, config.pause_after, std::chrono::seconds(config.pause_seconds)};
}

} // namespace sillok::daemon
