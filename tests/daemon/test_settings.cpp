// The one table of settings: the README lists it as it is, the configuration file and the
// command line read every key of it, and each range is enforced wherever a value comes from.
#include "daemon/config/config.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/util/numbers.hpp"
#include "daemon/util/progress_line.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

using namespace sillok::daemon;
using sillok::test::read_file;
using sillok::test::ScratchDir;
using sillok::test::write_file;

TEST_CASE("settings: the README's configuration table is the settings table")
{
    const auto readme = read_file(SILLOK_README);
    const auto table = describe_settings();
    CHECK_MESSAGE(readme.find(table) != std::string::npos,
                  "README.md's Configuration table differs from `sillok config --describe`:\n"
                      << table);
    // And every key is listed once, in a row of its own.
    for (const auto& setting : settings()) {
        CAPTURE(setting.key);
        const auto row = "| `" + std::string(setting.key) + "` |";
        CHECK(readme.find(row) != std::string::npos);
        CHECK(readme.find(row) == readme.rfind(row));
    }
}

TEST_CASE("settings: keys are unique and every option belongs to a group")
{
    std::set<std::string_view> keys;
    std::set<std::string_view> options;
    for (const auto& setting : settings()) {
        CAPTURE(setting.key);
        CHECK(keys.insert(setting.key).second);
        CHECK(find_setting(setting.key) == &setting);
        CHECK_FALSE(setting.help.empty());
        if (!setting.option.empty()) {
            CHECK(options.insert(setting.option).second);
            CHECK(setting.group != OptionGroup::none);
        }
    }
    CHECK(find_setting("no_such_key") == nullptr);
}

TEST_CASE("settings: the configuration file reads back what to_toml writes, for every key")
{
    Config changed;
    changed.archive = "/srv/news";
    changed.ledger = "/srv/ledger.sqlite3";
    changed.rate = 0.5;
    changed.concurrency = 3;
    changed.workers = 4;
    changed.timeout = 12.5;
    changed.retries = 1;
    changed.max_bytes = 4096;
    changed.user_agent = "test \"agent\"";
    changed.connect_to = {"n.news.naver.com:443:127.0.0.1:8443"};
    ScratchDir scratch;
    changed.cacert = (scratch.path() / "ca.pem").string();
    write_file(changed.cacert, "not read here\n");
    changed.pause_after = 7;
    changed.pause_seconds = 30;
    changed.sections = {"101/259"};
    changed.presses = {"015", "003"};
    changed.poll_interval = 60;
    changed.max_listing_pages = 3;
    changed.discovery = DiscoveryOrder::latest;
    changed.revisit_after = {60, 120};
    changed.metrics_file = "/tmp/m.prom";
    changed.warc = WarcMode::all;
    changed.warc_max_bytes = 2 << 20;
    changed.comments = "all";
    changed.comments_final_after = 3 * 86400;
    changed.comments_author_ids = true;
    const auto file = scratch.path() / "sillok.toml";
    write_file(file, to_toml(changed));
    auto loaded = load_config(file);
    REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().message));
    for (const auto& setting : settings()) {
        CAPTURE(setting.key);
        CHECK(setting_value_text(setting, *loaded) == setting_value_text(setting, changed));
        // Every key was changed above: a key the file cannot carry would keep its default.
        CHECK(setting_value_text(setting, *loaded) != setting_value_text(setting, Config{}));
    }
}

TEST_CASE("settings: values out of range are refused with the key named")
{
    struct Case {
        const char* toml;
        const char* key;
    };
    for (const auto& c : {Case{"rate = 0.005", "rate"},
                          Case{"rate = 1001.0", "rate"},
                          Case{"concurrency = 65", "concurrency"},
                          Case{"concurrency = 0", "concurrency"},
                          Case{"workers = 257", "workers"},
                          Case{"timeout = 0.05", "timeout"},
                          Case{"retries = 21", "retries"},
                          Case{"max_bytes = 1000", "max_bytes"},
                          Case{"pause_after = 0", "pause_after"},
                          Case{"pause_seconds = 86401", "pause_seconds"},
                          Case{"poll_interval = 0", "poll_interval"},
                          Case{"max_listing_pages = 0", "max_listing_pages"},
                          Case{"discovery = \"newest\"", "discovery"},
                          Case{"comments = \"some\"", "comments"},
                          Case{"comments_final_after = 60", "comments_final_after"},
                          Case{"comments_author_ids = 1", "comments_author_ids"},
                          Case{"revisit_after = [0]", "revisit_after"},
                          Case{"warc = \"some\"", "warc"},
                          Case{"warc_max_bytes = 1024", "warc_max_bytes"},
                          Case{"presses = [\"15\"]", "presses"},
                          Case{"sections = [\"999\"]", "sections"},
                          Case{"connect_to = [\"a:1\"]", "connect_to"},
                          Case{"cacert = \"/no/such/file.pem\"", "cacert"},
                          Case{"archive = \"\"", "archive"},
                          Case{"no_such_key = 1", "no_such_key"}}) {
        CAPTURE(c.toml);
        ScratchDir scratch;
        const auto file = scratch.path() / "sillok.toml";
        write_file(file, std::string(c.toml) + "\n");
        auto loaded = load_config(file);
        REQUIRE_FALSE(loaded.has_value());
        CHECK(loaded.error().message.find(c.key) != std::string::npos);
    }
    // The edges themselves are accepted.
    for (const auto* toml : {"rate = 0.0", "rate = 0.01", "rate = 1000.0", "concurrency = 64", "workers = 0",
                             "timeout = 0.1", "pause_seconds = 86400", "revisit_after = [31536000]"}) {
        CAPTURE(toml);
        ScratchDir scratch;
        const auto file = scratch.path() / "sillok.toml";
        write_file(file, std::string(toml) + "\n");
        CHECK(load_config(file).has_value());
    }
}

