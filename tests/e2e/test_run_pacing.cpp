// `sillok run` end to end: its politeness as the server sees it. Request starts to one host are
// spaced by the rate (also after SIGHUP changes it), Retry-After holds the host, and repeated
// 403/429 answers pause it (the circuit breaker), visibly in `sillok status`.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;
using Clock = std::chrono::steady_clock;

constexpr auto k_stop_timeout = 10s;
// How far connection set-up and scheduling may shift one arrival against another: the
// stand-in stamps requests when they arrive, the service spaces them when it starts them.
constexpr auto k_latency_spread = 150ms;

std::string sample_page() { return article_page("003_0012577249"); }

std::chrono::milliseconds mean_gap(const std::vector<Clock::time_point>& times)
{
    REQUIRE(times.size() >= 2);
    return std::chrono::duration_cast<std::chrono::milliseconds>(times.back() - times.front())
           / static_cast<int>(times.size() - 1);
}

std::string joined(const std::vector<std::chrono::milliseconds>& values)
{
    std::string out;
    for (auto value : values) {
        out += std::to_string(value.count()) + " ";
    }
    return out;
}

std::vector<Clock::time_point> between(const std::vector<Clock::time_point>& times, Clock::time_point from,
                                       Clock::time_point to = Clock::time_point::max())
{
    std::vector<Clock::time_point> out;
    std::ranges::copy_if(times, std::back_inserter(out), [&](auto t) { return t >= from && t < to; });
    return out;
}

void stop(ServiceProcess& service)
{
    service.signal(SIGTERM);
    CHECK(service.wait(k_stop_timeout) == 0);
}

} // namespace

TEST_CASE("e2e::run with --rate 4 starts one request per 250 ms to each host")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto listed = listed_refs(page);
    const auto behind = made_up_refs(2);
    serve_section(server, page, next_page_json(behind));
    auto all = listed;
    all.insert(all.end(), behind.begin(), behind.end());
    serve_articles(server, all, sample_page());
    ServiceProcess service(
        run_args(server, scratch.path() / "archive", {"--section", "100", "--poll-interval", "1", "--rate", "4"}),
        scratch.path());
    INFO("service log:\n" << service.log());

    REQUIRE(wait_until([&] { return server.count(k_article_host) >= 12; }, 20s));
    stop(service);

    // The listing host serves the per-date list, the section page and, when the section page
    // still held new articles, the page behind its cursor: all of them are paced too.
    for (auto host : {k_article_host, k_section_host}) {
        CAPTURE(host);
        const auto times = arrivals(server, host);
        INFO("gaps in ms: " << joined(gaps(times)));
        CHECK(times.size() >= 2);
        CHECK(keeps_pace(times, 250ms));
    }
    CHECK(server.count(k_section_host, k_next_page_path) <= 1);
}

TEST_CASE("e2e::run honours Retry-After: no request to the host for the seconds asked")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto listed = listed_refs(page);
    serve_section(server, page);
    // The third article asked for gets 503 with Retry-After: 2, once.
    struct Refusal {
        std::mutex mutex;
        int answered = 0;
        std::string path;
    };
    auto refusal = std::make_shared<Refusal>();
    auto fixture = std::make_shared<const std::string>(sample_page());
    for (const auto& ref : listed) {
        server.on(std::string(k_article_host), canonical_path(ref.oid, ref.aid),
                  [refusal, fixture](const httplib::Request& request, httplib::Response& response) {
                      std::lock_guard lock(refusal->mutex);
                      if (++refusal->answered == 3) {
                          refusal->path = request.path;
                          response.status = 503;
                          response.set_header("Retry-After", "2");
                          response.set_content("busy", "text/plain");
                          return;
                      }
                      response.set_content(*fixture, std::string(k_html_uncompressed));
                  });
    }
    ServiceProcess service(
        run_args(server, scratch.path() / "archive", {"--section", "100", "--poll-interval", "1", "--rate", "4"}),
        scratch.path());
    INFO("service log:\n" << service.log());

    auto refused_path = [&] {
        std::lock_guard lock(refusal->mutex);
        return refusal->path;
    };
    REQUIRE(
        wait_until([&] { return !refused_path().empty() && server.count(k_article_host, refused_path()) >= 2; }, 20s));
    stop(service);

    const auto requests = server.requests();
    auto refused = std::ranges::find_if(requests, [&](const SeenRequest& r) { return r.path == refused_path(); });
    REQUIRE(refused != requests.end());
    const auto after = between(arrivals(server, k_article_host), refused->at + 1ns);
    REQUIRE(!after.empty());
    for (auto at : after) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(at - refused->at);
        CAPTURE(waited.count());
        CHECK(waited >= 2000ms - k_latency_spread);
    }
    auto retried = std::ranges::find_if(requests.rbegin(), requests.rend(),
                                        [&](const SeenRequest& r) { return r.path == refused_path(); });
    CHECK(retried->at - refused->at >= 2000ms - k_latency_spread);
}

