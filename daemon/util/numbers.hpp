#pragma once
// The one way sillok reads numbers and durations from text: the whole text or nothing, no
// white space, no sign where none is allowed, no overflow (std::from_chars underneath).
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <system_error>

namespace sillok::daemon {

template <typename T>
std::optional<T> parse_number(std::string_view text, int base = 10)
{
    T value{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

// "90" or "90s" (seconds), "15m", "6h", "2d": a whole number and one unit; nullopt otherwise.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

} // namespace sillok::daemon
