#include "daemon/util/kst.hpp"

#include "daemon/util/numbers.hpp"
#include "parsers/text.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
                            static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                            hms.minutes().count(), hms.seconds().count());
    if (millis) {
        text += fmt::format(".{:03}", hms.subseconds().count());
    }
    return text + "+09:00";
}

#ifdef SILLOK_TEST_HOOKS
WallClock::duration test_clock_offset()
{
    const char* text = std::getenv("SILLOK_TEST_CLOCK_OFFSET_S");
    if (text == nullptr) {
        return {};
    }
    auto seconds = parse_number<int64_t>(text);
    if (!seconds) {
        return {};
    }
    return std::chrono::duration_cast<WallClock::duration>(std::chrono::seconds(*seconds));
}
#endif

} // namespace

WallClock::time_point wall_now()
{
#ifdef SILLOK_TEST_HOOKS
    static const WallClock::duration offset = test_clock_offset();
    return WallClock::now() + offset;
#else
    return WallClock::now();
#endif
}

std::string kst_iso(WallClock::time_point at) { return format_kst(at, false); }

std::string kst_iso_millis(WallClock::time_point at) { return format_kst(at, true); }

int64_t unix_ms(WallClock::time_point at)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

WallClock::time_point from_unix_ms(int64_t ms)
{
    return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(std::chrono::milliseconds(ms)));
}

std::optional<WallClock::time_point> parse_kst_iso(std::string_view text)
{
    // "YYYY-MM-DDThh:mm:ss", digits in their places; what follows (a fraction, the offset)
    // is sillok's own +09:00.
    if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    auto field = [&](size_t at, size_t length) { return parse_number<unsigned>(text.substr(at, length)); };
    auto year = field(0, 4);
    auto month = field(5, 2);
    auto day = field(8, 2);
    auto hour = field(11, 2);
    auto minute = field(14, 2);
    auto second = field(17, 2);
    if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(*year)}, std::chrono::month{*month},
                                    std::chrono::day{*day}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    auto local = std::chrono::sys_days{ymd} + std::chrono::hours(*hour) + std::chrono::minutes(*minute)
                 + std::chrono::seconds(*second);
    return WallClock::time_point(local - std::chrono::hours(9));
}

std::chrono::year_month_day kst_today(WallClock::time_point now)
{
    return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now + k_kst_offset)};
}

std::optional<std::chrono::year_month_day> parse_kst_date(std::string_view text, WallClock::time_point now)
{
    auto today = std::chrono::sys_days{kst_today(now)};
    if (text == "today") {
        return std::chrono::year_month_day{today};
    }
    if (text == "yesterday") {
        return std::chrono::year_month_day{today - std::chrono::days(1)};
    }
    if (text.starts_with("today-") && text.size() <= 10) {
        if (auto days = parse_number<unsigned>(text.substr(6))) {
            return std::chrono::year_month_day{today - std::chrono::days(*days)};
        }
        return std::nullopt;
    }
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    auto year = parse_number<unsigned>(text.substr(0, 4));
    auto month = parse_number<unsigned>(text.substr(5, 2));
    auto day = parse_number<unsigned>(text.substr(8, 2));
    if (!year || !month || !day) {
        return std::nullopt;
    }
    std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*year)}, std::chrono::month{*month},
                                     std::chrono::day{*day}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return date;
}

std::string yyyymmdd(std::chrono::year_month_day date)
{
    return fmt::format("{:04}{:02}{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                       static_cast<unsigned>(date.day()));
}

std::string iso_date(std::chrono::year_month_day date)
{
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                       static_cast<unsigned>(date.day()));
}

std::expected<std::optional<std::string>, std::string> date_option(std::string_view text, std::string_view option,
                                                                   WallClock::time_point now)
{
    if (text.empty()) {
        return std::optional<std::string>{};
    }
    auto date = parse_kst_date(text, now);
    if (!date) {
        return std::unexpected(fmt::format("{} '{}' is not a date: YYYY-MM-DD (KST), today, yesterday or today-N",
                                           option, parsers::quoted_for_message(text)));
    }
    return std::optional(iso_date(*date));
}

} // namespace sillok::daemon
