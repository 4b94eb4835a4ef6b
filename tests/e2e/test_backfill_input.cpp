// `sillok backfill`'s arguments: bad ones end it with exit 64 (an archive it cannot write, 74)
// before any request; dates are Korean calendar dates whatever the machine's time zone.
#include "tests/e2e/backfill_stand_in.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <set>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

constexpr int k_exit_usage = 64;
constexpr int k_exit_io = 74;
constexpr auto k_process_timeout = 60s;

// The Korean date `days` after today, as YYYY-MM-DD.
std::string kst_date(int days)
{
    auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(9));
    std::chrono::year_month_day date{today + std::chrono::days(days)};
    std::array<char, 16> text{};
    std::snprintf(text.data(), text.size(), "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return text.data();
}

std::string without_dashes(std::string date)
{
    std::erase(date, '-');
    return date;
}

struct BadInput {
    std::vector<std::string> args;
    std::string mentioned; // what stderr names
};

// The date= values of the listing requests, in arrival order.
std::vector<std::string> requested_dates(const std::vector<SeenRequest>& requests)
{
    std::vector<std::string> dates;
    for (const auto& request : requests) {
        if (is_listing_request(request)) {
            auto key = listing_key_of(request);
            dates.push_back(key.substr(key.rfind(':') + 1));
        }
    }
    return dates;
}

// Runs the backfill in the background with TZ set; returns its listing requests.
std::vector<SeenRequest> backfill_in_zone(NaverStandIn& server, const fs::path& dir, const std::string& zone,
                                          const std::vector<std::string>& args)
{
    const auto first = server.requests().size();
    ServiceProcess process(backfill_args(server, dir / "archive", args), dir, {{"TZ", zone}});
    INFO("TZ=" << zone << " log:\n" << process.log());
    CHECK(process.wait(k_process_timeout) == 0);
    return requests_since(server, first);
}

} // namespace

TEST_CASE("e2e::backfill refuses bad arguments with exit 64 before any request")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> march{"--from", "2024-03-01", "--to", "2024-03-02"};
    auto in_march = [&](std::vector<std::string> more) {
        more.insert(more.begin(), march.begin(), march.end());
        return more;
    };
    const std::vector<BadInput> inputs{
        {{"--from", "2024-03-02", "--to", "2024-03-01"}, "after"},
        {{"--from", "2024-02-30", "--to", "2024-03-01"}, "2024-02-30"},
        {{"--from", "2024-03-01", "--to", "2024/03/02"}, "2024/03/02"},
        {{"--from", "2024-3-1", "--to", "2024-03-02"}, "2024-3-1"},
        {{"--from", "tomorrow", "--to", "2024-03-02"}, "tomorrow"},
        {{"--from", "2024-03-01", "--to", kst_date(1)}, "future"},
        {in_march({"--section", "099"}), "099"},
        {in_march({"--section", "106"}), "106"},
        {in_march({"--section", "101/2"}), "101/2"},
        {in_march({"--press", "15"}), "15"},
        {in_march({"--press", "0150"}), "0150"},
        {in_march({"--press", "o15"}), "o15"},
        {in_march({"--limit", "0"}), "limit"},
        {{"--from", "2024-03-01"}, "--to"},
    };
    for (const auto& input : inputs) {
        auto run = backfill(server, archive, input.args);
        CAPTURE(run.result.err);
        CHECK(run.result.exit_code == k_exit_usage);
        CHECK(run.result.out.empty());
        CHECK_MESSAGE(run.result.err.contains(input.mentioned), "stderr does not name " << input.mentioned);
        // A short message, not a dump of the option's internals.
        CHECK(run.result.err.size() < 200);
    }
    CHECK(server.requests().empty());
    CHECK_FALSE(fs::exists(archive));
}

TEST_CASE("e2e::backfill into an archive it cannot create exits 74 before any request")
{
    ScratchDir scratch;
    NaverStandIn server;
    write_file(scratch.path() / "file", "not a folder\n");
    auto run = backfill(server, scratch.path() / "file" / "archive",
                        {"--section", "100", "--from", "2024-03-01", "--to", "2024-03-01"});
    CHECK(run.result.exit_code == k_exit_io);
    CHECK(run.result.err.contains("sillok: error:"));
    CHECK(server.requests().empty());
}

TEST_CASE("e2e::backfill walks Korean dates whatever the time zone")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    // New York moves its clocks forward on 2024-03-10.
    for (const auto& date : days_from("20240309", 3)) {
        stand_in.add(listing_day(ListingKind::section, "100", date, 0, {2, 1}));
        stand_in.add(listing_day(ListingKind::section, "101/259", date, 1, {2, 1}));
    }
    const std::vector<std::string> range{"--section", "100",        "--section", "101/259",
                                         "--from",    "2024-03-09", "--to",      "2024-03-11"};
    std::vector<std::string> expected;
    for (const auto& day : stand_in.days()) {
        auto urls = day.page_urls();
        expected.insert(expected.end(), urls.begin(), urls.end());
    }

    const auto new_york = backfill_in_zone(server, scratch.path() / "new_york", "America/New_York", range);
    const auto seoul = backfill_in_zone(server, scratch.path() / "seoul", "Asia/Seoul", range);
    CHECK(listing_urls(new_york) == expected);
    CHECK(listing_urls(seoul) == expected);
    CHECK(archive_snapshot(scratch.path() / "new_york" / "archive")
          == archive_snapshot(scratch.path() / "seoul" / "archive"));

    SUBCASE("today and yesterday are Korea's, fourteen hours ahead of UTC or eleven behind")
    {
        // POSIX zone strings: no tz database needed. Nothing is served for these dates (404),
        // which ends each listing at once.
        const auto today = kst_date(0);
        const std::vector<std::string> relative{"--section", "100", "--from", "yesterday", "--to", "today"};
        const auto ahead = backfill_in_zone(server, scratch.path() / "ahead", "<+14>-14", relative);
        const auto behind = backfill_in_zone(server, scratch.path() / "behind", "<-11>11", relative);
        if (kst_date(0) != today) {
            MESSAGE("the Korean date changed during the test; its dates are not checked");
            return;
        }
        const std::vector<std::string> dates{without_dashes(kst_date(-1)), without_dashes(today)};
        CHECK(requested_dates(ahead) == dates);
        CHECK(requested_dates(behind) == dates);
    }
}
