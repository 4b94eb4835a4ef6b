#pragma once
// Every setting, declared once: its key, where it lives in Config, its range, whether a
// running service applies it on SIGHUP, its command-line option and its help. Reading and
// writing TOML, the command line, validation, reload and `sillok config --describe` (the
// README's table) are derived from this one list; the default is Config's initialiser.
#include "daemon/config/config.hpp"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sillok::daemon {

// Where a setting's value lives in Config; its type follows.
using SettingField =
    std::variant<bool Config::*, double Config::*, int Config::*, int64_t Config::*, std::string Config::*,
                 std::filesystem::path Config::*, std::vector<std::string> Config::*, std::vector<int64_t> Config::*,
                 WarcMode Config::*, DiscoveryOrder Config::*>;

// Which commands take a setting as an option: storage ones every command, network ones
// the commands that fetch, discovery ones `run` and `config`.
enum class OptionGroup { none, storage, network, discovery };

// What a running service does with a changed value on SIGHUP.
enum class Reload { applied, on_restart };

struct Setting {
    std::string_view key;
    SettingField field;
    std::string_view help;        // one line: --help, `config --describe` and the README
    std::string_view option = {}; // "--rate"; empty: configuration file only
    OptionGroup group = OptionGroup::none;
    Reload reload = Reload::on_restart;
    // Numbers (and each element of a list of numbers) lie within [min, max].
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    std::string_view range = {}; // the range in words, for messages and help; empty: none
    // A rule beyond the range (a format, a set of words); empty message: fine.
    std::string (*check)(const Config&) = nullptr;
    // Seconds that may also be written with a unit: "90s", "15m", "6h", "2d".
    bool duration = false;
};

// All settings, in the order the configuration file and the README list them.
std::span<const Setting> settings();
const Setting* find_setting(std::string_view key);

// The value of a setting as TOML writes it ("1.0", "\"per-date\"", "[3600, 21600]").
std::string setting_value_text(const Setting& setting, const Config& config);
// Copies a setting's value from one Config to another; true when it differed.
bool copy_setting(const Setting& setting, const Config& from, Config& to);
// Checks one setting's value: its range and its own rule. The message names the key.
std::expected<void, std::string> check_setting(const Setting& setting, const Config& config);

// The settings as a Markdown table (key, default, on SIGHUP, meaning): the README's.
std::string describe_settings();

} // namespace sillok::daemon
