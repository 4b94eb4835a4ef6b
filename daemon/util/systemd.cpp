#include "daemon/util/systemd.hpp"

#include <systemd/sd-daemon.h>

#include <chrono>
#include <string>

namespace sillok::daemon {

Notifier::Notifier()
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        m_watchdog_every =
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::microseconds(usec / 2));
    }
}

void Notifier::send(std::string_view message)
{
    std::string text(message);
    sd_notify(0, text.c_str());
}

void Notifier::ready() { send("READY=1\nSTATUS=running"); }

void Notifier::reloading()
{
    auto now =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch());
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(now.count()));
}

void Notifier::stopping() { send("STOPPING=1\nSTATUS=stopping: finishing requests in flight"); }

void Notifier::status(std::string_view text) { send("STATUS=" + std::string(text)); }

void Notifier::keep_alive()
{
    if (m_watchdog_every.count() == 0) {
        return;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - m_last_watchdog >= m_watchdog_every) {
        send("WATCHDOG=1");
        m_last_watchdog = now;
    }
}

} // namespace sillok::daemon
