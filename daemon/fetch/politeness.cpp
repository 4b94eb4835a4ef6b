#include "daemon/fetch/politeness.hpp"

#include "daemon/ledger/sql.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sillok::daemon {
namespace {

constexpr double k_jitter = 0.1; // up to 10% more than the minimum spacing

} // namespace

Politeness::Politeness(PolitenessOptions options) : m_options(options) {}

std::unique_ptr<Politeness> Politeness::shared(const std::filesystem::path& ledger, PolitenessOptions options,
                                               std::string* error, std::chrono::milliseconds busy_timeout)
{
    std::string reason;
    auto db = sql::open_state_connection(ledger, reason);
    if (!db) {
        if (error != nullptr) {
            *error = reason;
        }
        return nullptr;
    }
    if (int rc = sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count())); rc != SQLITE_OK) {
        if (error != nullptr) {
            *error = "cannot set the ledger's busy timeout: " + std::string(sqlite3_errstr(rc));
        }
        return nullptr;
    }
    auto politeness = std::make_unique<Politeness>(options);
    politeness->m_db = std::move(db);
    return politeness;
}

std::chrono::milliseconds Politeness::spacing() const
{
    return m_options.rate > 0 ? std::chrono::milliseconds(static_cast<int64_t>(1000.0 / m_options.rate))
                              : std::chrono::milliseconds(0);
}

void Politeness::bound(HostState& state, WallClock::time_point now) const
{
    const auto longest_pause = std::max(m_options.pause_for, std::chrono::seconds(k_longest_hold));
    state.paused_until = std::min(state.paused_until, unix_ms(now + longest_pause));
    state.next_slot_ms = std::min(state.next_slot_ms, unix_ms(now + k_longest_queue));
}

WallClock::time_point Politeness::available_at(const std::string& host, WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    auto state = load(host);
    if (!state) {
        // Only a hint of how long to wait: the slot itself is reserved (or not) by reserve().
        report_failure("cannot read the politeness budget of " + host + ": " + state.error());
        return now;
    }
    bound(*state, now);
    return from_unix_ms(std::max({unix_ms(now), state->next_slot_ms, state->paused_until}));
}

void Politeness::set_rate(double rate)
{
    std::lock_guard lock(m_mutex);
    m_options.rate = rate;
}

int64_t Politeness::interval_ms()
{
    if (m_options.rate <= 0) {
        return 0;
    }
    std::uniform_real_distribution<double> jitter(1.0, 1.0 + k_jitter);
    return static_cast<int64_t>(1000.0 / m_options.rate * jitter(m_random));
}

std::string Politeness::db_error(std::string_view what) const
{
    return std::string(what) + ": " + sqlite3_errmsg(m_db.get());
}

void Politeness::report_failure(const std::string& what)
{
    if (!m_failing) {
        spdlog::error("{}; requests to the host wait until the ledger's budget works again", what);
    } else {
        spdlog::debug("{}", what);
    }
    m_failing = true;
}

void Politeness::report_success()
{
    if (m_failing) {
        spdlog::info("the ledger's politeness budget works again");
    }
    m_failing = false;
}

std::expected<Politeness::HostState, std::string> Politeness::load(const std::string& host)
{
    if (!m_db) {
        return m_memory[host];
    }
    auto stmt = sql::prepare(m_db.get(), "SELECT next_slot_ms, paused_until, coalesce(pause_reason, ''), strikes"
                                         " FROM hosts WHERE host = ?1");
    if (!stmt) {
        return std::unexpected(db_error("cannot read the hosts table"));
    }
    HostState state;
    int rc = sql::Bound(stmt.get()).text(host).step();
    if (rc == SQLITE_ROW) {
        state.next_slot_ms = sqlite3_column_int64(stmt.get(), 0);
        state.paused_until = sqlite3_column_int64(stmt.get(), 1);
        state.pause_reason = sql::column_text(stmt.get(), 2).value_or("");
        state.strikes = sqlite3_column_int(stmt.get(), 3);
    } else if (rc != SQLITE_DONE) {
        return std::unexpected(db_error("cannot read the hosts table"));
    }
    return state;
}

std::expected<void, std::string> Politeness::store(const std::string& host, const HostState& state)
{
    if (!m_db) {
        m_memory[host] = state;
        return {};
    }
    auto stmt =
        sql::prepare(m_db.get(), "INSERT INTO hosts (host, next_slot_ms, paused_until, pause_reason, strikes)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host) DO UPDATE SET next_slot_ms = ?2,"
                                 " paused_until = ?3, pause_reason = ?4, strikes = ?5");
    if (!stmt) {
        return std::unexpected(db_error("cannot write the hosts table"));
    }
    int rc = sql::Bound(stmt.get())
                 .text(host)
                 .integer(state.next_slot_ms)
                 .integer(state.paused_until)
                 .text(state.pause_reason)
                 .integer(int64_t{state.strikes})
                 .step();
    if (rc != SQLITE_DONE) {
        return std::unexpected(db_error("cannot write the hosts table"));
    }
    return {};
}

