#pragma once
// A day of section 100 (정치) as the real site serves it, as far as public evidence shows, for
// `sillok run`'s discovery:
//   - /section/100: a personalised (AiRS) selection of two articles, with the menu of
//     sub-sections (/breakingnews/section/100/{sid2});
//   - /main/list.naver?mode=LSD&...&date=D&page=N: every article of D, newest first, 20 a page,
//     div.paging and ul.type06_headline as in the saved 2026 page; a page past the last
//     repeats the last page; a date without articles (yet) is a list page without items;
//   - /breakingnews/section/100/{sid2}: a sub-section's latest articles, a few a page, with
//     the wrapper's data-has-next / data-cursor (YYYYMMDDHHMMSS) / data-template;
//   - /section/template/SECTION_ARTICLE_LIST_FOR_LATEST?...&next=CURSOR: the page behind a
//     cursor, as JSON; without a Referer from news.naver.com an empty shell;
//   - the article page of every published article.
// Articles are published while the service runs; either list can be switched to silence.
#include "parsers/article_ref.hpp"
#include "tests/support/https_server.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sillok::test {

class DiscoveryStandIn {
public:
    // `today` is the Korean date (YYYYMMDD) the lists are of; `article_page` is served at
    // every published article.
    DiscoveryStandIn(NaverStandIn& server, std::string today, std::string article_page);
    // The Korean date of each article is the one of the moment it is published, by the
    // system clock shifted by `clock_offset` (the service's SILLOK_TEST_CLOCK_OFFSET_S).
    DiscoveryStandIn(NaverStandIn& server, std::chrono::seconds clock_offset, std::string article_page);
    DiscoveryStandIn(const DiscoveryStandIn&) = delete;
    DiscoveryStandIn& operator=(const DiscoveryStandIn&) = delete;

    // Publishes `count` new articles, alternately in sub-sections 264 and 265, each a minute
    // after the one before; returns them.
    std::vector<parsers::ArticleRef> publish(int count);
    // The same on the list of `date` (YYYYMMDD): an article of that date listed late.
    std::vector<parsers::ArticleRef> publish_on(const std::string& date, int count);
    // When `ref` was published, by the (shifted) clock the service reads.
    [[nodiscard]] std::optional<std::chrono::system_clock::time_point> listed_at(const parsers::ArticleRef& ref) const;
    // Today in Korea by that clock, YYYYMMDD.
    [[nodiscard]] std::string today() const;
    // Every article published so far, oldest first.
    [[nodiscard]] std::vector<parsers::ArticleRef> published() const;
    // The per-date list answers its page without any article (an empty list shell).
    void silence_per_date_list(bool silent);
    // The paging endpoint answers empty shells to every request.
    void silence_endpoint(bool silent);

private:
    struct Shared;
    NaverStandIn& m_server;
    std::string m_article_page;
    std::shared_ptr<Shared> m_shared; // held by the route handlers too
};

} // namespace sillok::test
