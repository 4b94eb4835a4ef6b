#include "daemon/discovery/listing_walk.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sillok::daemon {
namespace {

std::unexpected<ListingFailure> failure(ListingFailureKind kind, const std::string& url, std::string message)
{
    return std::unexpected(ListingFailure{kind, url, std::move(message)});
}

ListingFailureKind failure_kind(parsers::ListingErrorKind kind)
{
    switch (kind) {
    case parsers::ListingErrorKind::not_a_listing:
        return ListingFailureKind::not_a_listing;
    case parsers::ListingErrorKind::malformed:
        return ListingFailureKind::malformed;
    case parsers::ListingErrorKind::missing_component:
        return ListingFailureKind::missing_component;
    case parsers::ListingErrorKind::empty_shell:
        return ListingFailureKind::empty_shell;
    }
    return ListingFailureKind::malformed;
}

// The date of a cursor: its first eight characters when they are digits (cursors are
// YYYYMMDDHHMMSS, 19 digits before 2025); nullopt for any other cursor.
std::optional<std::string> cursor_date(std::string_view cursor)
{
    if (cursor.size() < 14 || !std::ranges::all_of(cursor, [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return std::nullopt;
    }
    return std::string(cursor.substr(0, 8));
}

WalkEnd advance_pages(ListingWalk& walk, const parsers::Listing& listing)
{
    if (listing.next_page && *listing.next_page > walk.state.page && walk.state.page < k_walk_page_limit) {
        walk.state.page = *listing.next_page;
        return WalkEnd::more;
    }
    return walk.state.page >= k_walk_page_limit ? WalkEnd::page_limit : WalkEnd::last_page;
}

WalkEnd advance_cursor(ListingWalk& walk, const parsers::Listing& listing)
{
    if (listing.template_name && listing.template_name->find_first_of("/?&#") == std::string::npos) {
        walk.template_name = *listing.template_name;
    }
    if (!listing.has_next || !listing.next_cursor) {
        return WalkEnd::last_page;
    }
    if (*listing.next_cursor == walk.state.cursor || walk.cursors_seen.contains(*listing.next_cursor)) {
        return WalkEnd::repeated_cursor;
    }
    if (auto day = cursor_date(*listing.next_cursor); day && !walk.date.empty() && *day < walk.date) {
        return WalkEnd::day_boundary;
    }
    if (walk.state.page >= k_walk_page_limit) {
        return WalkEnd::page_limit;
    }
    walk.state.cursor = *listing.next_cursor;
    ++walk.state.page;
    return WalkEnd::more;
}

} // namespace

std::string next_url(const ListingWalk& walk)
{
    if (walk.form == WalkForm::latest) {
        if (walk.state.page == 1 && walk.state.cursor.empty() && !walk.endpoint_first) {
            return parsers::breaking_news_url(*walk.section);
        }
        return parsers::latest_fragment_url(*walk.section, walk.state.page, walk.date, walk.state.cursor,
                                            walk.template_name);
    }
    if (walk.section) {
        return parsers::legacy_list_url(*walk.section, walk.date, walk.state.page);
    }
    return parsers::press_list_url(walk.press, walk.date, walk.state.page);
}

std::string referer(const ListingWalk& walk)
{
    if (walk.form != WalkForm::latest) {
        return {};
    }
    if (walk.state.page == 1 && walk.state.cursor.empty() && !walk.endpoint_first) {
        return std::string(parsers::k_listing_referer);
    }
    // The page a reader pressing "기사 더보기" is on.
    return parsers::breaking_news_url(*walk.section);
}

std::expected<WalkStep, ListingFailure> advance(ListingWalk& walk, const std::string& url,
                                                const std::expected<parsers::Listing, parsers::ListingError>& listing)
{
    if (!listing) {
        walk.state.done = true;
        return failure(failure_kind(listing.error().kind), url, listing.error().message);
    }
    WalkStep step;
    step.subsections = listing->subsections;
    if (walk.form == WalkForm::per_date && listing->page && *listing->page < walk.state.page) {
        walk.state.done = true; // Naver answers a page past the last with the last page again
        step.end = WalkEnd::repeated_page;
        return step;
    }
    step.refs = listing->listed.empty() ? listing->refs : listing->listed;
    if (step.refs.empty()) {
        walk.state.done = true;
        return failure(ListingFailureKind::no_articles, url, "the listing links to no article");
    }
    for (const auto& ref : step.refs) {
        if (walk.refs_seen.insert(ref).second) {
            step.fresh.push_back(ref);
        }
    }
    walk.cursors_seen.insert(walk.state.cursor);
    const auto requested = walk.state;
    step.end = walk.form == WalkForm::per_date ? advance_pages(walk, *listing) : advance_cursor(walk, *listing);
    if (step.fresh.empty() && step.end == WalkEnd::more) {
        // A list that serves the same articles on every page would be walked to the page limit.
        walk.state = requested;
        step.end = WalkEnd::no_new_articles;
    }
    walk.state.done = step.end != WalkEnd::more;
    walk.state.refs_found += static_cast<int64_t>(step.fresh.size());
    return step;
}

void stop_at_known(ListingWalk& walk, WalkStep& step, bool reached_known)
{
    if (reached_known && step.end == WalkEnd::more) {
        step.end = WalkEnd::known_articles;
        walk.state.done = true;
    }
}

std::string_view to_string(WalkEnd end)
{
    switch (end) {
    case WalkEnd::more:
        return "more";
    case WalkEnd::last_page:
        return "last page";
    case WalkEnd::repeated_page:
        return "repeated page";
    case WalkEnd::repeated_cursor:
        return "repeated cursor";
    case WalkEnd::no_new_articles:
        return "no new articles";
    case WalkEnd::day_boundary:
        return "day boundary";
    case WalkEnd::page_limit:
        return "page limit";
    case WalkEnd::known_articles:
        return "known articles";
    }
    return "unknown";
}

std::string end_reason(const ListingWalk& walk, WalkEnd end)
{
    const auto pages = fmt::format("{} page{}", walk.state.page, walk.state.page == 1 ? "" : "s");
    switch (end) {
    case WalkEnd::more:
        return "not ended";
    case WalkEnd::last_page:
        return "the listing says nothing follows (" + pages + ")";
    case WalkEnd::repeated_page:
        return fmt::format("page {} answers an earlier page again: past the last", walk.state.page);
    case WalkEnd::repeated_cursor:
        return fmt::format("the next cursor was already walked, a cycle (after {})", pages);
    case WalkEnd::no_new_articles:
        return fmt::format("page {} lists no article the walk had not already listed", walk.state.page);
    case WalkEnd::day_boundary:
        return "the next cursor is of the day before (" + pages + ")";
    case WalkEnd::page_limit:
        return fmt::format("stopped at the page limit ({} pages) before the listing's end: not complete",
                           k_walk_page_limit);
    case WalkEnd::known_articles:
        return "reached articles already known";
    }
    return "unknown";
}

std::string_view to_string(ListingFailureKind kind)
{
    switch (kind) {
    case ListingFailureKind::fetch:
        return "fetch";
    case ListingFailureKind::not_a_listing:
        return "not_a_listing";
    case ListingFailureKind::malformed:
        return "malformed";
    case ListingFailureKind::missing_component:
        return "missing_component";
    case ListingFailureKind::empty_shell:
        return "empty_shell";
    case ListingFailureKind::no_articles:
        return "no_articles";
    case ListingFailureKind::cursor_stuck:
        return "cursor_stuck";
    }
    return "unknown";
}

} // namespace sillok::daemon
