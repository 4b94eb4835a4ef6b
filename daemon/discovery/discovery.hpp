#pragma once
// The service's discovery: for each watched section, the walks of one poll and what each
// fetched page adds. Sources:
//   - "date S": the per-date list of section S, today's (KST), newest first, paged until a
//     page holds an article of the first page of the previous complete walk of the same list
//     (without one: until a page of nothing new); for k_finish_yesterday_for after KST midnight
//     yesterday's is walked too, so that its last articles, listed late, are not missed.
//   - "latest S/T": the breaking-news list of sub-section T (learned from the pages, never a
//     table here) and the paging endpoint behind its cursor, until known articles, a
//     repeated cursor or yesterday's cursor.
//   - "home S": the section's AiRS page, for the links it adds; never the only source.
//   - "press O": a press's per-date list.
// The configured primary ("per-date" by default) is walked every poll; the other complete
// source is walked too while the primary's last poll failed or came back empty. Every walk is
// recorded in the ledger (SourceHealth); k_stall_polls empty polls in a row are a stall.
//
// A new day's list is empty until its first article: an empty per-date list of today is
// "day_not_begun", not silence, while all of these hold: the poll is less than
// k_new_day_grace after KST midnight, the list has shown no article since the day began, and
// the source was healthy before (no failure since its last success, which was the walk of
// yesterday's list). Such a poll is logged and recorded but counts towards no stall; the
// other complete source is still walked, in case the list is broken rather than young.
#include "daemon/discovery/listing_walk.hpp"
#include "daemon/discovery/source_health.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "daemon/ledger/frontier.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sillok::daemon {

struct DiscoveryTask {
    std::string source; // "date 100", "latest 100/264", "home 100", "press 015"
    ListingWalk walk;
    std::optional<parsers::Section> section;     // the watched section the walk serves
    int page_budget = k_walk_page_limit;         // pages this walk may take in one poll
    size_t found = 0;                            // refs listed on the pages walked so far
    size_t added = 0;                            // of them, new to the frontier
    std::vector<parsers::ArticleRef> first_page; // the refs of the walk's first page
};

inline constexpr auto k_finish_yesterday_for = std::chrono::minutes(10);
inline constexpr auto k_new_day_grace = std::chrono::hours(1);

// The dates a poll at `now` walks: today; yesterday too for k_finish_yesterday_for after
// KST midnight; and the previous poll's day when it was earlier (the service was not polling
// at midnight: that list is finished once). Dates are YYYYMMDD.
std::vector<std::string> dates_to_walk(const std::string& previous_poll_date, WallClock::time_point now);

class Discovery {
public:
    Discovery(Frontier& frontier, SourceHealth& health, bool latest_first, int home_pages);

    void watch(const std::vector<std::string>& sections, const std::vector<std::string>& presses);
    // The first page of every walk of a poll at `now`.
    std::vector<DiscoveryTask> poll(WallClock::time_point now);
    // Takes one fetched page of `task`'s walk: queues its articles, records the walk when it
    // ends and returns the task for its next page when it goes on.
    std::optional<DiscoveryTask> page_done(DiscoveryTask task, const FetchResult& result);
    // Articles new to the frontier from the page last handed to page_done: its response is
    // kept with warc = "versions" when there are any.
    [[nodiscard]] size_t last_page_added() const { return m_last_page_added; }
    // The ledger could not be written.
    [[nodiscard]] bool storage_failed() const { return m_storage_failed; }

private:
    struct Watched {
        parsers::Section section;
        std::vector<parsers::Section> subsections; // learned from its pages
    };

    void add_complete_walks(const Watched& watched, const std::string& date, bool today,
                            std::vector<DiscoveryTask>& tasks);
    bool failing(const std::string& source);
    bool day_not_begun(const DiscoveryTask& task, const ListingFailure& failure);
    bool failing_latest(const Watched& watched);
    void learn(const DiscoveryTask& task, const std::vector<parsers::Section>& subsections);
    bool reached_known(const DiscoveryTask& task, const WalkStep& step, size_t added) const;
    void finish(const DiscoveryTask& task, const std::string& url, std::optional<ListingFailure> failure);

    Frontier& m_frontier;
    SourceHealth& m_health;
    bool m_latest_first;
    int m_home_pages;
    std::vector<Watched> m_sections;
    std::vector<std::string> m_presses;
    std::string m_last_poll_date;
    WallClock::time_point m_last_poll{};
    // Sources whose latest poll found the new day's list still empty.
    std::set<std::string> m_day_not_begun;
    // By source and date: the first page of the last complete walk of that list.
    std::map<std::string, std::set<parsers::ArticleRef>> m_marks;
    bool m_storage_failed = false;
    size_t m_last_page_added = 0;
};

} // namespace sillok::daemon
