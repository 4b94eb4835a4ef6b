// One service per archive: a second `sillok run` on an archive a service already serves is
// refused, naming the process, and `status` says whether a service runs and since when.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <string>

using namespace sillok::test;
using namespace std::chrono_literals;

TEST_CASE("e2e::run refuses a second service on the same archive, and status names the one that runs")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    serve_section(server, page);
    serve_articles(server, listed_refs(page), article_page("003_0012577249"));
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> polling{"--section", "100", "--poll-interval", "3600", "--rate", "0"};

    ServiceProcess first(run_args(server, archive, polling), scratch.path());
    INFO("first service's log:\n" << first.log());
    REQUIRE(wait_until([&] { return first.log().find("running: archive") != std::string::npos; }, 15s));

    auto second_args = run_args(server, archive, polling);
    second_args.insert(second_args.begin(), SILLOK_BINARY);
    auto second = run_command(second_args);
    INFO("second service:\n" << second.out << second.err);
    CHECK(second.exit_code == 75);
    CHECK(second.err.contains("sillok: error: sillok run already serves the archive "));
    CHECK(second.err.contains("(pid " + std::to_string(first.pid()) + ", running since "));
    CHECK_FALSE(first.exited());

    auto status = run_command({SILLOK_BINARY, "status", "--archive", archive.string()});
    CHECK(status.exit_code == 0);
    CHECK(status.out.contains("service: sillok run (pid " + std::to_string(first.pid()) + ") since "));

    first.signal(SIGTERM);
    REQUIRE(first.wait(20s) == 0);
    auto after = run_command({SILLOK_BINARY, "status", "--archive", archive.string()});
    CHECK(after.exit_code == 0);
    CHECK(after.out.contains("service: none runs on this archive"));

    // The lock goes with the process: after a kill -9 a new service starts.
    ServiceProcess third(run_args(server, archive, polling), scratch.path());
    REQUIRE(wait_until([&] { return third.log().find("running: archive") != std::string::npos; }, 15s));
    third.kill();
    ServiceProcess fourth(run_args(server, archive, polling), scratch.path());
    INFO("fourth service's log:\n" << fourth.log());
    CHECK(wait_until([&] { return fourth.log().find("running: archive") != std::string::npos; }, 15s));
    fourth.signal(SIGTERM);
    CHECK(fourth.wait(20s) == 0);
}

TEST_CASE("e2e::reading commands refuse a folder that is not an archive, SILLOK_ARCHIVE names one")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_fixture(server, "003_0012577249");
    const auto archive = scratch.path() / "archive";
    auto crawled = crawl(server, archive, {"003_0012577249"});
    REQUIRE(crawled.result.exit_code == 0);
    CHECK(crawled.result.err.contains("created a new archive at "));
    auto again = crawl(server, archive, {"003_0012577249"});
    CHECK_FALSE(again.result.err.contains("created a new archive"));

    const auto typo = scratch.path() / "archiv";
    for (const auto* command : {"status", "log", "diff", "export", "verify"}) {
        CAPTURE(command);
        std::vector<std::string> args{SILLOK_BINARY, command, "--archive", typo.string()};
        if (std::string(command) == "log" || std::string(command) == "diff") {
            args.push_back("003_0012577249");
        }
        auto refused = run_command(args);
        CHECK(refused.exit_code == 74);
        CHECK(refused.err.starts_with("sillok: error: there is no archive at '" + typo.string() + "'"));
        CHECK_FALSE(std::filesystem::exists(typo));
    }
    std::filesystem::create_directories(typo);
    auto empty = run_command({SILLOK_BINARY, "status", "--archive", typo.string()});
    CHECK(empty.exit_code == 74);
    CHECK(empty.err.contains("is not a sillok archive: it holds no ledger"));

    auto by_environment =
        run_command({"/usr/bin/env", "SILLOK_ARCHIVE=" + archive.string(), SILLOK_BINARY, "log", "003_0012577249"});
    INFO(by_environment.err);
    CHECK(by_environment.exit_code == 0);
    CHECK(by_environment.out.starts_with("1\t"));
}
