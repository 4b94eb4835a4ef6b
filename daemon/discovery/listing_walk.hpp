#pragma once
// One listing walk with one set of stop rules, shared by `run` (polls) and `backfill`
// (dates): a per-date list page by page, or a latest list (a sub-section's breaking news and
// the paging endpoint behind it) cursor by cursor. A walk stops at its last page, at a page
// or cursor it has already walked (A -> B -> A is a cycle, not a list), at a page that lists
// no article it has not already listed, at the day boundary (a cursor of an earlier date), at
// a page limit (which its caller reports as an unfinished walk), and, when the caller says so,
// at articles already known. Silence is a failure: a page with
// no article links, an empty shell, a missing renderedComponent, a cursor that does not move.
#include "daemon/discovery/listing_progress.hpp"
#include "parsers/listing.hpp"

#include <expected>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sillok::daemon {

enum class WalkForm {
    per_date, // main/list.naver?mode=LSD|LS2D|LPOD&date=&page=N: every article of a date
    latest,   // breakingnews/section/{sid1}/{sid2} (or section/{sid1}), then the endpoint's cursor
};

struct ListingWalk {
    WalkForm form = WalkForm::per_date;
    std::optional<parsers::Section> section;
    std::string press; // a press's per-date list when set
    // YYYYMMDD. per_date: the list's date. latest: the day wanted; a cursor of an earlier
    // day ends the walk ("" walks without a day boundary).
    std::string date;
    // latest: the first page from the endpoint (with date=) instead of the HTML list page.
    bool endpoint_first = false;
    // latest: the paging endpoint's template, from the wrapper's data-template once read.
    std::string template_name = "SECTION_ARTICLE_LIST_FOR_LATEST";
    ListingState state;
    // What this walk has seen since it (re)started: the cursors it requested and the articles
    // its pages listed. Not saved: a resumed walk starts them again at its saved cursor.
    std::set<std::string> cursors_seen;
    std::set<parsers::ArticleRef> refs_seen;
};

// The URL of the walk's next page, and the Referer it is requested with ("" for none): the
// endpoint answers only requests that come from a news.naver.com page.
std::string next_url(const ListingWalk& walk);
std::string referer(const ListingWalk& walk);

enum class WalkEnd {
    more,            // the walk goes on at next_url
    last_page,       // the listing says nothing follows
    repeated_page,   // a per-date page past the last answers the last page again
    repeated_cursor, // the next cursor is one the walk has already requested (or does not move)
    no_new_articles, // the page lists only articles earlier pages of the walk listed
    day_boundary,    // the cursor is of an earlier day than the walk's date
    page_limit,      // longer than any real day: the walk is not complete
    known_articles,  // the caller found articles it already had (stop_at_known)
};
std::string_view to_string(WalkEnd end);
// Why a walk ended, in a sentence for the log ("the cursor 2026... was already walked").
std::string end_reason(const ListingWalk& walk, WalkEnd end);

enum class ListingFailureKind {
    fetch,             // the request failed (status, timeout, ...)
    not_a_listing,     // the body is an article page or not Naver News
    malformed,         // unreadable body
    missing_component, // endpoint JSON without renderedComponent
    empty_shell,       // endpoint JSON with an empty renderedComponent
    no_articles,       // a listing without a single article link
    cursor_stuck,      // the next cursor is the one just requested
};
std::string_view to_string(ListingFailureKind kind);

struct ListingFailure {
    ListingFailureKind kind;
    std::string url;
    std::string message;
};

struct WalkStep {
    std::vector<parsers::ArticleRef> refs;  // the page's own list (all its article links when it has none)
    std::vector<parsers::ArticleRef> fresh; // those of refs no earlier page of the walk listed
    std::vector<parsers::Section> subsections;
    WalkEnd end = WalkEnd::more;
};

inline constexpr int k_walk_page_limit = 1000; // far more than any section lists in a day

// Moves walk past one fetched and parsed page. The state is updated (next page or cursor, or
// done) also when the page is a failure, so that a failed walk is never retried in a loop.
std::expected<WalkStep, ListingFailure> advance(ListingWalk& walk, const std::string& url,
                                                const std::expected<parsers::Listing, parsers::ListingError>& listing);

// The known-articles rule: a page on which the caller reached articles it already knew ends
// the walk (the list is newest first). What "known" means is the caller's: discovery uses the
// first page of its previous complete walk of the same list, so that articles another source
// queued out of order do not end a walk early.
void stop_at_known(ListingWalk& walk, WalkStep& step, bool reached_known);

} // namespace sillok::daemon
