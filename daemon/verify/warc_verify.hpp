#pragma once
// `sillok verify` for WARC: every response record a fetch row points to is there, whole,
// of the fetch's URL, and its digests match.
#include <sqlite3.h>

#include <cstddef>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace sillok::daemon {

// Calls problem(warc file, detail) for each bad record; returns how many records were checked.
// Error: the ledger cannot be read.
std::expected<size_t, std::string> check_warc_links(
    sqlite3* db, const std::filesystem::path& archive_root,
    const std::function<void(std::string_view file, std::string_view detail)>& problem);

} // namespace sillok::daemon
