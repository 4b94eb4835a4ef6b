#pragma once
// Exit codes are a contract with scripts, cron and systemd.
#include <iostream>
#include <string_view>

namespace sillok::daemon {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_some_failed = 1;
inline constexpr int k_exit_usage = 64;
inline constexpr int k_exit_io = 74;
inline constexpr int k_exit_tempfail = 75;
inline constexpr int k_exit_config = 78;

// Ends a command that cannot start or go on: one message format, one documented code.
inline int fail(int exit_code, std::string_view message)
{
    std::cerr << "sillok: error: " << message << '\n';
    return exit_code;
}

} // namespace sillok::daemon
