#pragma once
// The URLs of the listings sillok walks, and the sections they belong to. Pure: no I/O.
#include <compare>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sillok::parsers {

// The host that serves every listing sillok walks.
inline constexpr std::string_view k_listing_host = "news.naver.com";
// The Referer the paging endpoint expects: a page of the listing host (without one it is
// reported to answer an empty shell).
inline constexpr std::string_view k_listing_referer = "https://news.naver.com/";

// A news section: sid1 100..105 (정치, 경제, 사회, 생활/문화, 세계, IT/과학) and optionally a
// sub-section sid2 (e.g. "265" 국회/정당 under 정치). sid2 is text: Naver has "59b" (인권/복지).
struct Section {
    int sid1 = 0;
    std::optional<std::string> sid2;

    auto operator<=>(const Section&) const = default;
};

// The six main sections' names as article pages print them: "101" → "경제"; nullopt for
// another text.
std::optional<std::string_view> section_name(std::string_view sid1);

// "101" or "101/259": sid1 must be 100..105 and sid2, when given, three digits or lower-case
// letters ("59b"); or a main section's name ("경제", "IT/과학").
std::expected<Section, std::string> parse_section(std::string_view text);
// "101" or "101/259", as parse_section reads it.
std::string section_text(const Section& section);

// https://news.naver.com/section/{sid1}: the personalised (AiRS) selection of a section.
std::string section_home_url(int sid1);
// https://news.naver.com/breakingnews/section/{sid1}/{sid2}: a sub-section's complete latest
// list; the section home without sid2.
std::string breaking_news_url(const Section& section);
// The endpoint that pages section and breaking-news lists ("기사 더보기"):
// https://news.naver.com/section/template/{template_name}?sid={sid1}
//   &sid2={sid2 or empty}&cluid=&pageNo={page_no}&date={YYYYMMDD or empty}&next={cursor}
// cursor is the previous page's Listing::next_cursor (empty for the first page).
std::string latest_fragment_url(const Section& section, int page_no, std::string_view date_yyyymmdd,
                                std::string_view cursor,
                                std::string_view template_name = "SECTION_ARTICLE_LIST_FOR_LATEST");
// Per-date list of every article of a date, newest first: mode=LSD&mid=sec (sid1 only) or
// mode=LS2D&mid=shm (with sid2).
std::string legacy_list_url(const Section& section, std::string_view date_yyyymmdd, int page);
// Legacy per-press list: mode=LPOD&mid=sec&oid={oid}.
std::string press_list_url(std::string_view oid, std::string_view date_yyyymmdd, int page);

} // namespace sillok::parsers
