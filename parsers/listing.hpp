#pragma once
// parse_listing: a fetched Naver News listing (bytes + the URL it came from) to the article
// refs it links to and where the listing continues; plus the URLs of the listings sillok polls.
// Pure: no I/O, no clock, no globals.
#include "parsers/article_ref.hpp"

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
};

enum class ListingErrorKind {
    not_a_listing, // the URL is an article or not a Naver News page, or the body is an article page
    malformed,     // a listing URL whose body cannot be read (empty, or not the JSON expected)
};

struct ListingError {
    ListingErrorKind kind;
    std::string message;
};

// url is the URL the body was served from (after redirects). Which listing it is comes from
// the URL; the rule, in order:
//   - not an http(s) URL on a Naver News host, or an article URL (parse_url succeeds):
//     not_a_listing;
//   - /section/template/{NAME} (the paging endpoint): the body is JSON
//     {"renderedComponent": {"{NAME}": "<html>"}}; anything else is malformed;
//   - any other page on a Naver News host (home, /section/{sid1}, /breakingnews/...,
//     /main/list.naver, /main/main.naver, ...) is an HTML listing, unless the body carries the
//     marks of an article page (og:type "article", #dic_area, #newsct_article,
//     #articleBodyContents): article pages link to other articles but are not listings.
std::expected<Listing, ListingError> parse_listing(std::string_view body, std::string_view url);

std::string_view to_string(ListingErrorKind kind);

// The host that serves every listing sillok walks.
inline constexpr std::string_view k_listing_host = "news.naver.com";

// A news section: sid1 100..105 (정치, 경제, 사회, 생활/문화, 세계, IT/과학) and optionally a
// sub-section sid2 (e.g. "265" 국회/정당 under 정치). sid2 is text: Naver has "59b" (인권/복지).
struct Section {
    int sid1 = 0;
    std::optional<std::string> sid2;

    auto operator<=>(const Section&) const = default;
};

// "101" or "101/259": sid1 must be 100..105 and sid2, when given, three digits or lower-case
// letters ("59b").
std::expected<Section, std::string> parse_section(std::string_view text);

// https://news.naver.com/section/{sid1}
std::string section_home_url(int sid1);
// https://news.naver.com/breakingnews/section/{sid1}/{sid2}; the section home without sid2.
std::string breaking_news_url(const Section& section);
// The endpoint that pages section and breaking-news lists ("기사 더보기"):
// https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST?sid={sid1}
//   &sid2={sid2 or empty}&cluid=&pageNo={page_no}&date={YYYYMMDD or empty}&next={cursor}
// cursor is the previous page's Listing::next_cursor (empty for the first page).
std::string latest_fragment_url(const Section& section, int page_no, std::string_view date_yyyymmdd,
                                std::string_view cursor);
// Legacy per-date list: mode=LSD&mid=sec (sid1 only) or mode=LS2D&mid=shm (with sid2).
std::string legacy_list_url(const Section& section, std::string_view date_yyyymmdd, int page);
// Legacy per-press list: mode=LPOD&mid=sec&oid={oid}.
std::string press_list_url(std::string_view oid, std::string_view date_yyyymmdd, int page);

} // namespace sillok::parsers
