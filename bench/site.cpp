#include "bench/site.hpp"

#include "daemon/util/kst.hpp"
#include "parsers/listing.hpp"
#include "tests/support/fixtures.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>

namespace sillok::bench {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_list_start = "<ul class=\"type06_headline\">";
constexpr std::string_view k_paging_start = "<div class=\"paging\">";
constexpr std::string_view k_news_origin = "https://news.naver.com";

// The saved list page cut where its article links and its paging are, so that a page
// listing other refs is a concatenation.
class ListTemplate {
public:
    explicit ListTemplate(const std::string& page)
    {
        auto list = page.find(k_list_start);
        auto paging = list == std::string::npos ? list : page.find(k_paging_start, list);
        auto paging_end = paging == std::string::npos ? paging : page.find("</div>", paging);
        if (paging_end == std::string::npos) {
            throw std::runtime_error("the saved list page has no article list or no paging");
        }
        // An article is linked once or twice (photo, headline) as read.nhn?...&oid=...&aid=...
        static const std::regex k_link_ids("oid=[0-9]{3}&aid=[0-9]{10}");
        std::map<std::string, std::size_t> article_of_link;
        std::size_t at = 0;
        for (auto it = std::sregex_iterator(page.begin() + static_cast<std::ptrdiff_t>(list),
                                            page.begin() + static_cast<std::ptrdiff_t>(paging), k_link_ids);
             it != std::sregex_iterator(); ++it) {
            auto position = list + static_cast<std::size_t>(it->position());
            m_pieces.push_back(page.substr(at, position - at));
            m_link_article.push_back(article_of_link.try_emplace(it->str(), article_of_link.size()).first->second);
            at = position + static_cast<std::size_t>(it->length());
        }
        if (article_of_link.size() != k_refs_per_list_page) {
            throw std::runtime_error("the saved list page lists " + std::to_string(article_of_link.size())
                                     + " articles, not " + std::to_string(k_refs_per_list_page));
        }
        m_pieces.push_back(page.substr(at, paging - at));
        m_tail = page.substr(paging_end + std::string_view("</div>").size());
    }

    // The page listing refs (k_refs_per_list_page of them) as page `page` of `date`.
    [[nodiscard]] std::string render(const parsers::ArticleRef* refs, std::string_view date, int page,
                                     bool has_next) const
    {
        std::string out;
        out.reserve(m_tail.size() + 64 * 1024);
        for (std::size_t i = 0; i < m_link_article.size(); ++i) {
            const auto& ref = refs[m_link_article[i]];
            out += m_pieces[i];
            out += "oid=" + ref.oid + "&aid=" + ref.aid;
        }
        out += m_pieces.back();
        out += std::string(k_paging_start) + "\n<strong>" + std::to_string(page) + "</strong>\n";
        if (has_next) {
            auto next = std::to_string(page + 1);
            out += "<a href=\"?mode=LSD&mid=sec&sid1=100&date=" + std::string(date) + "&page=" + next
                   + "\" class=\"nclicks(fls.page)\">" + next + "</a>\n";
        }
        out += "</div>";
        out += m_tail;
        return out;
    }

private:
    std::vector<std::string> m_pieces;       // text before each link's ids; the last one up to the paging
    std::vector<std::size_t> m_link_article; // which of the page's articles each link names
    std::string m_tail;                      // after the paging
};

// cpp-httplib compresses every text/* answer for a client that accepts it, with brotli at its
// slowest setting (about half a second per saved article page), which would make the
// stand-in, not the crawler, what a benchmark measures. Media types are case-insensitive
// (RFC 9110), and httplib's check is not: "Text/html" goes out as it is.
constexpr std::string_view k_uncompressed_html = "Text/html;charset=UTF-8";

void serve_uncompressed(test::NaverStandIn& server, const std::string& host, const std::string& target,
                        std::shared_ptr<const std::string> body, std::chrono::milliseconds delay = {})
{
    server.on(
        host, target,
        [&server, body = std::move(body), delay](const httplib::Request& /*request*/, httplib::Response& response) {
            if (delay.count() > 0 && !server.sleep_unless_stopped(delay)) {
                response.status = 503;
                return;
            }
            response.status = 200;
            response.set_content(*body, std::string(k_uncompressed_html));
        });
}

// The request target (path and query) of a URL on https://news.naver.com.
std::string news_target(const std::string& url)
{
    if (!url.starts_with(k_news_origin)) {
        throw std::logic_error("not a news.naver.com URL: " + url);
    }
    return url.substr(k_news_origin.size());
}

} // namespace

