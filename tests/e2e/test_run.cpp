// `sillok run` end to end: the service discovers articles on a section's list (and the page
// behind its cursor), archives each once, picks up only what a later list adds, drains on
// SIGTERM, and revisits fresh articles to capture edits.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;
using sillok::parsers::ArticleRef;

constexpr auto k_stop_timeout = 10s;
const std::vector<std::string> k_fast_polling{"--section", "100", "--poll-interval", "1", "--rate", "0"};

std::string sample_page() { return article_page("003_0012577249"); }

bool frontier_idle(const fs::path& ledger)
{
    auto counts = frontier_counts(ledger);
    return counts.pending == 0 && counts.in_flight == 0;
}

std::int64_t versions_of(const fs::path& ledger, const ArticleRef& ref)
{
    return ledger_number(ledger,
                         "SELECT count(*) FROM versions JOIN articles ON articles.id = versions.article_id"
                         " WHERE articles.oid = ?1 AND articles.aid = ?2",
                         {ref.oid, ref.aid})
        .value_or(0);
}

std::vector<std::string> archive_paths(const std::vector<ArticleRef>& refs, std::string_view day)
{
    std::vector<std::string> paths;
    for (const auto& ref : refs) {
        paths.push_back(std::string(day) + "/" + ref.id() + ".md");
    }
    std::ranges::sort(paths);
    return paths;
}

template <typename... Lists>
std::vector<ArticleRef> joined(const Lists&... lists)
{
    std::vector<ArticleRef> all;
    (all.insert(all.end(), lists.begin(), lists.end()), ...);
    return all;
}

// "YYYY-MM-DD HH:MM:SS" in KST, as Naver writes data-date-time.
std::string kst_stamp(std::chrono::system_clock::time_point at)
{
    std::time_t t = std::chrono::system_clock::to_time_t(at) + 9 * 3600;
    std::tm parts{};
    gmtime_r(&t, &parts);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%d %H:%M:%S", &parts);
    return text.data();
}

// Every occurrence (the body and the page's summary meta tags alike).
std::string replaced(std::string text, std::string_view from, std::string_view to)
{
    REQUIRE_MESSAGE(text.contains(from), "the page does not contain " << from);
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

} // namespace

