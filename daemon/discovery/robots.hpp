#pragma once
// Each host's robots.txt in the ledger's robots table: the service fetches it at most once a
// day per host, keeps what was served and says, in the log and in `status`, what it asks of
// sillok (the rules of the group that applies to its User-Agent's product token).
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/util/kst.hpp"

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

inline constexpr auto k_robots_every = std::chrono::hours(24);
inline constexpr size_t k_robots_read_bytes = size_t{500} << 10;
inline constexpr std::string_view k_robots_too_large = "unreadable (too large)";

struct RobotsEntry {
    std::string host;
    WallClock::time_point fetched_at;
    long status = 0;
    std::string rules; // one a line, escaped for a terminal; empty: nothing asked of sillok
};

class RobotsLedger {
public:
    static std::expected<RobotsLedger, LedgerError> open(const std::filesystem::path& ledger);

    // No robots.txt of `host` fetched in the last k_robots_every.
    std::expected<bool, LedgerError> due(const std::string& host, WallClock::time_point now);
    // Keeps the answer; returns the rules that apply to `product_token`, one a line, escaped
    // for a terminal or log (control bytes and invalid UTF-8 as \xHH). Only the first
    // k_robots_read_bytes of the body are read and kept (RFC 9309 2.5 allows a crawler that
    // limit, 500 KiB at least), cut at the last line break within them. `too_large`: the body
    // passed the fetch's own cap and was not received; the rules are then "unreadable (too large)".
    std::expected<std::string, LedgerError> record(const std::string& host, long status, const std::string& body,
                                                   std::string_view product_token, WallClock::time_point now,
                                                   bool too_large = false);

private:
    explicit RobotsLedger(SqliteDb db) : m_db(std::move(db)) {}
    LedgerError error(std::string_view what) const;

    SqliteDb m_db;
};

// The product token of a User-Agent: "sillok/0.1.0 (...)" -> "sillok".
std::string product_token(std::string_view user_agent);

// Every host's latest robots.txt, by host; for `status`.
std::expected<std::vector<RobotsEntry>, std::string> read_robots(sqlite3* db);

} // namespace sillok::daemon
