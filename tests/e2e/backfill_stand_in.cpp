#include "tests/e2e/backfill_stand_in.hpp"

#include "daemon/archive/archive.hpp"
#include "daemon/util/digest.hpp"
#include "parsers/listing.hpp"
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

namespace sillok::test {
namespace fs = std::filesystem;
using parsers::ArticleRef;

namespace {

constexpr std::string_view k_news_host = "news.naver.com";
constexpr std::string_view k_article_host = "n.news.naver.com";
constexpr std::string_view k_legacy_path = "/main/list.naver";
constexpr std::string_view k_fragment_path = "/section/template/SECTION_ARTICLE_LIST_FOR_LATEST";
constexpr std::string_view k_fragment_name = "SECTION_ARTICLE_LIST_FOR_LATEST";
constexpr std::string_view k_saved_list = "legacy_LS2D_100_265_20200919.html";
constexpr std::string_view k_saved_list_url =
    "https://news.naver.com/main/list.naver?mode=LS2D&mid=shm&sid1=100&sid2=265&date=20200919&page=1";
constexpr std::string_view k_saved_list_date = "20200919";

std::vector<std::string> split(std::string_view text, char separator)
{
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        auto end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

std::string query_value(std::string_view query, std::string_view key)
{
    for (const auto& pair : split(query, '&')) {
        auto eq = pair.find('=');
        if (eq != std::string::npos && std::string_view(pair).substr(0, eq) == key) {
            return pair.substr(eq + 1);
        }
    }
    return {};
}

// The ledger key of the listing a request for `path`?`query` walks; empty when none.
std::string listing_key(std::string_view path, std::string_view query)
{
    const auto date = query_value(query, "date");
    const auto mode = query_value(query, "mode");
    if (path == k_fragment_path) {
        return "section:" + query_value(query, "sid") + "/" + query_value(query, "sid2") + ":" + date;
    }
    if (path != k_legacy_path || (mode != "LSD" && mode != "LPOD")) {
        return {};
    }
    return mode == "LPOD" ? "press:" + query_value(query, "oid") + ":" + date
                          : "section:" + query_value(query, "sid1") + ":" + date;
}

std::string replaced_all(std::string text, std::string_view from, std::string_view to)
{
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

// The cursor page `page` hands to the page after it.
std::string cursor_after(const ListingDay& day, int page)
{
    std::array<char, 16> hour{};
    std::snprintf(hour.data(), hour.size(), "%02d0000", 24 - page);
    return day.date + hour.data();
}

// The query of a legacy list page, up to and without "&page=".
std::string legacy_query(const ListingDay& day)
{
    if (day.kind == ListingKind::press) {
        return "mode=LPOD&mid=sec&oid=" + day.id + "&date=" + day.date;
    }
    return "mode=LSD&mid=sec&sid1=" + day.id + "&date=" + day.date;
}

std::string sid1_of(const ListingDay& day) { return day.id.substr(0, day.id.find('/')); }

std::string sid2_of(const ListingDay& day)
{
    auto slash = day.id.find('/');
    return slash == std::string::npos ? std::string() : day.id.substr(slash + 1);
}

const std::string& saved_list_page()
{
    static const std::string k_page = read_file(fixtures_dir() / "naver" / "list" / std::string(k_saved_list));
    return k_page;
}

// The saved page's own 20 articles, as the read.nhn query text that links them.
std::vector<std::string> saved_list_links()
{
    auto listing = parsers::parse_listing(saved_list_page(), k_saved_list_url);
    REQUIRE_MESSAGE(listing.has_value(), "the saved list page does not parse");
    REQUIRE(listing->listed.size() == 20);
    std::vector<std::string> links;
    for (const auto& ref : listing->listed) {
        links.push_back("oid=" + ref.oid + "&aid=" + ref.aid);
    }
    return links;
}

std::string paging_block(const ListingDay& day, int page)
{
    const auto last = static_cast<int>(day.pages.size());
    const auto link = [&](int number, std::string_view css, std::string_view text) {
        return "<a href=\"?" + legacy_query(day) + "&page=" + std::to_string(number) + "\" class=\"" + std::string(css)
               + "nclicks(fls.page)\">" + std::string(text) + "</a>\n";
    };
    std::string block = "<div class=\"paging\">\n";
    for (int number = 1; number <= last; ++number) {
        block += number == page ? "<strong>" + std::to_string(number) + "</strong>\n"
                                : link(number, "", std::to_string(number));
    }
    if (day.links_past_last && page == last) {
        block += link(last + 1, "next ", "다음");
    }
    return block + "</div>";
}

// The saved list page with its 20 article slots pointing at `day`'s refs of `page` (cycling
// through them when there are fewer) and its paging block rewritten for the day's pages.
std::string legacy_page(const ListingDay& day, int page)
{
    static const std::vector<std::string> k_links = saved_list_links();
    const auto& refs = day.pages.at(static_cast<size_t>(page - 1));
    REQUIRE_MESSAGE(!refs.empty(), "a legacy list page lists at least one article");
    std::string html = saved_list_page();
    for (size_t slot = 0; slot < k_links.size(); ++slot) {
        const auto& ref = refs[slot % refs.size()];
        html = replaced_all(std::move(html), k_links[slot], "oid=" + ref.oid + "&aid=" + ref.aid);
    }
    auto start = html.find("<div class=\"paging\">");
    auto end = html.find("</div>", start);
    REQUIRE((start != std::string::npos && end != std::string::npos));
    html.replace(start, end + 6 - start, paging_block(day, page));
    return replaced_all(std::move(html), k_saved_list_date, day.date);
}

std::string sa_item(const ArticleRef& ref)
{
    const auto url = ref.canonical_url();
    return "<li class=\"sa_item _LAZY_LOADING_WRAP\"><div class=\"sa_item_inner\"><div class=\"sa_text\"><a href=\""
           + url + "\" class=\"sa_text_title\"><strong class=\"sa_text_strong\">기사 " + ref.aid
           + "</strong></a><div class=\"sa_text_press\">언론사</div><a href=\"https://n.news.naver.com/mnews/article/"
             "comment/"
           + ref.oid + "/" + ref.aid + "\" class=\"sa_text_cmt\"></a></div></div></li>";
}

// The paging endpoint's answer for `page`, its list container shaped like the saved section
// page's div._PERSIST_META.
std::string fragment_page(const ListingDay& day, int page)
{
    const bool more = page < static_cast<int>(day.pages.size());
    std::string html = "<div class=\"section_latest_article _CONTENT_LIST _PERSIST_META\" data-sid=\"" + sid1_of(day)
                       + "\" data-sid2=\"" + sid2_of(day) + "\" data-cluid=\"\" data-has-next=\""
                       + (more ? "true" : "false") + "\" data-cursor-name=\"next\" data-cursor=\""
                       + (more ? cursor_after(day, page) : "") + "\" data-page-no=\"" + std::to_string(page)
                       + "\" data-date=\"" + day.date + "\" data-template=\"" + std::string(k_fragment_name)
                       + "\"><div class=\"section_article _TEMPLATE\" "
                         "data-template-id=\"SECTION_ARTICLE_LIST\"><ul class=\"sa_list\">";
    for (const auto& ref : day.pages.at(static_cast<size_t>(page - 1))) {
        html += sa_item(ref);
    }
    html += "</ul></div></div>";
    nlohmann::json json;
    json["renderedComponent"][std::string(k_fragment_name)] = html;
    return json.dump();
}

// Reads `body` back as sillok's parser does: it must list exactly the page's refs, and page
// the way the day says.
void check_served_page(const ListingDay& day, int page, const std::string& url, const std::string& body)
{
    CAPTURE(url);
    auto listing = parsers::parse_listing(body, url);
    REQUIRE_MESSAGE(listing.has_value(), "the stand-in's page does not parse: " << listing.error().message);
    REQUIRE(listing->listed == day.pages.at(static_cast<size_t>(page - 1)));
    const bool last = page == static_cast<int>(day.pages.size());
    REQUIRE(listing->page == page);
    if (day.cursor_paged()) {
        REQUIRE(listing->has_next == !last);
    } else {
        REQUIRE(listing->next_page == (last && !day.links_past_last ? std::nullopt : std::optional<int>(page + 1)));
    }
}

const std::array<std::string_view, 3>& article_fixtures()
{
    static const std::array<std::string_view, 3> k_ids{"003_0012577249", "018_0005316196", "421_0008770777"};
    return k_ids;
}

std::string_view fixture_for(const ArticleRef& ref)
{
    return article_fixtures()[static_cast<size_t>(ref.aid.back() - '0') % article_fixtures().size()];
}

std::string yyyymmdd(std::chrono::sys_days day)
{
    std::chrono::year_month_day ymd{day};
    std::array<char, 16> text{};
    std::snprintf(text.data(), text.size(), "%04d%02u%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return text.data();
}

} // namespace

bool ListingDay::cursor_paged() const { return kind == ListingKind::section && id.contains('/'); }

std::string ListingDay::key() const { return (kind == ListingKind::section ? "section:" : "press:") + id + ":" + date; }

std::vector<std::string> ListingDay::page_urls() const
{
    std::vector<std::string> urls;
    const auto last = static_cast<int>(pages.size());
    for (int page = 1; page <= last; ++page) {
        if (cursor_paged()) {
            urls.push_back("https://news.naver.com" + std::string(k_fragment_path) + "?sid=" + sid1_of(*this)
                           + "&sid2=" + sid2_of(*this) + "&cluid=&pageNo=" + std::to_string(page) + "&date=" + date
                           + "&next=" + (page == 1 ? "" : cursor_after(*this, page - 1)));
        } else {
            urls.push_back("https://news.naver.com/main/list.naver?" + legacy_query(*this)
                           + "&page=" + std::to_string(page));
        }
    }
    if (links_past_last) {
        urls.push_back("https://news.naver.com/main/list.naver?" + legacy_query(*this)
                       + "&page=" + std::to_string(last + 1));
    }
    return urls;
}

std::vector<ArticleRef> ListingDay::refs() const
{
    std::vector<ArticleRef> all;
    for (const auto& page : pages) {
        for (const auto& ref : page) {
            if (std::ranges::find(all, ref) == all.end()) {
                all.push_back(ref);
            }
        }
    }
    return all;
}

std::vector<ArticleRef> fresh_refs(std::string_view date, int listing, int page, int count,
                                   const std::vector<std::string>& oids)
{
    REQUIRE((date.size() == 8 && listing >= 0 && listing <= 9 && page >= 1 && page <= 9 && count <= 100));
    std::vector<ArticleRef> refs;
    for (int slot = 0; slot < count; ++slot) {
        std::array<char, 16> aid{};
        std::snprintf(aid.data(), aid.size(), "%s%d%d%02d", std::string(date.substr(2)).c_str(), listing, page, slot);
        refs.push_back({oids[static_cast<size_t>(slot) % oids.size()], aid.data()});
    }
    return refs;
}

std::string page_body(const ListingDay& day, int page)
{
    return day.cursor_paged() ? fragment_page(day, page) : legacy_page(day, page);
}

ListingDay listing_day(ListingKind kind, std::string id, std::string date, int listing,
                       const std::vector<int>& page_sizes)
{
    ListingDay day{kind, std::move(id), std::move(date), {}, false};
    const auto oids =
        kind == ListingKind::press ? std::vector<std::string>{day.id} : std::vector<std::string>{"001", "015", "020"};
    for (size_t page = 0; page < page_sizes.size(); ++page) {
        day.pages.push_back(fresh_refs(day.date, listing, static_cast<int>(page + 1), page_sizes[page], oids));
    }
    return day;
}

std::vector<std::string> days_from(std::string_view first, int count)
{
    REQUIRE(first.size() == 8);
    auto number = [&](size_t at, size_t length) { return std::stoi(std::string(first.substr(at, length))); };
    std::chrono::sys_days day{std::chrono::year{number(0, 4)} / number(4, 2) / number(6, 2)};
    std::vector<std::string> days;
    for (int i = 0; i < count; ++i) {
        days.push_back(yyyymmdd(day + std::chrono::days(i)));
    }
    return days;
}

std::string archive_path(const ArticleRef& ref)
{
    const auto& fixture = fixture_article(fixture_for(ref));
    return fs::path(fixture.archive_path).parent_path().generic_string() + "/" + ref.id() + ".md";
}

void respond_uncompressed(httplib::Response& response, std::shared_ptr<const std::string> body,
                          const std::string& content_type)
{
    response.status = 200;
    const auto size = body->size();
    response.set_content_provider(size, content_type,
                                  [body = std::move(body)](size_t offset, size_t length, httplib::DataSink& sink) {
                                      return sink.write(body->data() + offset, std::min(length, body->size() - offset));
                                  });
}

void serve_uncompressed(NaverStandIn& server, const std::string& host, const std::string& path, std::string body)
{
    server.on(host, path,
              [shared = std::make_shared<const std::string>(std::move(body))](
                  const httplib::Request&, httplib::Response& response) { respond_uncompressed(response, shared); });
}

using Body = std::shared_ptr<const std::string>;

struct BackfillStandIn::Shared {
    struct Served {
        ListingDay day;
        std::vector<Body> bodies; // page 1, 2, ...
    };
    mutable std::mutex mutex;
    std::map<std::string, Served> served; // by ListingDay::key()
    std::vector<std::string> order;       // keys, in the order added
    std::map<std::string, Body> articles; // fixture id to page
    std::atomic<std::int64_t> delay_ms{0};

    // Waits out the delay; false (having set 503) when the server stops meanwhile.
    bool wait(NaverStandIn& server, httplib::Response& response) const
    {
        auto delay = std::chrono::milliseconds(delay_ms.load());
        if (delay.count() > 0 && !server.sleep_unless_stopped(delay)) {
            response.status = 503;
            return false;
        }
        return true;
    }

    // The answer to a listing request: a legacy page past the last answers with the last; a
    // cursor page whose cursor is not the one the page before gave, 400; anything else, 404.
    std::pair<int, Body> answer(std::string_view path, std::string_view query) const
    {
        std::lock_guard lock(mutex);
        auto found = served.find(listing_key(path, query));
        if (found == served.end()) {
            return {404, nullptr};
        }
        const auto& [day, bodies] = found->second;
        const auto page = std::atoi(query_value(query, day.cursor_paged() ? "pageNo" : "page").c_str());
        const auto last = static_cast<int>(bodies.size());
        if (page < 1 || (day.cursor_paged() && page > last)) {
            return {404, nullptr};
        }
        if (day.cursor_paged()
            && query_value(query, "next") != (page == 1 ? std::string() : cursor_after(day, page - 1))) {
            return {400, nullptr};
        }
        return {200, bodies.at(static_cast<size_t>(std::min(page, last) - 1))};
    }
};

BackfillStandIn::BackfillStandIn(NaverStandIn& server) : m_server(server), m_shared(std::make_shared<Shared>())
{
    for (auto id : article_fixtures()) {
        m_shared->articles.emplace(std::string(id), std::make_shared<const std::string>(article_page(id)));
    }
    auto listing = [&server, shared = m_shared](const httplib::Request& request, httplib::Response& response) {
        if (!shared->wait(server, response)) {
            return;
        }
        auto question = request.target.find('?');
        auto [status, body] = shared->answer(request.path, question == std::string::npos
                                                               ? std::string_view()
                                                               : std::string_view(request.target).substr(question + 1));
        if (status != 200) {
            response.status = status;
            return;
        }
        respond_uncompressed(response, std::move(body),
                             request.path == k_fragment_path ? "application/json;charset=UTF-8"
                                                             : "text/html;charset=UTF-8");
    };
    server.on(std::string(k_news_host), std::string(k_legacy_path), listing);
    server.on(std::string(k_news_host), std::string(k_fragment_path), listing);
}

void BackfillStandIn::add(ListingDay day)
{
    REQUIRE(!day.pages.empty());
    Shared::Served served{day, {}};
    const auto urls = day.page_urls();
    for (int page = 1; page <= static_cast<int>(day.pages.size()); ++page) {
        auto body = page_body(day, page);
        check_served_page(day, page, urls.at(static_cast<size_t>(page - 1)), body);
        served.bodies.push_back(std::make_shared<const std::string>(std::move(body)));
    }
    auto shared = m_shared;
    auto& server = m_server;
    for (const auto& ref : day.refs()) {
        std::string fixture(fixture_for(ref));
        m_server.on(std::string(k_article_host), canonical_path(ref.oid, ref.aid),
                    [shared, fixture, &server](const httplib::Request&, httplib::Response& response) {
                        if (shared->wait(server, response)) {
                            respond_uncompressed(response, shared->articles.at(fixture));
                        }
                    });
    }
    std::lock_guard lock(m_shared->mutex);
    auto key = day.key();
    REQUIRE_MESSAGE(!m_shared->served.contains(key), "listing day added twice: " << key);
    m_shared->order.push_back(key);
    m_shared->served.emplace(key, std::move(served));
}

void BackfillStandIn::set_delay(std::chrono::milliseconds delay) { m_shared->delay_ms = delay.count(); }

std::vector<ListingDay> BackfillStandIn::days() const
{
    std::lock_guard lock(m_shared->mutex);
    std::vector<ListingDay> days;
    for (const auto& key : m_shared->order) {
        days.push_back(m_shared->served.at(key).day);
    }
    return days;
}

std::vector<ArticleRef> BackfillStandIn::refs() const
{
    std::set<ArticleRef> all;
    for (const auto& day : days()) {
        for (auto& ref : day.refs()) {
            all.insert(std::move(ref));
        }
    }
    return {all.begin(), all.end()};
}

std::string url_of(const SeenRequest& request)
{
    return "https://" + request.host + request.path + (request.query.empty() ? "" : "?" + request.query);
}

bool is_listing_request(const SeenRequest& request)
{
    return request.host == k_news_host && (request.path == k_legacy_path || request.path == k_fragment_path);
}

bool is_article_request(const SeenRequest& request)
{
    return request.host == k_article_host && request.path.starts_with("/mnews/article/");
}

std::string listing_key_of(const SeenRequest& request) { return listing_key(request.path, request.query); }

std::vector<SeenRequest> requests_since(const NaverStandIn& server, size_t first)
{
    auto all = server.requests();
    return {all.begin() + static_cast<std::ptrdiff_t>(std::min(first, all.size())), all.end()};
}

std::vector<std::string> listing_urls(const std::vector<SeenRequest>& requests)
{
    std::vector<std::string> urls;
    for (const auto& request : requests) {
        if (is_listing_request(request)) {
            urls.push_back(url_of(request));
        }
    }
    return urls;
}

std::vector<std::string> article_paths(const std::vector<SeenRequest>& requests)
{
    std::vector<std::string> paths;
    for (const auto& request : requests) {
        if (is_article_request(request)) {
            paths.push_back(request.path);
        }
    }
    return paths;
}

std::vector<std::string> sorted_page_urls(const std::vector<ListingDay>& days)
{
    std::vector<std::string> urls;
    for (const auto& day : days) {
        auto pages = day.page_urls();
        urls.insert(urls.end(), pages.begin(), pages.end());
    }
    return sorted(std::move(urls));
}

std::vector<std::string> sorted_paths(const std::vector<ArticleRef>& refs)
{
    std::vector<std::string> paths;
    for (const auto& ref : refs) {
        paths.push_back(canonical_path(ref.oid, ref.aid));
    }
    return sorted(std::move(paths));
}

std::vector<std::string> sorted(std::vector<std::string> texts)
{
    std::ranges::sort(texts);
    return texts;
}

std::vector<std::string> backfill_args(const NaverStandIn& server, const fs::path& archive,
                                       const std::vector<std::string>& args)
{
    std::vector<std::string> argv{"backfill", "--archive", archive.string(), "--timeout", "20"};
    auto server_args = server.curl_args();
    argv.insert(argv.end(), server_args.begin(), server_args.end());
    argv.insert(argv.end(), args.begin(), args.end());
    if (std::ranges::find(args, "--rate") == args.end()) {
        argv.insert(argv.end(), {"--rate", "0"});
    }
    return argv;
}

BackfillOutput parse_backfill_output(const std::string& out)
{
    static const std::regex k_id(R"(\d{3}_\d{10})");
    BackfillOutput output;
    if (out.empty()) {
        return output;
    }
    CHECK_MESSAGE(out.ends_with('\n'), "stdout does not end with a newline: " << out);
    auto rows = split(std::string_view(out).substr(0, out.size() - (out.ends_with('\n') ? 1 : 0)), '\n');
    for (const auto& row : rows) {
        CAPTURE(row);
        CHECK_MESSAGE(output.summary.empty(), "the summary is the last line");
        auto fields = split(row, '\t');
        if (fields[0] == "would-queue") {
            REQUIRE(fields.size() == 4);
            REQUIRE(std::regex_match(fields[1], k_id));
            CHECK(fields[2] == canonical_url(fields[1].substr(0, 3), fields[1].substr(4)));
            CHECK_FALSE(fields[3].empty());
            output.would_queue.push_back(fields[1]);
            output.labels.push_back(fields[3]);
        } else if (fields[0] == "failed" || fields[0] == "failed-listing") {
            CHECK(fields.size() == (fields[0] == "failed" ? 3U : 4U));
            CHECK_FALSE(fields.back().empty());
            output.failed.push_back(row);
        } else {
            REQUIRE_MESSAGE(fields[0] == "summary", "a line outside the output contract");
            REQUIRE(fields.size() == 2);
            output.summary = fields[1];
        }
    }
    CHECK_MESSAGE(!output.summary.empty(), "no summary line");
    return output;
}

BackfillRun backfill(const NaverStandIn& server, const fs::path& archive, const std::vector<std::string>& args,
                     std::chrono::seconds deadline)
{
    REQUIRE_MESSAGE(fs::exists(SILLOK_BINARY), "sillok binary not built at " << SILLOK_BINARY);
    // coreutils' timeout ends a run that never finishes, so that a hang fails the test.
    std::vector<std::string> argv{"/usr/bin/timeout", "--signal=KILL", std::to_string(deadline.count()), SILLOK_BINARY};
    auto rest = backfill_args(server, archive, args);
    argv.insert(argv.end(), rest.begin(), rest.end());
    BackfillRun run;
    run.result = run_command(argv);
    INFO("stdout:\n" << run.result.out << "stderr:\n" << run.result.err);
    CHECK_MESSAGE(run.result.exit_code != 137, "sillok backfill still ran after " << deadline.count() << " s");
    run.output = parse_backfill_output(run.result.out);
    return run;
}

std::vector<std::string> archive_files(const fs::path& archive)
{
    auto files = files_under(archive);
    std::erase_if(files, [](const std::string& file) {
        // The raw responses (warc/) are no article files.
        return file.starts_with("ledger.sqlite3") || file == sillok::daemon::Archive::k_lock_file
               || file == sillok::daemon::Archive::k_service_lock_file || file.starts_with("warc/");
    });
    return files;
}

std::map<std::string, std::string> archive_snapshot(const fs::path& archive)
{
    std::map<std::string, std::string> snapshot;
    for (const auto& file : archive_files(archive)) {
        std::istringstream lines(read_file(archive / file));
        std::string kept;
        for (std::string line; std::getline(lines, line);) {
            if (!line.starts_with("crawled_at: ") && !line.starts_with("*Crawled at: ")) {
                kept += line + "\n";
            }
        }
        snapshot.emplace(file, daemon::sha256_hex(kept));
    }
    return snapshot;
}

std::vector<std::string> archive_paths(const std::vector<ArticleRef>& refs)
{
    std::vector<std::string> paths;
    for (const auto& ref : refs) {
        paths.push_back(archive_path(ref));
    }
    return sorted(std::move(paths));
}

std::int64_t articles_with_several_versions(const fs::path& ledger)
{
    return ledger_count(ledger, "SELECT count(*) FROM (SELECT article_id FROM versions GROUP BY article_id"
                                " HAVING count(*) > 1)");
}

} // namespace sillok::test
