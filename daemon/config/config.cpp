#include "daemon/config/config.hpp"

#include "daemon/config/settings.hpp"
#include "daemon/fetch/fetch_types.hpp"
#include "daemon/util/numbers.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <sstream>
#include <utility>

namespace sillok::daemon {

std::optional<DiscoveryOrder> parse_discovery_order(std::string_view text)
{
    if (text == "per-date") {
        return DiscoveryOrder::per_date;
    }
    if (text == "latest") {
        return DiscoveryOrder::latest;
    }
    return std::nullopt;
}

std::string_view to_string(DiscoveryOrder order) { return order == DiscoveryOrder::latest ? "latest" : "per-date"; }

namespace {

// Words settings: their values as the file spells them.
std::optional<WarcMode> parse_word(std::string_view text, WarcMode /*tag*/) { return parse_warc_mode(text); }
std::optional<DiscoveryOrder> parse_word(std::string_view text, DiscoveryOrder /*tag*/)
{
    return parse_discovery_order(text);
}

std::string where(const toml::node& node, std::string_view key)
{
    const auto& source = node.source();
    return "'" + std::string(key) + "' (line " + std::to_string(source.begin.line) + ")";
}

// A duration setting's value as seconds: a number, or a string with a unit ("15m", "6h").
std::optional<int64_t> seconds_of(const toml::node& node)
{
    if (auto text = node.value<std::string>(); text && node.is_string()) {
        auto duration = parse_duration(*text);
        return duration ? std::optional<int64_t>(duration->count()) : std::nullopt;
    }
    return node.is_integer() ? node.value<int64_t>() : std::nullopt;
}

template <typename T>
std::expected<void, std::string> read(const toml::table& table, std::string_view key, T& out, bool duration)
{
    const auto* node = table.get(key);
    if (node == nullptr) {
        return {};
    }
    if constexpr (std::is_same_v<T, bool>) {
        if (auto value = node->value<bool>(); value && node->is_boolean()) {
            out = *value;
            return {};
        }
        return std::unexpected(where(*node, key) + " must be true or false");
    } else if constexpr (std::is_same_v<T, double>) {
        if (auto seconds = duration && node->is_string() ? seconds_of(*node) : std::nullopt) {
            out = static_cast<double>(*seconds);
            return {};
        }
        if (auto value = node->value<double>(); value && std::isfinite(*value)) {
            out = *value;
            return {};
        }
        return std::unexpected(where(*node, key) + " must be a finite number");
    } else if constexpr (std::is_integral_v<T>) {
        auto value = duration ? seconds_of(*node) : node->is_integer() ? node->value<int64_t>() : std::nullopt;
        if (value && std::in_range<T>(*value)) {
            out = static_cast<T>(*value);
            return {};
        }
        return std::unexpected(where(*node, key)
                               + (duration ? " must be a duration (seconds, or \"15m\", \"6h\", \"2d\")"
                                           : " must be an integer in range"));
    } else if constexpr (std::is_enum_v<T>) {
        auto text = node->value<std::string>();
        auto value = text && node->is_string() ? parse_word(*text, T{}) : std::nullopt;
        if (!value) {
            return std::unexpected(where(*node, key) + " cannot be " + (text ? "\"" + *text + "\"" : "that")
                                   + ": see `sillok config --describe`");
        }
        out = *value;
        return {};
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
            if constexpr (std::is_integral_v<Element>) {
                if (auto seconds = duration ? seconds_of(element) : std::nullopt) {
                    out.push_back(*seconds);
                    continue;
                }
            }
            auto value = element.value<Element>();
            if (!value || (std::is_same_v<Element, std::string> != element.is_string())) {
                return std::unexpected(where(element, key) + " holds a value of the wrong type");
            }
            out.push_back(*value);
        }
        return {};
    }
}

std::expected<void, std::string> read_all(const toml::table& table, Config& config)
{
    for (const auto& [key, node] : table) {
        if (find_setting(key.str()) == nullptr) {
            return std::unexpected(where(node, key.str()) + " is not a sillok setting");
        }
    }
    for (const auto& setting : settings()) {
        auto result = std::visit(
            [&](auto member) { return read(table, setting.key, config.*member, setting.duration); }, setting.field);
        if (!result) {
            return result;
        }
    }
    return {};
}

} // namespace

Result<> validate(const Config& config)
{
    for (const auto& setting : settings()) {
        if (auto checked = check_setting(setting, config); !checked) {
            return std::unexpected(Error{ErrorKind::usage, checked.error()});
        }
    }
    return {};
}

Result<Config> load_config(const std::filesystem::path& path, Config base)
{
    auto config_error = [&](std::string message) {
        return std::unexpected(Error{ErrorKind::config, path.string() + ": " + std::move(message)});
    };
    toml::table table;
    try {
        table = toml::parse_file(path.string());
    } catch (const toml::parse_error& error) {
        std::ostringstream message;
        message << error.description() << " (line " << error.source().begin.line << ")";
        return config_error(message.str());
    }
    if (auto read = read_all(table, base); !read) {
        return config_error(read.error());
    }
    if (auto valid = validate(base); !valid) {
        return config_error(valid.error().message);
    }
    return base;
}

std::string to_toml(const Config& config)
{
    // The values in effect: the ledger's path and the User-Agent as they are used.
    Config effective = config;
    effective.ledger = config.ledger_path();
    if (effective.user_agent.empty()) {
        effective.user_agent = default_user_agent();
    }
    std::string text;
    for (const auto& setting : settings()) {
        text += std::string(setting.key) + " = " + setting_value_text(setting, effective) + "\n";
    }
    return text;
}

} // namespace sillok::daemon
