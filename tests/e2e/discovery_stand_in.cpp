#include "tests/e2e/discovery_stand_in.hpp"

#include "tests/e2e/service_process.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sillok::test {
namespace {

constexpr int k_per_date_page = 20;
constexpr int k_latest_page = 4;
constexpr std::string_view k_endpoint_path = "/section/template/SECTION_ARTICLE_LIST_FOR_LATEST";

struct Published {
    parsers::ArticleRef ref;
    std::string sid2;
    std::string stamp; // YYYYMMDDHHMMSS
    std::chrono::system_clock::time_point listed_at;
};

// The Korean date (UTC+9) of `at`, YYYYMMDD, computed here rather than by sillok.
std::string korean_date(std::chrono::system_clock::time_point at)
{
    std::time_t t = std::chrono::system_clock::to_time_t(at) + 9 * 3600;
    std::tm parts{};
    gmtime_r(&t, &parts);
    std::array<char, 16> text{};
    std::strftime(text.data(), text.size(), "%Y%m%d", &parts);
    return text.data();
}

std::string query_value(const httplib::Request& request, const std::string& key)
{
    return request.has_param(key) ? request.get_param_value(key) : std::string();
}

std::string article_link(const parsers::ArticleRef& ref)
{
    return "https://n.news.naver.com/mnews/article/" + ref.oid + "/" + ref.aid + "?sid=100";
}

std::string list_item(const parsers::ArticleRef& ref)
{
    return "<li><dl><dt><a href=\"" + article_link(ref)
           + "\">제목</a></dt><dd><span class=\"writing\">언론사</span>"
             "</dd></dl></li>\n";
}

std::string sa_item(const parsers::ArticleRef& ref)
{
    return "<li class=\"sa_item\"><a href=\"" + article_link(ref) + "\" class=\"sa_text_title\">제목</a></li>";
}

// The sub-section menu of the section's pages.
std::string menu()
{
    return "<ul class=\"snb\"><li><a href=\"/breakingnews/section/100/264\">대통령실</a></li>"
           "<li><a href=\"/breakingnews/section/100/265\">국회/정당</a></li></ul>";
}

} // namespace

struct DiscoveryStandIn::Shared {
    std::string fixed_today;             // when set, every article is of this date
    std::chrono::seconds clock_offset{}; // otherwise, of its date by the shifted clock
    mutable std::mutex mutex;
    std::vector<Published> articles; // oldest first
    bool per_date_silent = false;
    bool endpoint_silent = false;

    [[nodiscard]] std::chrono::system_clock::time_point now() const
    {
        return std::chrono::system_clock::now() + clock_offset;
    }
    [[nodiscard]] std::string today() const { return fixed_today.empty() ? korean_date(now()) : fixed_today; }

    // Newest first; only those of `sid2` when it is not empty, only those at or before `cursor`
    // when it is not empty, only those of `date` when it is not empty.
    std::vector<Published> newest_first(const std::string& sid2, const std::string& cursor,
                                        const std::string& date = {}) const
    {
        std::vector<Published> out;
        for (auto it = articles.rbegin(); it != articles.rend(); ++it) {
            if ((sid2.empty() || it->sid2 == sid2) && (cursor.empty() || it->stamp <= cursor)
                && (date.empty() || it->stamp.starts_with(date))) {
                out.push_back(*it);
            }
        }
        return out;
    }

    std::string per_date_page(const std::string& date, int page) const
    {
        auto all = newest_first("", "", date);
        const int last = std::max(1, static_cast<int>((all.size() + k_per_date_page - 1) / k_per_date_page));
        page = std::min(page, last); // a page past the last is the last page again
        std::string html = "<!DOCTYPE HTML><html lang=\"ko\"><head><meta charset=\"utf-8\">"
                           "<meta property=\"og:type\" content=\"website\"></head><body>"
                           + menu() + "<div class=\"list_body newsflash_body\">";
        if (!per_date_silent) {
            html += "<ul class=\"type06_headline\">";
            for (size_t i = static_cast<size_t>((page - 1) * k_per_date_page);
                 i < all.size() && i < static_cast<size_t>(page * k_per_date_page); ++i) {
                html += list_item(all[i].ref);
            }
            html += "</ul></div><div class=\"paging\">";
            for (int n = 1; n <= last; ++n) {
                html += n == page ? "<strong>" + std::to_string(n) + "</strong>"
                                  : "<a href=\"?mode=LSD&mid=sec&sid1=100&date=" + date + "&page=" + std::to_string(n)
                                        + "\">" + std::to_string(n) + "</a>";
            }
        }
        return html + "</div></body></html>";
    }

    // The latest list of `sid2` from `cursor` on: the wrapper and k_latest_page items.
    std::string latest_list(const std::string& sid2, const std::string& cursor, int page_no) const
    {
        auto items = newest_first(sid2, cursor);
        const bool more = items.size() > static_cast<size_t>(k_latest_page);
        std::string next = more ? items[k_latest_page].stamp : "";
        items.resize(std::min(items.size(), static_cast<size_t>(k_latest_page)));
        std::string html =
            "<div class=\"section_latest_article _CONTENT_LIST _PERSIST_META\" data-sid=\"100\" "
            "data-sid2=\""
            + sid2 + "\" data-has-next=\"" + (more ? "true" : "false") + "\" data-cursor-name=\"next\" data-cursor=\""
            + next + "\" data-page-no=\"" + std::to_string(page_no) + "\" data-date=\"\" data-template=\""
            + std::string(k_endpoint_path.substr(k_endpoint_path.rfind('/') + 1)) + "\"><ul class=\"sa_list\">";
        for (const auto& item : items) {
            html += sa_item(item.ref);
        }
        return html + "</ul></div>";
    }
};