SavedPages load_saved_pages()
{
    auto root = test::fixtures_dir() / "naver";
    SavedPages pages;
    std::vector<fs::path> files;
    if (fs::is_directory(root / "article")) {
        for (const auto& entry : fs::directory_iterator(root / "article")) {
            if (entry.path().extension() == ".html") {
                files.push_back(entry.path());
            }
        }
    }
    auto list = root / "list" / "legacy_LS2D_100_265_20200919.html";
    if (files.empty() || !fs::exists(list)) {
        throw std::runtime_error("saved Naver pages not found under " + root.string()
                                 + ": check out the project beside shared/ or set SILLOK_FIXTURES");
    }
    std::ranges::sort(files);
    for (const auto& file : files) {
        pages.articles.push_back(test::read_file(file));
        pages.article_oids.push_back(file.filename().string().substr(0, 3));
    }
    pages.legacy_list = test::read_file(list);
    return pages;
}

parsers::ArticleRef made_up_ref(const SavedPages& pages, std::size_t n)
{
    auto aid = std::to_string(900000000 + n);
    return {pages.article_oids[n % pages.article_oids.size()], std::string(10 - aid.size(), '0') + aid};
}

std::vector<parsers::ArticleRef> made_up_refs(const SavedPages& pages, std::size_t count)
{
    std::vector<parsers::ArticleRef> refs;
    refs.reserve(count);
    for (std::size_t n = 0; n < count; ++n) {
        refs.push_back(made_up_ref(pages, n));
    }
    return refs;
}

void serve_articles(test::NaverStandIn& server, const SavedPages& pages, const std::vector<parsers::ArticleRef>& refs,
                    std::chrono::milliseconds delay)
{
    std::vector<std::shared_ptr<const std::string>> bodies;
    for (const auto& page : pages.articles) {
        bodies.push_back(std::make_shared<const std::string>(page));
    }
    constexpr std::string_view k_origin = "https://n.news.naver.com";
    for (std::size_t n = 0; n < refs.size(); ++n) {
        serve_uncompressed(server, "n.news.naver.com", refs[n].canonical_url().substr(k_origin.size()),
                           bodies[n % bodies.size()], delay);
    }
}

std::vector<parsers::ArticleRef> serve_listings(test::NaverStandIn& server, const SavedPages& pages,
                                                const ListingShape& shape)
{
    ListTemplate list(pages.legacy_list);
    auto page_count = static_cast<std::size_t>(shape.days) * static_cast<std::size_t>(shape.pages_per_day);
    auto refs = made_up_refs(pages, page_count * k_refs_per_list_page);
    const parsers::Section section{100, std::nullopt};
    for (int day = 0; day < shape.days; ++day) {
        auto date = daemon::yyyymmdd(std::chrono::sys_days{shape.first_date} + std::chrono::days(day));
        for (int page = 1; page <= shape.pages_per_day; ++page) {
            auto first = (static_cast<std::size_t>(day) * static_cast<std::size_t>(shape.pages_per_day)
                          + static_cast<std::size_t>(page) - 1)
                         * k_refs_per_list_page;
            serve_uncompressed(
                server, "news.naver.com", news_target(parsers::legacy_list_url(section, date, page)),
                std::make_shared<const std::string>(list.render(&refs[first], date, page, page < shape.pages_per_day)));
        }
    }
    return refs;
}

void serve_empty_sections(test::NaverStandIn& server, const std::vector<std::string>& sections)
{
    for (const auto& text : sections) {
        auto section = parsers::parse_section(text);
        if (!section) {
            throw std::invalid_argument(section.error());
        }
        server.serve_html("news.naver.com", news_target(parsers::breaking_news_url(*section)),
                          "<!DOCTYPE html><html><head><title>section " + text
                              + "</title></head><body><div class=\"section_latest\"></div></body></html>\n");
    }
}

} // namespace sillok::bench

namespace sillok::test {

// tests/support's ScratchDir keeps its folder when the running doctest case failed; the
// benchmarks run no test case, so their scratch folders are always removed.
bool current_test_failed() { return false; }

} // namespace sillok::test
