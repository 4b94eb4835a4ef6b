#pragma once
// One politeness budget per host: request starts spaced by 1/rate (with jitter),
// Retry-After holds, and a circuit breaker that pauses a host after repeated 403/429.
// Backed by the ledger's hosts table, so every sillok process on one archive shares it.
#include "daemon/util/c_handles.hpp"
#include "daemon/util/kst.hpp"

#include <chrono>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace sillok::daemon {

struct PolitenessOptions {
    double rate = 1.0;   // request starts per second per host; 0 = unlimited
    int pause_after = 5; // consecutive 403/429 answers that pause a host
    std::chrono::seconds pause_for{600};
};

struct PausedHost {
    std::string host;
    WallClock::time_point until;
    std::string reason;
};

class Politeness {
public:
    // In memory only: this process's own budget.
    explicit Politeness(PolitenessOptions options);
    // Shared through the ledger file (its own connection; the ledger must exist and be migrated).
    // busy_timeout: how long a call waits for another process's lock before it fails.
    static std::unique_ptr<Politeness> shared(const std::filesystem::path& ledger, PolitenessOptions options,
                                              std::string* error,
                                              std::chrono::milliseconds busy_timeout = std::chrono::seconds(30));

    // The wall time at which a request to host may start; reserves that slot. An error (logged)
    // when the shared budget cannot be read or updated: no slot is reserved then, and the
    // request must not start until a later call succeeds.
    std::expected<WallClock::time_point, std::string> reserve(const std::string& host, WallClock::time_point now);
    // No request to host starts before until (Retry-After): a hold longer than
    // k_visible_hold is recorded as a pause with its reason, so that `status` shows it. Holds and pauses never reach
    // further than k_longest_hold (or pause_for, when longer) past the moment they are read, and reserved slots no
    // further than k_longest_queue: a stored time from a bad answer or an old bug cannot block the host for longer.
    void hold(const std::string& host, WallClock::time_point until, const std::string& reason = "Retry-After",
              WallClock::time_point now = wall_now());
    static constexpr std::chrono::seconds k_longest_hold{600};
    // Holds up to this long only space the next request; longer ones are pauses.
    static constexpr std::chrono::seconds k_visible_hold{30};
    static constexpr std::chrono::seconds k_longest_queue{3600};
    // Counts 403/429 answers in a row; pauses the host when there are too many, and then
    // returns until when.
    std::optional<WallClock::time_point> record_answer(const std::string& host, long status, WallClock::time_point now);
    std::vector<PausedHost> paused(WallClock::time_point now);
    bool is_paused(std::string_view host, WallClock::time_point now);

    // The least time between two request starts to one host (1/rate; zero when unlimited).
    [[nodiscard]] std::chrono::milliseconds spacing() const;
    // When the next request to host could start: after its reserved slots, holds and pauses.
    WallClock::time_point available_at(const std::string& host, WallClock::time_point now);

    void set_rate(double rate);
    [[nodiscard]] double rate() const { return m_options.rate; }

private:
    struct HostState {
        int64_t next_slot_ms = 0;
        int64_t paused_until = 0;
        std::string pause_reason;
        int strikes = 0;
    };
    std::expected<HostState, std::string> load(const std::string& host);
    // Brings stored times back within k_longest_hold / k_longest_queue of now.
    void bound(HostState& state, WallClock::time_point now) const;
    std::expected<void, std::string> store(const std::string& host, const HostState& state);
    // One read-change-write of a host's state, in one ledger transaction; change returns
    // whether to write. The state as changed, or why the ledger failed (rolled back).
    template <typename Change>
    std::expected<HostState, std::string> modify(const std::string& host, Change change);
    [[nodiscard]] std::string db_error(std::string_view what) const;
    // Logs the first failure of a run of them, and the recovery after it.
    void report_failure(const std::string& what);
    void report_success();
    int64_t interval_ms();

    PolitenessOptions m_options;
    SqliteDb m_db; // null: in memory
    std::map<std::string, HostState> m_memory;
    std::mutex m_mutex;
    std::mt19937 m_random{std::random_device{}()};
    bool m_failing = false;
};

} // namespace sillok::daemon
