#pragma once
// parse_listing: a fetched Naver News listing (bytes + the URL it came from) to the article
// refs it links to, where the listing continues and the sub-sections it names. The URLs of the
// listings are in listing_urls.hpp.
// Pure: no I/O, no clock, no globals.
#include "parsers/article_ref.hpp"
#include "parsers/listing_urls.hpp"

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::parsers {

struct Listing {
    // Every link on the page that parse_url reduces to an article (any a[href], relative
    // ones resolved against the page URL), deduplicated, in page order. Deliberately not
    // tied to a CSS path: a renamed class does not silence discovery.
    std::vector<ArticleRef> refs;
    // The subset of refs inside the page's own article list, in page order: the element
    // carrying data-has-next (modern section and breaking-news pages), ul.type06_headline and
    // ul.type06 (legacy list pages), the whole fragment (the paging endpoint). Empty when the
    // page has no such list (home pages) or its markers changed; refs is still complete then.
    std::vector<ArticleRef> listed;
    // The listing says more follows: data-has-next="true" (modern), or div.paging links a
    // page past the current one (legacy).
    bool has_next = false;
    // Modern: data-cursor, only when has_next and the cursor is not empty.
    std::optional<std::string> next_cursor;
    // The page this listing says it is: the <strong> of div.paging (legacy) or data-page-no
    // (modern). Naver answers a legacy page past the last with the last page again, so a
    // caller that asked for page n and reads a smaller page here has reached the end.
    std::optional<int> page;
    // Legacy: the smallest page number above page that div.paging links to, if any.
    std::optional<int> next_page;
    // Modern: the wrapper's data-template (the paging endpoint's template for the next page)
    // and data-date (YYYYMMDD, empty on today's lists).
    std::optional<std::string> template_name;
    std::optional<std::string> date;
    // The sub-sections the page's menus link to, in page order, without repeats: links to
    // /breakingnews/section/{sid1}/{sid2} (modern) and to list.naver?...&sid1=&sid2= (legacy).
    std::vector<Section> subsections;
};

enum class ListingErrorKind {
    not_a_listing,     // the URL is an article or not a Naver News page, or the body is an article page
    malformed,         // a listing URL whose body cannot be read (empty, or not the JSON expected)
    missing_component, // the paging endpoint's JSON has no renderedComponent object
    empty_shell,       // the paging endpoint answered renderedComponent with no HTML in it
};

struct ListingError {
    ListingErrorKind kind;
    std::string message;
};

// url is the URL the body was served from (after redirects). What the body is comes from the
// body itself, the URL only resolving its links and ruling out what is not Naver News:
//   - not an http(s) URL on a Naver News host, or an article URL (parse_url succeeds):
//     not_a_listing;
//   - a body that is a JSON object, or any body served from /section/template/{NAME} (the
//     paging endpoint): {"renderedComponent": {"{NAME}": "<html>"}}; no renderedComponent is
//     missing_component, no HTML in it empty_shell, anything else malformed;
//   - any other body is an HTML page (CP949 or UTF-8 bytes): paged by a cursor when an element
//     carries data-has-next (section, breaking-news), by page numbers when it holds the
//     per-date list's ul.type06 / div.paging (list.naver, main.naver, list.naver;jsessionid=),
//     neither on home pages; an article page (og:type "article", #dic_area, #newsct_article,
//     #articleBodyContents) links to other articles but is not_a_listing.
std::expected<Listing, ListingError> parse_listing(std::string_view body, std::string_view url);

std::string_view to_string(ListingErrorKind kind);

} // namespace sillok::parsers
