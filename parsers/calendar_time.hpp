#pragma once
// Calendar times read from outside (a page's data-date-time, an old file's published_at and
// crawled_at): one strict reader for all of them. A value is accepted only in exactly its
// shape (ASCII digits in every digit place, no sign, no white space, nothing before or after),
// as a real calendar time (2024-02-31 and 24:00 are refused) within k_first_day..k_end_day.
//
// The range: nothing Naver News serves is older than 1990, and a fixed bound (rather than
// "now plus a margin") keeps the parsers pure, so the same bytes give the same article on any
// day (reparse and verify rely on that). 2100 lies well past any real article yet far inside
// every representation sillok uses: four-digit folders YYYY/MM/DD and nanosecond clocks
// (which end in 2262).
// Pure: no I/O, no clock, no globals.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sillok::parsers {

// The first day accepted and the first day past the range.
inline constexpr std::chrono::year_month_day k_first_day{std::chrono::year{1990}, std::chrono::January,
                                                         std::chrono::day{1}};
inline constexpr std::chrono::year_month_day k_end_day{std::chrono::year{2100}, std::chrono::January,
                                                       std::chrono::day{1}};

enum class TimeShape {
    date,    // "YYYY-MM-DD"
    minutes, // "YYYY-MM-DD HH:MM"
    seconds, // "YYYY-MM-DD HH:MM:SS"
};

// The wall time the text states, as a time point in no particular zone (the caller knows
// which zone the source writes in); nullopt unless the text is exactly of that shape, a real
// calendar time, and within the range.
std::optional<std::chrono::sys_seconds> parse_calendar_time(std::string_view text, TimeShape shape);

// What a refusal of parse_calendar_time says about the value, e.g. "is not a real time
// 'YYYY-MM-DD HH:MM:SS' from 1990-01-01 to 2099-12-31".
std::string calendar_time_rule(TimeShape shape);

} // namespace sillok::parsers
