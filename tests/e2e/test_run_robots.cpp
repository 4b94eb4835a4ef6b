// The service's report of each host's robots.txt: one over the body cap is said to be
// unreadable, not to ask nothing, and control bytes in rules reach neither the log nor
// `status` raw.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>

using namespace std::chrono_literals;
using namespace sillok::test;

namespace {

bool has_raw_control(std::string_view text)
{
    return std::ranges::any_of(text, [](char c) { return c == '\x1b' || c == '\x07'; });
}

} // namespace

TEST_CASE("e2e::run reports a robots.txt over the body cap as unreadable and escapes control bytes in rules")
{
    ScratchDir scratch;
    NaverStandIn server;
    std::string huge = "User-agent: *\nDisallow: /private\n";
    while (huge.size() < 8192) {
        huge += "# " + std::string(70, 'x') + "\n";
    }
    server.serve_html("news.naver.com", "/robots.txt", huge);
    server.serve_html("n.news.naver.com", "/robots.txt", "User-agent: *\nDisallow: /\x1b[2J\x1b]52;c;ZXZpbA==\x07x\n");
    const auto archive = scratch.path() / "archive";
    ServiceProcess service(
        run_args(server, archive, {"--section", "100", "--poll-interval", "1", "--rate", "0", "--max-bytes", "4096"}),
        scratch.path());
    INFO("service log:\n" << service.log());
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                            const auto log = service.log();
                            return log.contains("robots.txt of news.naver.com:")
                                   && log.contains("robots.txt of n.news.naver.com:");
                        },
                        30s),
                    "robots.txt was not reported");
    const auto log = service.log();
    CHECK(log.contains("asks of sillok: unreadable (too large)"));
    CHECK_FALSE(log.contains("robots.txt of news.naver.com: HTTP 200; asks of sillok: nothing"));
    CHECK(log.contains("asks of sillok: Disallow: /\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07x"));
    CHECK_FALSE(has_raw_control(log));

    auto status = run_command({SILLOK_BINARY, "status", "--archive", archive.string()});
    INFO("status:\n" << status.out << status.err);
    CHECK(status.out.contains("robots.txt news.naver.com: HTTP 200, fetched "));
    CHECK(status.out.contains("; asks of sillok: unreadable (too large)\n"));
    CHECK(status.out.contains("; asks of sillok: Disallow: /\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07x\n"));
    CHECK_FALSE(has_raw_control(status.out));

    service.signal(SIGTERM);
    CHECK(service.wait(20s).has_value());
}