TEST_CASE("e2e::run archives every listed article once, then only what a later list adds")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto listed = listed_refs(page);
    REQUIRE(listed.size() == 36);
    const auto behind = made_up_refs(2); // on the page behind the list's cursor
    const auto next_page = next_page_json(behind);
    REQUIRE(next_page_refs(next_page) == behind);
    // Later, three new articles push three listed ones off the list.
    const auto added = made_up_refs(3, 100);
    const std::vector<ArticleRef> pushed_off(listed.begin() + 5, listed.begin() + 8);
    const auto later_page = with_refs_replaced(page, pushed_off, added);
    const auto later_listed = listed_refs(later_page);
    REQUIRE(later_listed.size() == listed.size());
    for (const auto& ref : added) {
        REQUIRE(std::ranges::find(later_listed, ref) != later_listed.end());
    }

    serve_section(server, page, next_page);
    serve_articles(server, joined(listed, behind, added), sample_page());
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    ServiceProcess service(run_args(server, archive, k_fast_polling), scratch.path());
    INFO("service log:\n" << service.log());

    const auto first = joined(listed, behind);
    REQUIRE_MESSAGE(
        wait_until(
            [&] { return archived_count(ledger) == static_cast<std::int64_t>(first.size()) && frontier_idle(ledger); },
            30s),
        "the first list was not archived in time");
    CHECK(article_files(archive) == archive_paths(first, "2024/05/30"));
    // The cursor page is fetched once: later polls find nothing new on the first page.
    const auto next_requests = std::ranges::count_if(
        server.requests(), [](const SeenRequest& r) { return r.host == k_section_host && r.path == k_next_page_path; });
    CHECK(next_requests == 1);
    for (const auto& request : server.requests()) {
        if (request.path == k_next_page_path) {
            CHECK(request.query.contains("sid=100"));
            CHECK(request.query.contains("next=20260530010909"));
        }
    }

    serve_section(server, later_page, next_page);
    const auto all = joined(first, added);
    REQUIRE_MESSAGE(
        wait_until(
            [&] { return archived_count(ledger) == static_cast<std::int64_t>(all.size()) && frontier_idle(ledger); },
            30s),
        "the articles the later list added were not archived in time");
    // Two more polls of the later list change nothing.
    const auto polls = server.count(k_section_host, k_section_path);
    REQUIRE(wait_until([&] { return server.count(k_section_host, k_section_path) >= polls + 2; }, 10s));

    service.signal(SIGTERM);
    REQUIRE(service.wait(k_stop_timeout) == 0);

    for (const auto& ref : all) {
        CAPTURE(ref.id());
        CHECK(server.count(k_article_host, canonical_path(ref.oid, ref.aid)) == 1);
        CHECK(versions_of(ledger, ref) == 1);
    }
    std::set<std::string> expected_paths;
    for (const auto& ref : all) {
        expected_paths.insert(canonical_path(ref.oid, ref.aid));
    }
    for (const auto& request : server.requests()) {
        if (request.host == k_article_host && request.path != "/robots.txt") {
            CHECK_MESSAGE(expected_paths.contains(request.path), "requested an article not listed: " << request.path);
        }
    }
    CHECK(server.count(k_section_host, k_next_page_path) == 1);
    CHECK(article_files(archive) == archive_paths(all, "2024/05/30"));
    CHECK(ledger_number(ledger, "SELECT count(*) FROM versions") == static_cast<std::int64_t>(all.size()));
    CHECK(ledger_number(ledger, "SELECT count(*) FROM articles") == static_cast<std::int64_t>(all.size()));
    CHECK(frontier_counts(ledger).done == static_cast<std::int64_t>(all.size()));
    // Every HTTP attempt is in the ledger, the listings' too.
    CHECK(ledger_number(ledger, "SELECT count(*) FROM fetches") == static_cast<std::int64_t>(server.requests().size()));
}

TEST_CASE("e2e::run on SIGTERM finishes the requests in flight, records them and exits 0")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto listed = listed_refs(page);
    serve_section(server, page);
    serve_articles(server, listed, sample_page(), 1000ms);
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    ServiceProcess service(run_args(server, archive, k_fast_polling), scratch.path());
    INFO("service log:\n" << service.log());

    REQUIRE(wait_until([&] { return server.count(k_article_host) >= 2; }, 15s));
    std::this_thread::sleep_for(200ms); // both requests are mid-answer
    const auto asked_to_stop = std::chrono::steady_clock::now();
    service.signal(SIGTERM);
    const auto exit_code = service.wait(k_stop_timeout);
    const auto stop_took = std::chrono::steady_clock::now() - asked_to_stop;
    REQUIRE_MESSAGE(exit_code.has_value(), "still running " << k_stop_timeout.count() << " s after SIGTERM");
    CHECK(*exit_code == 0);
    CHECK(stop_took < k_stop_timeout);

    std::vector<ArticleRef> requested;
    for (const auto& ref : listed) {
        if (server.count(k_article_host, canonical_path(ref.oid, ref.aid)) > 0) {
            requested.push_back(ref);
        }
    }
    INFO("requests started before the stop: " << requested.size());
    CHECK(requested.size() >= 2);
    for (const auto& ref : requested) {
        CAPTURE(ref.id());
        CHECK(versions_of(ledger, ref) == 1);
    }
    const auto counts = frontier_counts(ledger);
    CHECK(counts.in_flight == 0);
    CHECK(counts.done == static_cast<std::int64_t>(requested.size()));
    CHECK(counts.pending == static_cast<std::int64_t>(listed.size() - requested.size()));
    CHECK(archived_count(ledger) == static_cast<std::int64_t>(requested.size()));
    CHECK(article_files(archive).size() == requested.size());
}

