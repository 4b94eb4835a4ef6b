#pragma once
// Korea Standard Time (UTC+09:00, no daylight saving): every time sillok writes is KST.
#include <chrono>
#include <string>
#include <string_view>

namespace sillok::daemon {

using WallClock = std::chrono::system_clock;

// "2026-01-01T09:00:00+09:00"
std::string kst_iso(WallClock::time_point at);
// "2026-01-01T09:00:00.123+09:00", for fetch records
std::string kst_iso_millis(WallClock::time_point at);

} // namespace sillok::daemon