TEST_CASE("e2e::run applies a changed rate from the config file on SIGHUP")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    const auto listed = listed_refs(page);
    serve_section(server, page);
    serve_articles(server, listed, sample_page());
    const auto config = scratch.path() / "sillok.toml";
    const std::string settings = "sections = [\"100\"]\npoll_interval = 1\n";
    write_file(config, settings + "rate = 2.0\n");
    ServiceProcess service(run_args(server, scratch.path() / "archive", {"--config", config.string()}), scratch.path());
    INFO("service log:\n" << service.log());

    REQUIRE(wait_until([&] { return server.count(k_article_host) >= 5; }, 20s));
    write_file(config, settings + "rate = 10.0\n");
    const auto reloaded_at = Clock::now();
    service.signal(SIGHUP);
    REQUIRE(wait_until([&] { return between(arrivals(server, k_article_host), reloaded_at).size() >= 14; }, 20s));
    stop(service);

    const auto times = arrivals(server, k_article_host);
    const auto before = between(times, Clock::time_point::min(), reloaded_at);
    // A slot reserved under the old rate may still be up to 550 ms ahead at the reload.
    const auto after = between(times, reloaded_at + 600ms);
    INFO("gaps before SIGHUP: " << joined(gaps(before)));
    INFO("gaps after SIGHUP: " << joined(gaps(after)));
    REQUIRE(before.size() >= 4);
    REQUIRE(after.size() >= 8);
    CHECK(keeps_pace(before, 500ms));
    CHECK(keeps_pace(after, 100ms));
    // Faster than the old rate allows: the new one is in force.
    CHECK(mean_gap(after) < 250ms);
    CHECK(service.log().contains("configuration reloaded"));
}

// The service against a stand-in that answers 429 to every article, with pause_after = 3,
// run until `sillok status` shows the article host paused.
class ThrottledArticles {
public:
    ThrottledArticles()
    {
        const auto page = section_page();
        serve_section(m_server, page);
        for (const auto& ref : listed_refs(page)) {
            m_server.on(std::string(k_article_host), canonical_path(ref.oid, ref.aid),
                        [](const httplib::Request&, httplib::Response& response) {
                            response.status = 429;
                            response.set_content("slow down", "text/plain");
                        });
        }
        write_file(m_config, "sections = [\"100\"]\npoll_interval = 1\nrate = 0\npause_after = 3\n"
                             "pause_seconds = 600\nmetrics_file = \""
                                 + m_metrics.string() + "\"\n");
        m_service = std::make_unique<ServiceProcess>(run_args(m_server, m_archive, {"--config", m_config.string()}),
                                                     m_scratch.path());
        const std::vector<std::string> status_command{SILLOK_BINARY, "status", "--archive", m_archive.string()};
        bool paused = wait_until(
            [&] {
                m_status = run_command(status_command);
                return m_status.out.contains("paused host: n.news.naver.com");
            },
            20s);
        INFO("service log:\n" << m_service->log());
        REQUIRE_MESSAGE(paused, "status never showed the host paused:\n" << m_status.out << m_status.err);
    }

protected:
    ScratchDir m_scratch;
    NaverStandIn m_server;
    fs::path m_archive = m_scratch.path() / "archive";
    fs::path m_metrics = m_scratch.path() / "sillok.prom";
    fs::path m_config = m_scratch.path() / "sillok.toml";
    std::unique_ptr<ServiceProcess> m_service;
    CommandResult m_status; // the first that showed the pause
};

TEST_CASE_FIXTURE(ThrottledArticles, "e2e::run pauses a host after pause_after answers 429 in a row")
{
    INFO("service log:\n" << m_service->log());
    CHECK(m_status.exit_code == 0);
    CHECK(m_status.out.contains("3 answers 403/429 in a row"));
    CHECK(m_status.out.contains("queue: "));
    // Requests for articles: the host's robots.txt, fetched at start, is not one.
    auto article_requests = [&] {
        return m_server.count(k_article_host) - m_server.count(k_article_host, "/robots.txt");
    };
    const auto at_pause = article_requests();
    // Three 429 answers pause the host; the other of the two requests in flight may still be
    // answered after the third.
    CHECK(at_pause >= 3);
    CHECK(at_pause <= 4);
    // Retries and further articles wait out the pause.
    std::this_thread::sleep_for(2500ms);
    CHECK(article_requests() == at_pause);
    CHECK(m_service->log().contains("pausing all requests to n.news.naver.com"));
    REQUIRE(fs::exists(m_metrics));
    const auto metrics = read_file(m_metrics);
    CHECK(metrics.contains("sillok_frontier_items{state=\"pending\"}"));
    // The capacity figures: demand against the budget (rate 0: none) and the queue's lag.
    CHECK(metrics.contains("\nsillok_demand_requests_per_hour{work=\"articles\"} "));
    CHECK(metrics.contains("\nsillok_budget_requests_per_hour 0\n"));
    CHECK(metrics.contains("\nsillok_queue_due_items "));
    CHECK(metrics.contains("\nsillok_queue_lag_seconds "));
    CHECK(metrics.contains("\nsillok_queue_falling_behind 0\n"));

    stop(*m_service);
    CHECK(frontier_counts(m_archive / "ledger.sqlite3").in_flight == 0);
    // The pause outlives the process: it lives in the ledger, for every process.
    auto status = run_command({SILLOK_BINARY, "status", "--archive", m_archive.string()});
    CHECK(status.out.contains("paused host: n.news.naver.com"));
}

TEST_CASE_FIXTURE(ThrottledArticles, "e2e::run keeps polling the section lists while the article host is paused")
{
    INFO("service log:\n" << m_service->log());
    const auto polls = m_server.count(k_section_host, k_section_path);
    std::this_thread::sleep_for(2500ms);
    // news.naver.com is not paused: the lists are polled every second as configured.
    CHECK(m_server.count(k_section_host, k_section_path) >= polls + 2);
    stop(*m_service);
}