DiscoveryStandIn::DiscoveryStandIn(NaverStandIn& server, std::string today, std::string article_page)
    : DiscoveryStandIn(server, std::chrono::seconds(0), std::move(article_page))
{
    m_shared->fixed_today = std::move(today);
}

DiscoveryStandIn::DiscoveryStandIn(NaverStandIn& server, std::chrono::seconds clock_offset, std::string article_page)
    : m_server(server), m_article_page(std::move(article_page)), m_shared(std::make_shared<Shared>())
{
    m_shared->clock_offset = clock_offset;
    auto shared = m_shared;
    server.on(
        std::string(k_section_host), "/section/100", [shared](const httplib::Request&, httplib::Response& response) {
            std::lock_guard lock(shared->mutex);
            // The personalised selection: two of the day's articles, whatever else was published.
            std::string html = "<html><body>" + menu()
                               + "<div class=\"_PERSIST_META\" data-has-next=\"false\" "
                                 "data-cursor=\"\" data-page-no=\"1\" data-template=\"SECTION_ARTICLE_LIST\"><ul>";
            for (size_t i = 0; i < 2 && i < shared->articles.size(); ++i) {
                html += sa_item(shared->articles[i].ref);
            }
            response.set_content(html + "</ul></div></body></html>", std::string(k_html_uncompressed));
        });
    server.on(std::string(k_section_host), "/main/list.naver",
              [shared](const httplib::Request& request, httplib::Response& response) {
                  std::lock_guard lock(shared->mutex);
                  const auto date = query_value(request, "date");
                  if (query_value(request, "sid1") != "100" || date.size() != 8) {
                      response.status = 404;
                      return;
                  }
                  const int page = std::max(1, std::atoi(query_value(request, "page").c_str()));
                  response.set_content(shared->per_date_page(date, page), std::string(k_html_uncompressed));
              });
    for (std::string sid2 : {"264", "265"}) {
        server.on(std::string(k_section_host), "/breakingnews/section/100/" + sid2,
                  [shared, sid2](const httplib::Request&, httplib::Response& response) {
                      std::lock_guard lock(shared->mutex);
                      response.set_content("<html><body>" + menu() + shared->latest_list(sid2, "", 1)
                                               + "</body></html>",
                                           std::string(k_html_uncompressed));
                  });
    }
    server.on(std::string(k_section_host), std::string(k_endpoint_path),
              [shared](const httplib::Request& request, httplib::Response& response) {
                  std::lock_guard lock(shared->mutex);
                  const auto name = std::string(k_endpoint_path.substr(k_endpoint_path.rfind('/') + 1));
                  nlohmann::json json;
                  json["renderedComponent"][name] = "";
                  const bool from_news = request.get_header_value("Referer").starts_with("https://news.naver.com/");
                  if (from_news && !shared->endpoint_silent) {
                      json["renderedComponent"][name] =
                          shared->latest_list(query_value(request, "sid2"), query_value(request, "next"),
                                              std::atoi(query_value(request, "pageNo").c_str()));
                  }
                  response.set_content(json.dump(), "application/json;charset=UTF-8");
              });
}

std::vector<parsers::ArticleRef> DiscoveryStandIn::publish(int count) { return publish_on(today(), count); }

std::vector<parsers::ArticleRef> DiscoveryStandIn::publish_on(const std::string& date, int count)
{
    std::lock_guard lock(m_shared->mutex);
    std::vector<parsers::ArticleRef> refs;
    for (int i = 0; i < count; ++i) {
        const int n = static_cast<int>(m_shared->articles.size());
        auto ref = made_up_refs(1, 500 + n).front();
        std::array<char, 16> time{};
        std::snprintf(time.data(), time.size(), "%02d%02d00", (n / 60) % 24, n % 60);
        m_shared->articles.push_back(Published{ref, n % 2 == 0 ? "264" : "265", date + time.data(), m_shared->now()});
        refs.push_back(ref);
    }
    serve_articles(m_server, refs, m_article_page);
    return refs;
}

std::vector<parsers::ArticleRef> DiscoveryStandIn::published() const
{
    std::lock_guard lock(m_shared->mutex);
    std::vector<parsers::ArticleRef> refs;
    for (const auto& item : m_shared->articles) {
        refs.push_back(item.ref);
    }
    return refs;
}

std::optional<std::chrono::system_clock::time_point> DiscoveryStandIn::listed_at(const parsers::ArticleRef& ref) const
{
    std::lock_guard lock(m_shared->mutex);
    auto found = std::ranges::find(m_shared->articles, ref, &Published::ref);
    if (found == m_shared->articles.end()) {
        return std::nullopt;
    }
    return found->listed_at;
}

std::string DiscoveryStandIn::today() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->today();
}

void DiscoveryStandIn::silence_per_date_list(bool silent)
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->per_date_silent = silent;
}

void DiscoveryStandIn::silence_endpoint(bool silent)
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->endpoint_silent = silent;
}

} // namespace sillok::test