template <typename Change>
std::expected<Politeness::HostState, std::string> Politeness::modify(const std::string& host, Change change)
{
    if (!m_db) {
        auto& state = m_memory[host];
        change(state);
        return state;
    }
    sql::Transaction transaction(m_db.get());
    if (transaction.begin() != SQLITE_OK) {
        return std::unexpected(db_error("cannot lock the hosts table"));
    }
    auto state = load(host);
    if (!state) {
        return std::unexpected(state.error());
    }
    if (change(*state)) {
        if (auto stored = store(host, *state); !stored) {
            return std::unexpected(stored.error());
        }
    }
    if (transaction.commit() != SQLITE_OK) {
        return std::unexpected(db_error("cannot commit to the hosts table"));
    }
    return state;
}

std::expected<WallClock::time_point, std::string> Politeness::reserve(const std::string& host,
                                                                      WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    int64_t slot = 0;
    auto reserved = modify(host, [&](HostState& state) {
        bound(state, now);
        slot = std::max({unix_ms(now), state.next_slot_ms, state.paused_until});
        state.next_slot_ms = slot + interval_ms();
        return true;
    });
    if (!reserved) {
        report_failure("cannot reserve a request slot for " + host + ": " + reserved.error());
        return std::unexpected(reserved.error());
    }
    report_success();
    return from_unix_ms(slot);
}

void Politeness::hold(const std::string& host, WallClock::time_point until, const std::string& reason,
                      WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    until = std::min(until, now + k_longest_hold);
    auto held = modify(host, [&](HostState& state) {
        bound(state, now);
        if (until - now <= k_visible_hold) {
            state.next_slot_ms = std::max(state.next_slot_ms, unix_ms(until)); // a short wait, not a pause
        } else if (unix_ms(until) > state.paused_until) {
            state.paused_until = unix_ms(until);
            state.pause_reason = reason;
        }
        return true;
    });
    if (!held) {
        // This process still holds the host (the loop keeps its requests back); other
        // processes do not learn of it.
        report_failure("cannot record the hold of " + host + " (" + reason + "): " + held.error());
    }
}

std::optional<WallClock::time_point> Politeness::record_answer(const std::string& host, long status,
                                                               WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    bool strike = status == 403 || status == 429;
    std::optional<WallClock::time_point> paused;
    auto counted = modify(host, [&](HostState& state) {
        if (!strike && state.strikes == 0) {
            return false;
        }
        state.strikes = strike ? state.strikes + 1 : 0;
        if (strike && state.strikes >= m_options.pause_after) {
            auto until = now + m_options.pause_for;
            paused = until;
            state.paused_until = unix_ms(until);
            state.pause_reason = std::to_string(state.strikes) + " answers 403/429 in a row";
            state.strikes = 0;
        }
        return true;
    });
    if (!counted) {
        report_failure("cannot count the answer " + std::to_string(status) + " of " + host + ": " + counted.error());
        return std::nullopt;
    }
    if (paused) {
        spdlog::warn("pausing all requests to {} for {} s: {}", host, m_options.pause_for.count(),
                     counted->pause_reason);
    }
    return paused;
}

bool Politeness::is_paused(std::string_view host, WallClock::time_point now)
{
    auto hosts = paused(now);
    return std::ranges::any_of(hosts, [&](const PausedHost& paused_host) { return paused_host.host == host; });
}

std::vector<PausedHost> Politeness::paused(WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    std::vector<PausedHost> hosts;
    if (!m_db) {
        for (const auto& [host, state] : m_memory) {
            if (state.paused_until > unix_ms(now)) {
                hosts.push_back({host, from_unix_ms(state.paused_until), state.pause_reason});
            }
        }
        return hosts;
    }
    auto stmt = sql::prepare(m_db.get(), "SELECT host, paused_until, coalesce(pause_reason, '') FROM hosts"
                                         " WHERE paused_until > ?1 ORDER BY host");
    if (!stmt) {
        report_failure(db_error("cannot read the paused hosts"));
        return hosts;
    }
    sql::Bound bound(stmt.get());
    bound.integer(unix_ms(now));
    int rc = SQLITE_DONE;
    while ((rc = bound.step()) == SQLITE_ROW) {
        hosts.push_back({sql::column_text(stmt.get(), 0).value_or(""),
                         from_unix_ms(sqlite3_column_int64(stmt.get(), 1)),
                         sql::column_text(stmt.get(), 2).value_or("")});
    }
    if (rc != SQLITE_DONE) {
        report_failure(db_error("cannot read the paused hosts"));
    }
    return hosts;
}

} // namespace sillok::daemon
