#pragma once
// Korea Standard Time (UTC+09:00, no daylight saving): every time sillok writes is KST.
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sillok::daemon {

using WallClock = std::chrono::system_clock;

// The wall clock every part of sillok reads: the system's. In a build with test hooks
// (SILLOK_TEST_HOOKS, never the release build) it is shifted by SILLOK_TEST_CLOCK_OFFSET_S
// seconds when that is set (read once): the end-to-end tests use it to run the binary across
// a KST midnight. Anything else in that variable is ignored.
WallClock::time_point wall_now();

// "2026-01-01T09:00:00+09:00"
std::string kst_iso(WallClock::time_point at);
// "2026-01-01T09:00:00.123+09:00", for fetch records
std::string kst_iso_millis(WallClock::time_point at);

// "2024-05-30T11:40:08+09:00" (anything after the seconds is ignored) to a time point;
// nullopt when malformed.
std::optional<WallClock::time_point> parse_kst_iso(std::string_view text);

// A Korean calendar date: "YYYY-MM-DD", or "today", "yesterday", "today-N" (N days
// before today in KST). Pure calendar arithmetic: the host's time zone plays no part.
std::optional<std::chrono::year_month_day> parse_kst_date(std::string_view text, WallClock::time_point now);
std::chrono::year_month_day kst_today(WallClock::time_point now);
// "20240301", as Naver's listings take it.
std::string yyyymmdd(std::chrono::year_month_day date);
// "2024-03-01"
std::string iso_date(std::chrono::year_month_day date);

int64_t unix_ms(WallClock::time_point at);
WallClock::time_point from_unix_ms(int64_t ms);

// An option's date (--from, --to: YYYY-MM-DD, today, yesterday, today-N) as YYYY-MM-DD;
// empty text: no date. The message names the option and quotes the text, escaped.
std::expected<std::optional<std::string>, std::string> date_option(std::string_view text, std::string_view option,
                                                                   WallClock::time_point now);

} // namespace sillok::daemon
