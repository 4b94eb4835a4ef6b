#include "daemon/config/stores.hpp"

#include "parsers/text.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace sillok::daemon {

namespace {

Error storage_error(const IoError& error) { return Error{kind_of_errno(error.error_number), error.message}; }
Error storage_error(const LedgerError& error) { return Error{kind_of_sqlite(error.sqlite_code), error.message}; }

} // namespace

Result<Stores> open_stores(const Config& config)
{
    std::error_code ec;
    const bool is_new = !std::filesystem::exists(config.archive, ec);
    auto archive = Archive::open(config.archive);
    if (!archive) {
        return std::unexpected(storage_error(archive.error()));
    }
    if (is_new) {
        spdlog::info("created a new archive at {}", parsers::quoted_for_message(config.archive.string()));
    }
    auto ledger = Ledger::open(config.ledger_path());
    if (!ledger) {
        return std::unexpected(storage_error(ledger.error()));
    }
    auto loop_frontier = Frontier::open(config.ledger_path());
    auto worker_frontier = Frontier::open(config.ledger_path());
    if (!loop_frontier || !worker_frontier) {
        return std::unexpected(storage_error(!loop_frontier ? loop_frontier.error() : worker_frontier.error()));
    }
    std::string error;
    auto politeness = Politeness::shared(config.ledger_path(), politeness_options(config), &error);
    if (!politeness) {
        return std::unexpected(Error{ErrorKind::storage, error});
    }
    auto recovered = loop_frontier->recover();
    if (!recovered) {
        return std::unexpected(storage_error(recovered.error()));
    }
    if (*recovered > 0) {
        spdlog::info("returned {} items left in flight by a stopped process to the queue", *recovered);
    }
    auto recovered_warc = recover_warc_files(config.archive);
    if (!recovered_warc) {
        return std::unexpected(storage_error(recovered_warc.error()));
    }
    auto warc = config.warc == WarcMode::off
                    ? nullptr
                    : std::make_unique<WarcWriter>(config.archive, static_cast<uint64_t>(config.warc_max_bytes));
    return Stores{std::move(*archive),
                  std::move(*ledger),
                  std::move(*loop_frontier),
                  std::move(*worker_frontier),
                  std::move(politeness),
                  std::move(warc),
                  config.warc};
}

// A reading command on a folder that holds no ledger: a mistyped --archive, not an archive.
Result<> require_archive(const Config& config)
{
    std::error_code ec;
    if (std::filesystem::is_regular_file(config.ledger_path(), ec)) {
        return {};
    }
    const auto shown = "'" + parsers::quoted_for_message(config.archive.string()) + "'";
    const std::string hint = " (give --archive DIR, or set SILLOK_ARCHIVE)";
    if (!std::filesystem::exists(config.archive, ec)) {
        return std::unexpected(
            Error{ErrorKind::storage, "there is no archive at " + shown + ": no such folder" + hint});
    }
    return std::unexpected(Error{ErrorKind::storage, shown + " is not a sillok archive: it holds no ledger ("
                                                         + parsers::quoted_for_message(config.ledger_path().string())
                                                         + ")" + hint});
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
