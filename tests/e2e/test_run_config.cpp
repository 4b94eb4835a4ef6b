// `sillok run` and `sillok config` end to end: a bad configuration file stops the service
// before it touches the archive or the network (exit 78), and the effective configuration
// that `sillok config` prints reads back to itself.
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

constexpr int k_exit_usage = 64;
constexpr int k_exit_config = 78;

CommandResult run_sillok(std::vector<std::string> args)
{
    args.insert(args.begin(), SILLOK_BINARY);
    return run_command(args);
}

} // namespace

TEST_CASE("e2e::run refuses a bad configuration file with exit 78 before doing anything")
{
    ScratchDir scratch;
    NaverStandIn server;
    serve_section(server, section_page());
    const auto archive = scratch.path() / "archive";
    const auto config = scratch.path() / "sillok.toml";

    struct Case {
        const char* name;
        std::string text;
        std::string named; // what the message must name
    };
    const std::vector<Case> cases{
        {"an unknown key", "sections = [\"100\"]\npoll_intervall = 60\n", "poll_intervall"},
        {"a value of the wrong type", "rate = \"fast\"\n", "rate"},
        {"an integer where a list belongs", "sections = 100\n", "sections"},
        {"a section that does not exist", "sections = [\"999\"]\n", "999"},
        {"a revisit delay that is not positive", "revisit_after = [3600, 0]\n", "revisit_after"},
        {"a file that is not TOML", "rate = [1,\n", "sillok.toml"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        write_file(config, c.text);
        auto run = run_sillok(run_args(server, archive, {"--config", config.string(), "--poll-interval", "1"}));
        CHECK(run.exit_code == k_exit_config);
        CHECK(run.err.starts_with("sillok: error: "));
        CHECK(run.err.contains(c.named));
        CHECK(run.out.empty());
        auto printed = run_sillok({"config", "--config", config.string()});
        CHECK(printed.exit_code == k_exit_config);
        CHECK(printed.err.starts_with("sillok: error: "));
        CHECK(printed.out.empty());
    }
    // The same mistake on the command line is a usage error.
    auto run = run_sillok(run_args(server, archive, {"--section", "999"}));
    CHECK(run.exit_code == k_exit_usage);
    CHECK(run.err.starts_with("sillok: error: "));

    CHECK_FALSE(fs::exists(archive));
    CHECK(server.requests().empty());
}

TEST_CASE("e2e::config prints TOML that reads back to the same configuration")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto config = scratch.path() / "sillok.toml";
    write_file(config, connection_toml(server) + "archive = \"" + (scratch.path() / "archive").string() + "\"\n"
                           + "rate = 2.5\nconcurrency = 3\ntimeout = 12.5\nretries = 2\nmax_bytes = 1048576\n"
                             "user_agent = \"archiver 'test' \\\"quoted\\\" \\\\ 실록\"\n"
                             "pause_after = 7\npause_seconds = 120\n"
                             "sections = [\"100\", \"101/259\", \"103/59b\"]\npresses = [\"015\", \"421\"]\n"
                             "poll_interval = 300\nmax_listing_pages = 4\nrevisit_after = [600, 7200]\n"
                             "metrics_file = \"/var/lib/node_exporter/sillok.prom\"\n");

    // Options given on the command line override the file.
    auto first = run_sillok({"config", "--config", config.string(), "--rate", "0.5", "--section", "105"});
    INFO("stderr:\n" << first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.err.empty());
    CHECK(first.out.contains("rate = 0.5"));
    CHECK(first.out.contains("sections = [ '105' ]"));
    CHECK(first.out.contains("concurrency = 3"));
    CHECK(first.out.contains("revisit_after = [ 600, 7200 ]"));
    CHECK(first.out.contains("실록"));

    const auto printed = scratch.path() / "printed.toml";
    write_file(printed, first.out);
    auto again = run_sillok({"config", "--config", printed.string()});
    REQUIRE(again.exit_code == 0);
    CHECK(again.out == first.out);

    // The defaults round-trip too.
    auto defaults = run_sillok({"config"});
    REQUIRE(defaults.exit_code == 0);
    write_file(printed, defaults.out);
    auto defaults_again = run_sillok({"config", "--config", printed.string()});
    REQUIRE(defaults_again.exit_code == 0);
    CHECK(defaults_again.out == defaults.out);
}