TEST_CASE("e2e::run revisits a fresh article after the revisit_after delays and keeps its edit")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto listed = listed_refs(page);
    const auto& fresh = listed.front();
    const std::string sentence = "3대 중 2대는 갤럭시가 될 것이라는 자신감도 드러냈다.";
    const std::string edited_sentence = "3대 중 2대는 갤럭시가 될 것이라는 자신감을 분명히 드러냈다.";

    serve_section(server, page);
    serve_articles(server, std::vector<ArticleRef>(listed.begin() + 1, listed.end()), sample_page());
    // The fresh article says it was published when it is first fetched; every later visit
    // finds its edited text.
    const std::string stamp_mark = "@PUBLISHED@";
    const auto first_form =
        replaced(sample_page(), "data-date-time=\"2024-05-30 11:40:08\"", "data-date-time=\"" + stamp_mark + "\"");
    const auto edited_form = replaced(first_form, sentence, edited_sentence);
    struct Visits {
        std::mutex mutex;
        int made = 0;
        std::string published;
    };
    auto visits = std::make_shared<Visits>();
    server.on(std::string(k_article_host), canonical_path(fresh.oid, fresh.aid),
              [visits, stamp_mark, first_form, edited_form](const httplib::Request&, httplib::Response& response) {
                  std::lock_guard lock(visits->mutex);
                  if (visits->made++ == 0) {
                      visits->published = kst_stamp(std::chrono::system_clock::now());
                  }
                  auto text = visits->made == 1 ? first_form : edited_form;
                  text.replace(text.find(stamp_mark), stamp_mark.size(), visits->published);
                  response.set_content(text, std::string(k_html_uncompressed));
              });
    const auto config = scratch.path() / "sillok.toml";
    write_file(config, "sections = [\"100\"]\npoll_interval = 1\nrate = 0\nrevisit_after = [3, 5]\n");
    const auto archive = scratch.path() / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    ServiceProcess service(run_args(server, archive, {"--config", config.string()}), scratch.path());
    INFO("service log:\n" << service.log());

    REQUIRE_MESSAGE(wait_until([&] { return versions_of(ledger, fresh) == 2; }, 15s),
                    "the edit was not captured by a revisit");
    // After the last delay the item is done: no more visits.
    REQUIRE(wait_until(
        [&] {
            return ledger_number(ledger, "SELECT count(*) FROM frontier WHERE oid = ?1 AND aid = ?2 AND state = 'done'",
                                 {fresh.oid, fresh.aid})
                   == 1;
        },
        15s));
    service.signal(SIGTERM);
    REQUIRE(service.wait(k_stop_timeout) == 0);

    // A visit per delay, after the first; a delay that has passed by the time the first visit
    // is recorded (a slow machine) is skipped, never made up.
    const auto visits_made = server.count(k_article_host, canonical_path(fresh.oid, fresh.aid));
    CHECK(visits_made >= 2);
    CHECK(visits_made <= 3);
    CHECK(versions_of(ledger, fresh) == 2);
    CHECK(ledger_number(ledger, "SELECT current_version FROM articles WHERE oid = ?1 AND aid = ?2",
                        {fresh.oid, fresh.aid})
          == 2);
    std::string day;
    {
        std::lock_guard lock(visits->mutex);
        const auto& published = visits->published;
        day = published.substr(0, 4) + "/" + published.substr(5, 2) + "/" + published.substr(8, 2);
    }
    const auto current = read_file(archive / day / (fresh.id() + ".md"));
    CHECK(current.contains(edited_sentence));
    // Both versions stay in the archive.
    int files_with_first = 0;
    for (const auto& file : article_files(archive)) {
        if (file.find(fresh.id()) != std::string::npos && read_file(archive / file).contains(sentence)) {
            ++files_with_first;
        }
    }
    CHECK(files_with_first == 1);
    for (const auto& ref : std::vector<ArticleRef>(listed.begin() + 1, listed.end())) {
        CAPTURE(ref.id());
        CHECK(server.count(k_article_host, canonical_path(ref.oid, ref.aid)) == 1);
    }
}
