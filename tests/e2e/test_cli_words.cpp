// The command line answers people's slips the way git does: a mistyped command is named with
// the nearest one, `help` works as a command, every error starts "sillok: error:", and every
// command's help ends with examples.
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace sillok::test;

TEST_CASE("e2e::cli names a mistyped command and suggests the nearest")
{
    auto typo = run_command({SILLOK_BINARY, "crwal", "--url", "003_0012577249"});
    CHECK(typo.exit_code == 64);
    CHECK(typo.err.starts_with("sillok: error: 'crwal' is not a sillok command; did you mean 'sillok crawl'?"));

    auto far = run_command({SILLOK_BINARY, "xyzzyq"});
    CHECK(far.exit_code == 64);
    CHECK(far.err.starts_with("sillok: error: 'xyzzyq' is not a sillok command; see 'sillok --help'"));

    auto none = run_command({SILLOK_BINARY});
    CHECK(none.exit_code == 64);
    CHECK(none.err.starts_with("sillok: error: a command is required"));

    auto hostile = run_command({SILLOK_BINARY, "\x1b]0;x\x07"});
    CHECK(hostile.exit_code == 64);
    CHECK_FALSE(hostile.err.contains('\x1b'));
}

TEST_CASE("e2e::cli takes help as a command and shows examples")
{
    auto help = run_command({SILLOK_BINARY, "help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.contains("crawl"));
    CHECK(help.out.contains("backfill"));

    for (const auto* command : {"crawl", "run", "backfill", "coverage", "status", "verify", "adopt", "log", "diff",
                                "comments", "export", "reparse", "import", "config"}) {
        CAPTURE(command);
        auto shown = run_command({SILLOK_BINARY, "help", command});
        CHECK(shown.exit_code == 0);
        CHECK(shown.out.contains("Examples:\n  sillok " + std::string(command)));
        auto flag = run_command({SILLOK_BINARY, command, "--help"});
        CHECK(flag.exit_code == 0);
        CHECK(flag.out == shown.out);
    }
    auto unknown = run_command({SILLOK_BINARY, "help", "nope"});
    CHECK(unknown.exit_code == 64);
    CHECK(unknown.err.starts_with("sillok: error: 'nope' is not a sillok command"));
}

TEST_CASE("e2e::cli errors in options start with sillok: error: and point to the command's help")
{
    auto bad = run_command({SILLOK_BINARY, "crawl", "--no-such-option"});
    CHECK(bad.exit_code == 64);
    CHECK(bad.err.starts_with("sillok: error: "));
    CHECK(bad.err.contains("(see 'sillok crawl --help')"));
}

TEST_CASE("e2e::cli durations take a unit on the command line")
{
    auto shown = run_command({SILLOK_BINARY, "config", "--poll-interval", "2m", "--timeout", "90s"});
    INFO(shown.err);
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.contains("poll_interval = 120\n"));
    CHECK(shown.out.contains("timeout = 90.0\n"));
    auto plain = run_command({SILLOK_BINARY, "config", "--timeout", "0.5"});
    CHECK(plain.exit_code == 0);
    CHECK(plain.out.contains("timeout = 0.5\n"));
    auto bad = run_command({SILLOK_BINARY, "config", "--poll-interval", "2 minutes"});
    CHECK(bad.exit_code == 64);
    CHECK(bad.err.starts_with("sillok: error: "));
}