TEST_CASE("numbers: the whole text or nothing, and durations with a unit")
{
    CHECK(parse_number<int>("42") == 42);
    CHECK(parse_number<int>("-7") == -7);
    CHECK_FALSE(parse_number<int>("").has_value());
    CHECK_FALSE(parse_number<int>(" 42").has_value());
    CHECK_FALSE(parse_number<int>("42 ").has_value());
    CHECK_FALSE(parse_number<int>("+42").has_value());
    CHECK_FALSE(parse_number<int>("4x").has_value());
    CHECK_FALSE(parse_number<int8_t>("300").has_value());
    CHECK(parse_number<uint64_t>("ff", 16) == 255);

    CHECK(parse_duration("90") == std::chrono::seconds(90));
    CHECK(parse_duration("90s") == std::chrono::seconds(90));
    CHECK(parse_duration("15m") == std::chrono::minutes(15));
    CHECK(parse_duration("6h") == std::chrono::hours(6));
    CHECK(parse_duration("2d") == std::chrono::hours(48));
    CHECK(parse_duration("0s") == std::chrono::seconds(0));
    for (const auto* bad : {"", "h", "6 h", "6hours", "-1m", "1.5h", "9223372036854775807d", "6H"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_duration(bad).has_value());
    }
}

TEST_CASE("settings: durations may carry a unit in the configuration file")
{
    ScratchDir scratch;
    const auto file = scratch.path() / "sillok.toml";
    write_file(file, "poll_interval = \"2m\"\nrevisit_after = [\"1h\", 7200, \"1d\"]\ntimeout = \"30s\"\n"
                     "pause_seconds = \"10m\"\n");
    auto loaded = load_config(file);
    REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().message));
    CHECK(loaded->poll_interval == 120);
    CHECK(loaded->revisit_after == std::vector<int64_t>{3600, 7200, 86400});
    CHECK(loaded->timeout == 30.0);
    CHECK(loaded->pause_seconds == 600);
    for (const auto* bad : {"poll_interval = \"2 m\"", "poll_interval = \"two\"", "revisit_after = [\"1y\"]",
                            "max_listing_pages = \"5m\"", "poll_interval = \"25h\""}) {
        CAPTURE(bad);
        write_file(file, std::string(bad) + "\n");
        auto refused = load_config(file);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().kind == ErrorKind::config);
    }
}

TEST_CASE("progress line: a log line clears the bar first, and the bar is drawn again after it")
{
    ScratchDir scratch;
    const auto file = scratch.path() / "stderr";
    std::FILE* stream = std::fopen(file.c_str(), "w+");
    REQUIRE(stream != nullptr);
    set_progress_stream(stream);
    draw_progress_line("[##..] days 1/2  1.5 articles/s");
    without_progress_line([&] { std::fputs("2026-12-08 info: saved\n", stream); });
    without_progress_line([&] { std::fputs("2026-12-08 info: saved again\n", stream); });
    draw_progress_line("[####] days 2/2  1.5 articles/s");
    end_progress_line();
    end_progress_line(); // nothing on screen: no second line break
    set_progress_stream(stderr);
    std::fclose(stream);
    CHECK(read_file(file)
          == "\r[##..] days 1/2  1.5 articles/s\033[K\r\033[K2026-12-08 info: saved\n"
             "2026-12-08 info: saved again\n\r[####] days 2/2  1.5 articles/s\033[K\n");
}
