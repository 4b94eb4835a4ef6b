#pragma once
// sillok run: the long-running service. Discovery polls the configured listings and
// queues new articles in the frontier; the network loop fetches listings and frontier
// items within the politeness budget; the worker archives articles and schedules
// edit-capture revisits.
#include "daemon/config/config.hpp"

#include <atomic>
#include <expected>
#include <functional>
#include <string>

namespace sillok::daemon {

struct ServiceSignals {
    const std::atomic<bool>* stop = nullptr; // SIGTERM/SIGINT: drain and exit 0
    std::atomic<bool>* reload = nullptr;     // SIGHUP: reload the configuration
};

using ConfigLoader = std::function<Result<Config>()>;

// Returns the exit code: 0 after a requested stop, 74 when the archive or ledger fails.
int run_service(const Config& config, const ConfigLoader& reload, ServiceSignals signals);

} // namespace sillok::daemon
