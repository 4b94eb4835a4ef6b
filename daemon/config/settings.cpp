#include "daemon/config/settings.hpp"

#include "parsers/listing.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

namespace sillok::daemon {
namespace {

constexpr double k_day = 86400;
constexpr double k_year = 31536000;

std::string archive_rule(const Config& c) { return c.archive.empty() ? "archive must not be empty" : ""; }

// Rates below 0.01/s would space requests further apart than a stored slot may reach (an
// hour), and tiny ones overflow the spacing: 0 means unlimited, anything else has a floor.
std::string rate_rule(const Config& c)
{
    return c.rate > 0 && c.rate < 0.01 ? "rate must be 0 (unlimited) or between 0.01 and 1000 requests per second" : "";
}

std::string cacert_rule(const Config& c)
{
    std::error_code error;
    if (!c.cacert.empty() && !std::filesystem::is_regular_file(c.cacert, error)) {
        return "cacert: '" + c.cacert + "' is not a file";
    }
    return "";
}

std::string connect_to_rule(const Config& c)
{
    for (const auto& entry : c.connect_to) {
        if (std::count(entry.begin(), entry.end(), ':') < 3) {
            return "connect_to: '" + entry + "' is not HOST:PORT:ADDR:PORT";
        }
    }
    return "";
}

std::string sections_rule(const Config& c)
{
    for (const auto& section : c.sections) {
        if (auto parsed = parsers::parse_section(section); !parsed) {
            return "sections: " + parsed.error();
        }
    }
    return "";
}

std::string presses_rule(const Config& c)
{
    for (const auto& oid : c.presses) {
        if (!parsers::is_press_id(oid)) {
            return "presses: '" + oid + "' is not a press id (3 digits, e.g. \"015\")";
        }
    }
    return "";
}

std::string comments_rule(const Config& c)
{
    return c.comments == "off" || c.comments == "counts" || c.comments == "all"
               ? ""
               : "comments must be \"off\", \"counts\" or \"all\", not '" + c.comments + "'";
}

using enum OptionGroup;
using enum Reload;

// The one list. Each line: key, field, help; then option, group, reload, range, rule.
const std::array k_settings{
    Setting{
        "archive", &Config::archive, "the archive folder", "--archive", storage, on_restart, {}, {}, {}, archive_rule},
    Setting{"ledger", &Config::ledger, "the ledger file; empty: `<archive>/ledger.sqlite3`", "--ledger", storage},
    Setting{"rate", &Config::rate, "request starts per second per host, all processes together", "--rate", network,
            applied, 0, 1000, "0 (unlimited) or between 0.01 and 1000 requests per second", rate_rule},
    Setting{"concurrency", &Config::concurrency, "requests in flight per host", "--concurrency", network, on_restart, 1,
            64, "between 1 and 64"},
    Setting{"workers", &Config::workers, "parsing threads of `crawl`, `run` and `backfill`", "--workers", network,
            on_restart, 0, 256, "between 0 (one per core) and 256"},
    Setting{"timeout", &Config::timeout, "seconds one request may take", "--timeout", network, on_restart, 0.1, 3600,
            "between 0.1 and 3600 seconds", nullptr, true},
    Setting{"retries", &Config::retries, "retries of one request after timeouts, connection failures, 429 and 5xx",
            "--retries", network, on_restart, 0, 20, "between 0 and 20"},
    Setting{"max_bytes", &Config::max_bytes, "largest page body accepted", "--max-bytes", network, on_restart, 1024,
            17179869184.0, "between 1024 and 17179869184 (16 GiB)"},
    Setting{"user_agent", &Config::user_agent, "the User-Agent header: name yourself and a contact; empty: sillok's",
            "--user-agent", network},
    Setting{"connect_to",
            &Config::connect_to,
            "curl's `HOST:PORT:ADDR:PORT` mappings",
            "--connect-to",
            network,
            on_restart,
            {},
            {},
            {},
            connect_to_rule},
    Setting{"cacert",
            &Config::cacert,
            "CA certificates (PEM); empty: the system's",
            "--cacert",
            network,
            on_restart,
            {},
            {},
            {},
            cacert_rule},
    Setting{"pause_after",
            &Config::pause_after,
            "403/429 answers in a row that pause a host",
            {},
            none,
            on_restart,
            1,
            1000,
            "between 1 and 1000"},
    Setting{"pause_seconds",
            &Config::pause_seconds,
            "how long such a pause lasts",
            {},
            none,
            on_restart,
            0,
            k_day,
            "between 0 and 86400 seconds",
            nullptr,
            true},
    Setting{"sections",
            &Config::sections,
            "sections watched by `run` (and walked by `backfill` by default): `\"SID1\"` or `\"SID1/SID2\"`",
            "--section",
            discovery,
            applied,
            {},
            {},
            {},
            sections_rule},
    Setting{"presses",
            &Config::presses,
            "presses (oids such as `\"015\"`) watched by `run`",
            {},
            none,
            applied,
            {},
            {},
            {},
            presses_rule},
    Setting{"poll_interval", &Config::poll_interval, "seconds between two polls of the listings", "--poll-interval",
            discovery, applied, 1, k_day, "between 1 and 86400 seconds", nullptr, true},
    Setting{"max_listing_pages",
            &Config::max_listing_pages,
            "pages of one list followed in one poll when they hold only new articles",
            {},
            none,
            on_restart,
            1,
            100000,
            "between 1 and 100000"},
    Setting{"discovery", &Config::discovery,
            "the complete source `run` walks first: `\"per-date\"` or `\"latest\"` (see Discovery's sources)"},
    Setting{"revisit_after",
            &Config::revisit_after,
            "seconds after publication at which archived articles are fetched again",
            {},
            none,
            applied,
            1,
            k_year,
            "delays between 1 and 31536000 seconds (a year)",
            nullptr,
            true},
    Setting{"metrics_file", &Config::metrics_file, "Prometheus textfile written by `run`; empty: none"},
    Setting{"warc", &Config::warc,
            "raw responses kept as WARC: `\"versions\"`, `\"all\"` or `\"off\"` (see The raw responses)"},
    Setting{"warc_max_bytes",
            &Config::warc_max_bytes,
            "a WARC file is closed and a new one begun before it grows past this",
            {},
            none,
            on_restart,
            1048576,
            std::numeric_limits<double>::infinity(),
            "at least 1048576 (1 MiB)"},
    Setting{
        "comments",
        &Config::comments,
        "readers' comments `crawl` reads after each archived article: `\"off\"`, `\"counts\"` (the totals, one small "
        "request) or `\"all\"` (every comment, 100 a request; see Comments)",
        "--comments",
        network,
        applied,
        {},
        {},
        {},
        comments_rule},
    Setting{"comments_final_after",
            &Config::comments_final_after,
            "seconds after publication of the last comment snapshot",
            {},
            none,
            applied,
            3600,
            10 * k_year,
            "between 3600 and 315360000 seconds (ten years)",
            nullptr,
            true},
    Setting{"comments_author_ids", &Config::comments_author_ids,
            "keep the writers' userIdNo and profile image with their comments (personal data; see Comments)"},
};

template <typename T>
void put(toml::table& table, std::string_view key, const T& value)
{
    if constexpr (std::is_same_v<T, std::filesystem::path>) {
        table.insert(key, value.string());
    } else if constexpr (std::is_enum_v<T>) {
        table.insert(key, std::string(to_string(value)));
    } else if constexpr (std::is_same_v<T, std::vector<std::string>> || std::is_same_v<T, std::vector<int64_t>>) {
        toml::array array;
        for (const auto& element : value) {
            array.push_back(element);
        }
        table.insert(key, std::move(array));
    } else {
        table.insert(key, value);
    }
}

bool in_range(const Setting& setting, double value)
{
    return std::isfinite(value) && value >= setting.min && value <= setting.max;
}

} // namespace

std::span<const Setting> settings() { return k_settings; }

const Setting* find_setting(std::string_view key)
{
    auto found = std::ranges::find(k_settings, key, &Setting::key);
    return found == k_settings.end() ? nullptr : &*found;
}

std::string setting_value_text(const Setting& setting, const Config& config)
{
    toml::table table;
    std::visit([&](auto member) { put(table, "v", config.*member); }, setting.field);
    std::ostringstream out;
    out << toml::toml_formatter(table, toml::toml_formatter::default_flags & ~toml::format_flags::indentation);
    auto text = out.str();
    return text.substr(text.find('=') + 2);
}

bool copy_setting(const Setting& setting, const Config& from, Config& to)
{
    return std::visit(
        [&](auto member) {
            bool differs = !(from.*member == to.*member);
            to.*member = from.*member;
            return differs;
        },
        setting.field);
}

std::expected<void, std::string> check_setting(const Setting& setting, const Config& config)
{
    bool within = std::visit(
        [&](auto member) {
            using T = std::remove_cvref_t<decltype(config.*member)>;
            if constexpr (std::is_arithmetic_v<T>) {
                return in_range(setting, static_cast<double>(config.*member));
            } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
                return std::ranges::all_of(
                    config.*member, [&](int64_t value) { return in_range(setting, static_cast<double>(value)); });
            } else {
                return true;
            }
        },
        setting.field);
    if (!within) {
        return std::unexpected(std::string(setting.key) + " must be " + std::string(setting.range));
    }
    if (setting.check != nullptr) {
        if (auto message = setting.check(config); !message.empty()) {
            return std::unexpected(message);
        }
    }
    return {};
}

std::string describe_settings()
{
    const Config defaults;
    std::string table = "| key | default | on SIGHUP | meaning |\n|---|---|---|---|\n";
    for (const auto& setting : k_settings) {
        std::string meaning(setting.help);
        if (!setting.range.empty()) {
            meaning += "; " + std::string(setting.range);
        }
        if (setting.duration) {
            meaning += " (a unit may follow: `90s`, `15m`, `6h`, `2d`)";
        }
        if (!setting.option.empty()) {
            meaning += "; option `" + std::string(setting.option) + "`";
        }
        table += "| `" + std::string(setting.key) + "` | `" + setting_value_text(setting, defaults) + "` | "
                 + (setting.reload == Reload::applied ? "applied" : "restart") + " | " + meaning + " |\n";
    }
    return table;
}

} // namespace sillok::daemon
