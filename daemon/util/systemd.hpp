#pragma once
// The service manager's notification protocol (sd_notify): READY, STATUS, WATCHDOG,
// RELOADING, STOPPING. Without NOTIFY_SOCKET every call does nothing.
#include <chrono>
#include <string_view>

namespace sillok::daemon {

class Notifier {
public:
    Notifier();
    void ready();
    void reloading();
    void stopping();
    void status(std::string_view text);
    // Sends WATCHDOG=1 when half the watchdog interval has passed since the last one.
    void keep_alive();

private:
    void send(std::string_view message);
    std::chrono::steady_clock::duration m_watchdog_every{};
    std::chrono::steady_clock::time_point m_last_watchdog{};
};

} // namespace sillok::daemon
