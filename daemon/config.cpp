#include "daemon/config.hpp"

#include "daemon/fetcher.hpp"
#include "daemon/warc_writer.hpp"
#include "parsers/listing.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <set>
#include <sstream>

namespace sillok::daemon {
namespace {

std::string where(const toml::node& node, std::string_view key)
{
    const auto& source = node.source();
    return "'" + std::string(key) + "' (line " + std::to_string(source.begin.line) + ")";
}

template <typename T>
std::expected<void, std::string> read(const toml::table& table, std::string_view key, T& out)
{
    const auto* node = table.get(key);
    if (node == nullptr) {
        return {};
    }
    if constexpr (std::is_same_v<T, double>) {
        if (auto value = node->value<double>(); value && std::isfinite(*value)) {
            out = *value;
            return {};
        }
        return std::unexpected(where(*node, key) + " must be a finite number");
    } else if constexpr (std::is_integral_v<T>) {
        auto value = node->value<int64_t>();
        if (value && node->is_integer() && std::in_range<T>(*value)) {
            out = static_cast<T>(*value);
            return {};
        }
        return std::unexpected(where(*node, key) + " must be an integer in range");
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
        if (auto value = node->value<std::string>(); value && node->is_string()) {
            out = *value;
            return {};
        }
        return std::unexpected(where(*node, key) + " must be a string");
    } else {
        const auto* array = node->as_array();
        if (array == nullptr) {
            return std::unexpected(where(*node, key) + " must be an array");
        }
        out.clear();
        for (const auto& element : *array) {
            using Element = typename T::value_type;
            auto value = element.value<Element>();
            if (!value || (std::is_same_v<Element, std::string> != element.is_string())) {
                return std::unexpected(where(element, key) + " holds a value of the wrong type");
            }
            out.push_back(*value);
        }
        return {};
    }
}

const std::set<std::string, std::less<>> k_keys = {
    "archive", "ledger", "rate", "concurrency", "timeout", "retries", "max_bytes", "user_agent", "connect_to",
    "cacert", "pause_after", "pause_seconds", "sections", "presses", "poll_interval", "max_listing_pages",
    "revisit_after", "metrics_file", "discovery", "warc", "warc_max_bytes", "workers"};

std::expected<void, std::string> read_all(const toml::table& table, Config& config)
{
    for (const auto& [key, node] : table) {
        if (!k_keys.contains(key.str())) {
            return std::unexpected(where(node, key.str()) + " is not a sillok setting");
        }
    }
    for (auto result : {read(table, "archive", config.archive), read(table, "ledger", config.ledger),
                        read(table, "rate", config.rate), read(table, "concurrency", config.concurrency),
                        read(table, "timeout", config.timeout), read(table, "retries", config.retries),
                        read(table, "max_bytes", config.max_bytes), read(table, "user_agent", config.user_agent),
                        read(table, "connect_to", config.connect_to), read(table, "cacert", config.cacert),
                        read(table, "pause_after", config.pause_after),
                        read(table, "pause_seconds", config.pause_seconds), read(table, "sections", config.sections),
                        read(table, "presses", config.presses), read(table, "poll_interval", config.poll_interval),
                        read(table, "max_listing_pages", config.max_listing_pages),
                        read(table, "revisit_after", config.revisit_after),
                        read(table, "metrics_file", config.metrics_file),
                        read(table, "discovery", config.discovery), read(table, "warc", config.warc),
                        read(table, "warc_max_bytes", config.warc_max_bytes),
                        read(table, "workers", config.workers)}) {
        if (!result) {
            return result;
        }
    }
    return {};
}

} // namespace

namespace {
constexpr double k_min_rate = 0.01;
constexpr std::int64_t k_longest_duration = 86400;    // a day: pause_seconds, poll_interval
constexpr std::int64_t k_longest_revisit = 31536000;  // a year
} // namespace

std::expected<void, std::string> validate(const Config& c)
{
    auto fail = [](std::string message) { return std::unexpected(std::move(message)); };
    if (c.archive.empty()) {
        return fail("archive must not be empty");
    }
    // Rates below 0.01/s would space requests further apart than a stored slot may reach
    // (an hour), and tiny ones overflow the spacing: every rate has a range.
    if (!std::isfinite(c.rate) || c.rate < 0 || (c.rate > 0 && c.rate < k_min_rate) || c.rate > 1000) {
        return fail("rate must be 0 (unlimited) or between 0.01 and 1000 requests per second");
    }
    if (c.concurrency < 1 || c.concurrency > 64) {
        return fail("concurrency must be between 1 and 64");
    }
    if (c.workers < 0 || c.workers > 256) {
        return fail("workers must be between 0 (one per core) and 256");
    }
    if (!std::isfinite(c.timeout) || c.timeout < 0.1 || c.timeout > 3600) {
        return fail("timeout must be between 0.1 and 3600 seconds");
    }
    if (c.retries < 0 || c.retries > 20) {
        return fail("retries must be between 0 and 20");
    }
    if (c.max_bytes < 1024) {
        return fail("max_bytes must be at least 1024");
    }
    if (c.pause_after < 1 || c.pause_after > 1000) {
        return fail("pause_after must be between 1 and 1000");
    }
    if (c.pause_seconds < 0 || c.pause_seconds > k_longest_duration) {
        return fail("pause_seconds must be between 0 and 86400 seconds");
    }
    if (c.poll_interval < 1 || c.poll_interval > k_longest_duration) {
        return fail("poll_interval must be between 1 and 86400 seconds");
    }
    if (c.max_listing_pages < 1) {
        return fail("max_listing_pages must be at least 1");
    }
    if (c.discovery != "per-date" && c.discovery != "latest") {
        return fail("discovery must be \"per-date\" or \"latest\"");
    }
    for (const auto& section : c.sections) {
        if (auto parsed = parsers::parse_section(section); !parsed) {
            return fail("sections: " + parsed.error());
        }
    }
    for (const auto& oid : c.presses) {
        if (oid.size() != 3 || oid.find_first_not_of("0123456789") != std::string::npos) {
            return fail("presses: '" + oid + "' is not a press id (3 digits, e.g. \"015\")");
        }
    }
    if (!parse_warc_mode(c.warc)) {
        return fail("warc must be \"versions\", \"all\" or \"off\", not \"" + c.warc + "\"");
    }
    if (c.warc_max_bytes < (int64_t{1} << 20)) {
        return fail("warc_max_bytes must be at least 1048576 (1 MiB)");
    }
    for (auto delay : c.revisit_after) {
        if (delay <= 0 || delay > k_longest_revisit) {
            return fail("revisit_after: delays must be between 1 and 31536000 seconds (a year)");
        }
    }
    for (const auto& entry : c.connect_to) {
        if (std::count(entry.begin(), entry.end(), ':') < 3) {
            return fail("connect_to: '" + entry + "' is not HOST:PORT:ADDR:PORT");
        }
    }
    return {};
}

std::expected<Config, std::string> load_config(const std::filesystem::path& path, Config base)
{
    toml::table table;
    try {
        table = toml::parse_file(path.string());
    } catch (const toml::parse_error& error) {
        std::ostringstream message;
        message << path.string() << ": " << error.description() << " (line " << error.source().begin.line << ")";
        return std::unexpected(message.str());
    }
    if (auto read = read_all(table, base); !read) {
        return std::unexpected(path.string() + ": " + read.error());
    }
    if (auto valid = validate(base); !valid) {
        return std::unexpected(path.string() + ": " + valid.error());
    }
    return base;
}

std::string to_toml(const Config& c)
{
    auto strings = [](const std::vector<std::string>& values) {
        toml::array array;
        for (const auto& value : values) {
            array.push_back(value);
        }
        return array;
    };
    toml::array revisits;
    for (auto delay : c.revisit_after) {
        revisits.push_back(delay);
    }
    toml::table table{
        {"archive", c.archive.string()},   {"ledger", c.ledger_path().string()},
        {"rate", c.rate},                  {"concurrency", c.concurrency},
        {"timeout", c.timeout},            {"retries", c.retries},
        {"max_bytes", c.max_bytes},
        {"user_agent", c.user_agent.empty() ? default_user_agent() : c.user_agent},
        {"connect_to", strings(c.connect_to)}, {"cacert", c.cacert},
        {"pause_after", c.pause_after},    {"pause_seconds", c.pause_seconds},
        {"sections", strings(c.sections)}, {"presses", strings(c.presses)},
        {"poll_interval", c.poll_interval}, {"max_listing_pages", c.max_listing_pages},
        {"revisit_after", revisits},       {"metrics_file", c.metrics_file},
        {"discovery", c.discovery},
        {"warc", c.warc},                  {"warc_max_bytes", c.warc_max_bytes},
        {"workers", c.workers},
    };
    std::ostringstream out;
    out << toml::toml_formatter(table) << '\n';
    return out.str();
}

} // namespace sillok::daemon
