#pragma once
// Exit codes are a contract with scripts, cron and systemd. An error's code follows from its
// kind (error.hpp's exit_code); these are the numbers.
#include "daemon/util/error.hpp"

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

// Ends a command on an error: its message, and the code of its kind.
inline int fail(const Error& error) { return fail(exit_code(error.kind), error.message); }

} // namespace sillok::daemon
