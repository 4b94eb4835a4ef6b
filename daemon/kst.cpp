#include "daemon/kst.hpp"

#include <fmt/format.h>

namespace sillok::daemon {
namespace {

constexpr auto k_kst_offset = std::chrono::hours(9);

std::string format_kst(WallClock::time_point at, bool millis)
{
    auto local = std::chrono::floor<std::chrono::milliseconds>(at) + k_kst_offset;
    auto day = std::chrono::floor<std::chrono::days>(local);
    std::chrono::year_month_day ymd{day};
    std::chrono::hh_mm_ss hms{local - day};
    auto text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                            static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                            hms.hours().count(), hms.minutes().count(), hms.seconds().count());
    if (millis) {
        text += fmt::format(".{:03}", hms.subseconds().count());
    }
    return text + "+09:00";
}

} // namespace

std::string kst_iso(WallClock::time_point at) { return format_kst(at, false); }

std::string kst_iso_millis(WallClock::time_point at) { return format_kst(at, true); }

} // namespace sillok::daemon
