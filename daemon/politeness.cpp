#include "daemon/politeness.hpp"

#include "daemon/sql.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sillok::daemon {
namespace {

constexpr double k_jitter = 0.1; // up to 10% more than the minimum spacing

} // namespace

Politeness::Politeness(PolitenessOptions options) : m_options(options) {}

std::unique_ptr<Politeness> Politeness::shared(const std::filesystem::path& ledger, PolitenessOptions options,
                                               std::string* error)
{
    std::string reason;
    auto db = sql::open_state_connection(ledger, reason);
    if (!db) {
        if (error != nullptr) {
            *error = reason;
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
    bound(state, now);
    return from_unix_ms(std::max({unix_ms(now), state.next_slot_ms, state.paused_until}));
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

bool Politeness::begin()
{
    return !m_db || sqlite3_exec(m_db.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
}

void Politeness::end(bool commit)
{
    if (m_db) {
        sqlite3_exec(m_db.get(), commit ? "COMMIT" : "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

Politeness::HostState Politeness::load(const std::string& host)
{
    if (!m_db) {
        return m_memory[host];
    }
    HostState state;
    sqlite3_stmt* raw = nullptr;
    sqlite3_prepare_v2(m_db.get(), "SELECT next_slot_ms, paused_until, coalesce(pause_reason, ''), strikes"
                                   " FROM hosts WHERE host = ?1", -1, &raw, nullptr);
    SqliteStmt stmt(raw);
    sqlite3_bind_text(raw, 1, host.data(), static_cast<int>(host.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(raw) == SQLITE_ROW) {
        state.next_slot_ms = sqlite3_column_int64(raw, 0);
        state.paused_until = sqlite3_column_int64(raw, 1);
        state.pause_reason = reinterpret_cast<const char*>(sqlite3_column_text(raw, 2));
        state.strikes = sqlite3_column_int(raw, 3);
    }
    return state;
}

void Politeness::store(const std::string& host, const HostState& state)
{
    if (!m_db) {
        m_memory[host] = state;
        return;
    }
    sqlite3_stmt* raw = nullptr;
    sqlite3_prepare_v2(m_db.get(),
                       "INSERT INTO hosts (host, next_slot_ms, paused_until, pause_reason, strikes)"
                       " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host) DO UPDATE SET next_slot_ms = ?2,"
                       " paused_until = ?3, pause_reason = ?4, strikes = ?5",
                       -1, &raw, nullptr);
    SqliteStmt stmt(raw);
    sqlite3_bind_text(raw, 1, host.data(), static_cast<int>(host.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(raw, 2, state.next_slot_ms);
    sqlite3_bind_int64(raw, 3, state.paused_until);
    sqlite3_bind_text(raw, 4, state.pause_reason.data(), static_cast<int>(state.pause_reason.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int(raw, 5, state.strikes);
    if (sqlite3_step(raw) != SQLITE_DONE) {
        spdlog::warn("cannot record the politeness budget of {}: {}", host, sqlite3_errmsg(m_db.get()));
    }
}

WallClock::time_point Politeness::reserve(const std::string& host, WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    bool transaction = begin();
    auto state = load(host);
    bound(state, now);
    auto slot = std::max({unix_ms(now), state.next_slot_ms, state.paused_until});
    state.next_slot_ms = slot + interval_ms();
    store(host, state);
    end(transaction);
    return from_unix_ms(slot);
}

void Politeness::hold(const std::string& host, WallClock::time_point until, const std::string& reason,
                      WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    bool transaction = begin();
    auto state = load(host);
    bound(state, now);
    until = std::min(until, now + k_longest_hold);
    if (until - now <= k_visible_hold) {
        state.next_slot_ms = std::max(state.next_slot_ms, unix_ms(until)); // a short wait, not a pause
    } else if (unix_ms(until) > state.paused_until) {
        state.paused_until = unix_ms(until);
        state.pause_reason = reason;
    }
    store(host, state);
    end(transaction);
}

std::optional<WallClock::time_point> Politeness::record_answer(const std::string& host, long status,
                                                               WallClock::time_point now)
{
    std::lock_guard lock(m_mutex);
    bool transaction = begin();
    auto state = load(host);
    bool strike = status == 403 || status == 429;
    if (!strike && state.strikes == 0) {
        end(transaction);
        return std::nullopt;
    }
    std::optional<WallClock::time_point> paused;
    state.strikes = strike ? state.strikes + 1 : 0;
    if (strike && state.strikes >= m_options.pause_after) {
        auto until = now + m_options.pause_for;
        paused = until;
        state.paused_until = unix_ms(until);
        state.pause_reason = std::to_string(state.strikes) + " answers 403/429 in a row";
        state.strikes = 0;
        spdlog::warn("pausing all requests to {} for {} s: {}", host, m_options.pause_for.count(), state.pause_reason);
    }
    store(host, state);
    end(transaction);
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
    sqlite3_stmt* raw = nullptr;
    sqlite3_prepare_v2(m_db.get(), "SELECT host, paused_until, coalesce(pause_reason, '') FROM hosts"
                                   " WHERE paused_until > ?1 ORDER BY host", -1, &raw, nullptr);
    SqliteStmt stmt(raw);
    sqlite3_bind_int64(raw, 1, unix_ms(now));
    while (sqlite3_step(raw) == SQLITE_ROW) {
        hosts.push_back({reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)),
                         from_unix_ms(sqlite3_column_int64(raw, 1)),
                         reinterpret_cast<const char*>(sqlite3_column_text(raw, 2))});
    }
    return hosts;
}

} // namespace sillok::daemon
