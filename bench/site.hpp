#pragma once
// The pages the benchmarks serve from tests/support's NaverStandIn: the saved article pages
// at the canonical path of any number of made-up refs, and per-date legacy list pages of
// section 100 built from the saved one, each listing 20 of those refs. Both are served
// uncompressed, whatever the client accepts (see site.cpp).
#include "parsers/article_ref.hpp"
#include "tests/support/https_server.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace sillok::bench {

// What the legacy list page of one date of section 100 holds.
inline constexpr std::size_t k_refs_per_list_page = 20;

struct ListingShape {
    std::chrono::year_month_day first_date;
    int days = 1;
    int pages_per_day = 1;
};

// The saved article pages and list page (SILLOK_FIXTURES or the build's fixtures folder).
// Throws std::runtime_error when they are missing.
struct SavedPages {
    std::vector<std::string> articles; // one per saved article, sorted by file name
    std::vector<std::string> article_oids;
    std::string legacy_list;
};
SavedPages load_saved_pages();

// Ref number n: the press of saved article n % 3, aid 0900000000 + n. No saved page lists it.
parsers::ArticleRef made_up_ref(const SavedPages& pages, std::size_t n);
std::vector<parsers::ArticleRef> made_up_refs(const SavedPages& pages, std::size_t count);

// Serves saved article n % 3 at the canonical path of refs[n] (the parser takes the ref from
// the URL), each answer after `delay`.
void serve_articles(test::NaverStandIn& server, const SavedPages& pages, const std::vector<parsers::ArticleRef>& refs,
                    std::chrono::milliseconds delay = std::chrono::milliseconds(0));

// Serves the legacy list pages of section 100 for every date and page of `shape`; page p of
// day d lists refs (d * pages_per_day + p - 1) * 20 onwards and links page p + 1 unless it
// is the last. Returns every listed ref, in listing order.
std::vector<parsers::ArticleRef> serve_listings(test::NaverStandIn& server, const SavedPages& pages,
                                                const ListingShape& shape);

// An empty section page at each section's discovery URL, so that `sillok run` finds nothing
// new there and everything it fetches comes from the frontier.
void serve_empty_sections(test::NaverStandIn& server, const std::vector<std::string>& sections);

} // namespace sillok::bench
