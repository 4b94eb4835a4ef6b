// Every duration and rate has a range: a value outside it is refused before anything runs,
// naming the key, instead of overflowing a slot time or polling in a tight loop.
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sillok::test;

TEST_CASE("e2e::config refuses durations and rates out of range, naming the key")
{
    ScratchDir scratch;
    const std::string url = "https://n.news.naver.com/mnews/article/003/0012577249";
    for (const auto* rate : {"1e-300", "1e-6", "0.001", "1001", "nan", "-1"}) {
        CAPTURE(rate);
        auto result = run_command(
            {SILLOK_BINARY, "crawl", "--archive", (scratch.path() / "a").string(), "--rate", rate, "--url", url});
        CHECK(result.exit_code == 64);
        CHECK(result.err.find("rate") != std::string::npos);
    }
    struct Case {
        std::string toml;
        std::string key;
    };
    const std::vector<Case> cases{
        {"poll_interval = 9223372036854775807", "poll_interval"},
        {"poll_interval = 0", "poll_interval"},
        {"pause_seconds = 9223372036854775807", "pause_seconds"},
        {"pause_seconds = -1", "pause_seconds"},
        {"revisit_after = [3600, 9223372036854775807]", "revisit_after"},
        {"rate = 1e-300", "rate"},
        {"timeout = 1e308", "timeout"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.toml);
        const auto file = scratch.path() / "sillok.toml";
        write_file(file, c.toml + "\n");
        auto result = run_command({SILLOK_BINARY, "config", "--config", file.string()});
        CHECK((result.exit_code == 78 || result.exit_code == 64));
        CHECK(result.err.find(c.key) != std::string::npos);
    }
}
