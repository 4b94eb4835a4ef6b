// `sillok coverage DATE`: walks the per-date lists of a date and reports, per section, how many
// articles they list, how many are archived and which are missing; --queue puts the missing
// ones in the frontier. Against the backfill stand-in's lists of 2024-03-01.
#include "tests/e2e/backfill_stand_in.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace {

using namespace sillok::test;
using sillok::parsers::ArticleRef;

CommandResult coverage(const NaverStandIn& server, const std::filesystem::path& archive,
                       const std::vector<std::string>& args)
{
    auto argv = backfill_args(server, archive, args);
    argv.front() = "coverage";
    argv.insert(argv.begin(), SILLOK_BINARY);
    return run_command(argv);
}

std::vector<std::string> lines_starting(const std::string& out, std::string_view prefix)
{
    std::vector<std::string> lines;
    std::string line;
    for (char c : out + "\n") {
        if (c != '\n') {
            line += c;
            continue;
        }
        if (line.starts_with(prefix)) {
            lines.push_back(line);
        }
        line.clear();
    }
    return lines;
}

} // namespace

TEST_CASE("e2e::coverage reports listed, archived and missing per section, and queues the missing")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    auto section = listing_day(ListingKind::section, "100", "20240301", 0, {5, 3});
    section.links_past_last = true;
    stand_in.add(section);
    stand_in.add(listing_day(ListingKind::section, "101/259", "20240301", 1, {4, 2}));
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";

    // Section 100 archived by a backfill; 101/259 not at all.
    auto filled = backfill(server, archive, {"--from", "2024-03-01", "--to", "2024-03-01", "--section", "100"});
    REQUIRE(filled.result.exit_code == 0);
    REQUIRE(archived_count(ledger) == 8);

    const std::vector<std::string> args{"2024-03-01", "--section", "100", "--section", "101/259"};
    auto report = coverage(server, archive, args);
    INFO("stdout:\n" << report.out << "\nstderr:\n" << report.err);
    CHECK(report.exit_code == 1);
    CHECK(lines_starting(report.out, "section ")
          == std::vector<std::string>{"section 100\tlisted 8\tarchived 8\tmissing 0",
                                      "section 101/259\tlisted 6\tarchived 0\tmissing 6"});
    auto missing = lines_starting(report.out, "missing\t");
    CHECK(missing.size() == 6);
    for (const auto& ref : listing_day(ListingKind::section, "101/259", "20240301", 1, {4, 2}).refs()) {
        CHECK(std::ranges::any_of(missing, [&](const std::string& line) { return line.contains(ref.id()); }));
    }
    CHECK(frontier_counts(ledger).pending == 0); // reporting queues nothing

    auto queued = coverage(server, archive, {"2024-03-01", "--section", "101/259", "--queue"});
    CHECK(queued.exit_code == 1);
    CHECK(queued.out.contains("queued\t6 missing articles"));
    CHECK(frontier_counts(ledger).pending == 6);

    // Once they are archived, the date is covered.
    REQUIRE(backfill(server, archive, {"--from", "2024-03-01", "--to", "2024-03-01", "--section", "101/259"})
                .result.exit_code
            == 0);
    auto covered = coverage(server, archive, args);
    INFO("stdout:\n" << covered.out);
    CHECK(covered.exit_code == 0);
    CHECK(lines_starting(covered.out, "missing\t").empty());

    CHECK(coverage(server, archive, {"2024-13-01"}).exit_code == 64);
    CHECK(coverage(server, archive, {"2024-03-01", "--section", "999"}).exit_code == 64);
}
