// parse_calendar_time: the one reader of times from outside. Values that a loose sscanf
// took (a sign, white space in a digit place, a short year) and dates that are not on the
// calendar or outside 1990..2099 are refused; the accepted values' time points are written
// out by hand.
#include "parsers/calendar_time.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string_view>

using namespace sillok::parsers;
using namespace std::chrono;

TEST_CASE("parsers::parse_calendar_time accepts real times in each shape")
{
    CHECK(parse_calendar_time("2024-05-30 11:40:08", TimeShape::seconds)
          == sys_days{2024y / May / 30} + 11h + 40min + 8s);
    CHECK(parse_calendar_time("2024-05-30 11:40", TimeShape::minutes) == sys_days{2024y / May / 30} + 11h + 40min);
    CHECK(parse_calendar_time("2024-05-30", TimeShape::date) == sys_days{2024y / May / 30});
    CHECK(parse_calendar_time("2024-02-29 23:59:59", TimeShape::seconds)
          == sys_days{2024y / February / 29} + 23h + 59min + 59s);
    SUBCASE("the range's ends")
    {
        CHECK(parse_calendar_time("1990-01-01 00:00:00", TimeShape::seconds) == sys_days{1990y / January / 1});
        CHECK(parse_calendar_time("2099-12-31 23:59", TimeShape::minutes)
              == sys_days{2099y / December / 31} + 23h + 59min);
    }
}

TEST_CASE("parsers::parse_calendar_time refuses what is not strictly a real time in range")
{
    for (std::string_view bad :
         {" 2024-5-30 00:00",    "2024-05- 5 00:00", "+024-05-30 00:00",  "-024-05-30 00:00", "\t026-01-02 00:00",
          "2025-12-\n8 00:00",   "2024-05-30  1:00", "2024-05-30 0x:00",  "2024-05-3000:00",  "2024/05/30 00:00",
          "2024-02-30 00:00",    "2023-02-29 00:00", "2024-04-31 00:00",  "2024-13-01 00:00", "2024-00-10 00:00",
          "2024-05-00 00:00",    "2024-05-30 24:00", "2024-05-30 23:60",  "0000-01-01 00:00", "1989-12-31 23:59",
          "2100-01-01 00:00",    "9999-12-31 23:59", "2024-05-30 11:40 ", "2024-05-30 11:4",  "",
          "２０２４-05-30 00:00"}) {
        INFO("value: '" << bad << "'");
        CHECK_FALSE(parse_calendar_time(bad, TimeShape::minutes).has_value());
    }
    CHECK_FALSE(parse_calendar_time("2024-02-31 12:00:00", TimeShape::seconds).has_value());
    CHECK_FALSE(parse_calendar_time("2024-05-30 11:40:60", TimeShape::seconds).has_value());
    CHECK_FALSE(parse_calendar_time("2024-05-30 11:40", TimeShape::seconds).has_value());
    CHECK_FALSE(parse_calendar_time("0000-01-01", TimeShape::date).has_value());
    CHECK_FALSE(parse_calendar_time("2024-05-30 00:00", TimeShape::date).has_value());
    CHECK(calendar_time_rule(TimeShape::seconds)
          == "is not a real time 'YYYY-MM-DD HH:MM:SS' from 1990-01-01 to 2099-12-31");
}
