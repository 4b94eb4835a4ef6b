#pragma once
// The service's discovery: for each watched section, the walks of one poll and what each
// fetched page adds. Sources:
//   - "date S": the per-date list of section S, today's (KST), newest first, paged until a
//     page holds an article of the first page of the previous complete walk of the same list
//     (without one: until a page of nothing new); after KST midnight yesterday's is finished.
//   - "latest S/T": the breaking-news list of sub-section T (learned from the pages, never a
//     table here) and the paging endpoint behind its cursor, until known articles, a
//     repeated cursor or yesterday's cursor.
//   - "home S": the section's AiRS page, for the links it adds; never the only source.
//   - "press O": a press's per-date list.
// The configured primary ("per-date" by default) is walked every poll; the other complete
// source is walked too while the primary's last poll failed or came back empty. Every walk is
// recorded in the ledger (SourceHealth); k_stall_polls empty polls in a row are a stall.
#include "daemon/fetcher.hpp"
#include "daemon/frontier.hpp"
#include "daemon/listing_walk.hpp"
#include "daemon/source_health.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sillok::daemon {

struct DiscoveryTask {
    std::string source; // "date 100", "latest 100/264", "home 100", "press 015"
    ListingWalk walk;
    std::optional<parsers::Section> section; // the watched section the walk serves
    int page_budget = k_walk_page_limit;     // pages this walk may take in one poll
    size_t found = 0;                        // refs listed on the pages walked so far
    size_t added = 0;                        // of them, new to the frontier
    std::vector<parsers::ArticleRef> first_page; // the refs of the walk's first page
};

// The dates a poll walks: today, and the day before when the previous poll was on it
// (midnight has passed since: yesterday's list is finished). Dates are YYYYMMDD.
std::vector<std::string> dates_to_walk(const std::string& previous_poll_date, const std::string& today);

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
    // By source and date: the first page of the last complete walk of that list.
    std::map<std::string, std::set<parsers::ArticleRef>> m_marks;
    bool m_storage_failed = false;
    size_t m_last_page_added = 0;
};

} // namespace sillok::daemon
