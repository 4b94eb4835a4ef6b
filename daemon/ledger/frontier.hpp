#pragma once
// The frontier: the ledger table that is the only queue of articles to fetch. Every
// source (discovery, backfill, edit revisits) adds to it; the fetching process claims
// items, and each item's outcome decides whether it is done, retried or revisited.
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/statement_cache.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/util/kst.hpp"
#include "parsers/article_ref.hpp"

#include <chrono>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

// Who queued an item; each source has its priority.
enum class QueueSource {
    discovery, // run's listings
    revisit,   // an archived article fetched again for edits
    backfill,  // backfill and coverage --queue
    adopt,     // adopt --recrawl
};
std::string_view to_string(QueueSource source);
std::optional<QueueSource> parse_queue_source(std::string_view text);
// Higher first: fresh discoveries before edit revisits before backfill work; adopted articles
// are fetched again when nothing else waits.
int priority_of(QueueSource source);

// How a finished item ends (failed ones go through Frontier::failed).
enum class Settled {
    done, // archived (no revisit left) or skipped
    gone, // the article no longer exists
};

struct FrontierItem {
    int64_t id = 0;
    parsers::ArticleRef ref;
    QueueSource source = QueueSource::discovery;
    int priority = 0;
    int attempts = 0;
    int revisits = 0;
};

struct FrontierRetryPolicy {
    int max_attempts = 5;                  // failed attempts before an item is failed for good
    std::chrono::seconds first_delay{300}; // doubled per failed attempt
    std::chrono::seconds max_delay{6 * 3600};
};

class Frontier {
public:
    // Its own connection to a ledger that Ledger::open has created and migrated.
    static std::expected<Frontier, LedgerError> open(const std::filesystem::path& ledger);

    // What enqueue does with a ref that is queued already.
    enum class Revive {
        no,                 // leave it as it is (discovery: polled every few minutes)
        failed_and_pending, // take it over: a failed one is retried now, a pending one is
                            // claimable by this source (backfill, which claims its own only)
    };
    // Queues the refs that are not archived yet; returns how many were new or taken over.
    std::expected<size_t, LedgerError> enqueue(const std::vector<parsers::ArticleRef>& refs, QueueSource source,
                                               WallClock::time_point now, Revive revive = Revive::no);
    // Queues refs for a fresh fetch, archived or not (adopt --recrawl); an item already queued
    // or in flight is left as it is. Returns how many were queued.
    std::expected<size_t, LedgerError> enqueue_again(const std::vector<parsers::ArticleRef>& refs, QueueSource source,
                                                     WallClock::time_point now);
    // Claims up to n pending items whose time has come, highest priority first; with source,
    // only items queued by that source.
    std::expected<std::vector<FrontierItem>, LedgerError> claim(size_t n, WallClock::time_point now,
                                                                std::optional<QueueSource> source = {});
    // The refs that are neither queued nor archived (what enqueue would add).
    std::expected<std::vector<parsers::ArticleRef>, LedgerError> unknown(const std::vector<parsers::ArticleRef>& refs);
    // A source's failed items, and those waiting out a retry delay, become ready now.
    // Load shedding: revisits that have waited longer than `late` past their time are given up
    // (state done, last_error "shed"), so that new articles keep their place. Returns how many.
    std::expected<size_t, LedgerError> shed_late_revisits(WallClock::time_point now, std::chrono::seconds late);
    std::expected<size_t, LedgerError> retry_now(QueueSource source, WallClock::time_point now);
    // Items left in flight by processes that no longer run go back to pending.
    std::expected<size_t, LedgerError> recover();

    // An archived article: pending again at next_visit for edit capture, else done.
    std::expected<void, LedgerError> archived(const FrontierItem& item, std::optional<WallClock::time_point> next_visit,
                                              WallClock::time_point now);
    // Gone or skipped: final.
    std::expected<void, LedgerError> finished(const FrontierItem& item, Settled state, std::string_view reason,
                                              WallClock::time_point now);
    // A failed attempt: retried later with backoff, or failed for good after max_attempts.
    std::expected<void, LedgerError> failed(const FrontierItem& item, std::string_view reason,
                                            const FrontierRetryPolicy& policy, WallClock::time_point now);
    // Not attempted (interrupted): back to pending, no attempt counted.
    std::expected<void, LedgerError> release(const FrontierItem& item);

    std::expected<std::map<std::string, int64_t>, LedgerError> counts_by_state();
    // Pending items whose time has come (of one source, when given).
    std::expected<int64_t, LedgerError> ready_count(WallClock::time_point now, std::optional<QueueSource> source = {});

private:
    explicit Frontier(SqliteDb db) : m_db(std::move(db)) {}
    LedgerError error(std::string_view what) const;
    // The statement for this SQL text, prepared once per connection; false when it cannot be.
    sql::CachedStatement prepare(std::string_view text)
    {
        return sql::CachedStatement(m_statements.find_or_prepare(m_db.get(), text));
    }

    SqliteDb m_db;
    sql::StatementCache m_statements; // after m_db: finalized before the connection closes
};

// The next edit-capture visit: the first of published_at + each delay that is still ahead,
// counting visits already made; nullopt when none is left.
std::optional<WallClock::time_point> next_revisit(std::string_view published_at,
                                                  const std::vector<std::chrono::seconds>& delays, int revisits_done,
                                                  WallClock::time_point now);

} // namespace sillok::daemon
