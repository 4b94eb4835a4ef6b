#include "parsers/calendar_time.hpp"

#include <charconv>
#include <cstddef>

namespace sillok::parsers {
namespace {

constexpr std::string_view shape_text(TimeShape shape)
{
    switch (shape) {
    case TimeShape::date:
        return "dddd-dd-dd";
    case TimeShape::minutes:
        return "dddd-dd-dd dd:dd";
    case TimeShape::seconds:
        return "dddd-dd-dd dd:dd:dd";
    }
    return "dddd-dd-dd dd:dd:dd";
}

// The number written by the digits at [at, at + size); the shape was checked, so these are
// ASCII digits only.
unsigned number(std::string_view text, std::size_t at, std::size_t size)
{
    unsigned value = 0;
    auto digits = text.substr(at, size);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc{} && end == digits.data() + digits.size() ? value : ~0U;
}

} // namespace

std::optional<std::chrono::sys_seconds> parse_calendar_time(std::string_view text, TimeShape shape)
{
    const auto wanted = shape_text(shape);
    if (text.size() != wanted.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        const bool digit = text[i] >= '0' && text[i] <= '9';
        if (wanted[i] == 'd' ? !digit : text[i] != wanted[i]) {
            return std::nullopt;
        }
    }
    const std::chrono::year_month_day day{std::chrono::year{static_cast<int>(number(text, 0, 4))},
                                          std::chrono::month{number(text, 5, 2)}, std::chrono::day{number(text, 8, 2)}};
    if (!day.ok() || day < k_first_day || day >= k_end_day) {
        return std::nullopt;
    }
    const unsigned hour = shape == TimeShape::date ? 0 : number(text, 11, 2);
    const unsigned minute = shape == TimeShape::date ? 0 : number(text, 14, 2);
    const unsigned second = shape == TimeShape::seconds ? number(text, 17, 2) : 0;
    if (hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    return std::chrono::sys_days{day} + std::chrono::hours{hour} + std::chrono::minutes{minute}
           + std::chrono::seconds{second};
}

std::string calendar_time_rule(TimeShape shape)
{
    const std::string_view form = shape == TimeShape::date      ? "date 'YYYY-MM-DD'"
                                  : shape == TimeShape::minutes ? "time 'YYYY-MM-DD HH:MM'"
                                                                : "time 'YYYY-MM-DD HH:MM:SS'";
    return "is not a real " + std::string(form) + " from 1990-01-01 to 2099-12-31";
}

} // namespace sillok::parsers
