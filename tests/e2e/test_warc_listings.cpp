// Listing pages in WARC: a backfill over the stand-in keeps, with `warc = "versions"`, the
// listing pages that yielded new articles and no other; with "all", every listing response,
// a 404 too. warcio reads the records back, their payloads are the bytes the stand-in sent,
// the fetch rows point at them and `sillok verify` checks them. `run` keeps its discovery's
// pages by the same rule, and with "all" its robots.txt answers too.
#include "tests/e2e/backfill_stand_in.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/discovery_stand_in.hpp"
#include "tests/e2e/service_process.hpp"
#include "tests/e2e/warc_check.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <array>
#include <ctime>
#include <map>
#include <set>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

struct Served {
    std::map<std::string, std::string> bodies; // listing page URL -> the bytes served
    std::string yielding_nothing;              // the URL of the page that lists only known articles
    size_t articles = 0;
};

// 2024-03-01: section 100 over two legacy pages and section 101/259 on one endpoint page;
// 2024-03-02: section 100 on one page listing only articles of the day before. Every other
// listing of 2024-03-01..03 answers 404.
Served serve_listings(BackfillStandIn& stand_in)
{
    Served served;
    auto first = listing_day(ListingKind::section, "100", "20240301", 0, {3, 2});
    auto endpoint = listing_day(ListingKind::section, "101/259", "20240301", 1, {2});
    ListingDay known{ListingKind::section, "100", "20240302", {first.pages[0]}, false};
    for (const auto* day : {&first, &endpoint, &known}) {
        const auto urls = day->page_urls();
        for (size_t page = 0; page < urls.size(); ++page) {
            served.bodies[urls[page]] = page_body(*day, static_cast<int>(page) + 1);
        }
        stand_in.add(*day);
    }
    served.yielding_nothing = known.page_urls().at(0);
    served.articles = first.refs().size() + endpoint.refs().size();
    return served;
}

BackfillRun backfill_with(const NaverStandIn& server, const fs::path& archive, const std::string& mode)
{
    fs::create_directories(archive);
    auto config = archive.parent_path() / (mode + ".toml");
    write_file(config, "warc = \"" + mode + "\"\n");
    return backfill(server, archive,
                    {"--section", "100", "--section", "101/259", "--from", "2024-03-01", "--to", "2024-03-03",
                     "--config", config.string()},
                    std::chrono::seconds(60));
}

struct ListingFetch {
    std::string url;
    std::string status;
    std::string warc_file; // "" when not kept
    std::string offset;
    std::string length;
};

std::vector<ListingFetch> listing_fetches(const fs::path& archive)
{
    std::vector<ListingFetch> fetches;
    for (auto& row :
         ledger_rows(archive / "ledger.sqlite3", "SELECT url, status, warc_file, warc_offset, warc_length FROM fetches"
                                                 " WHERE url LIKE 'https://news.naver.com/%' ORDER BY id")) {
        fetches.push_back(ListingFetch{row[0], row[1], row[2], row[3], row[4]});
    }
    return fetches;
}

// warcio reads every file; each listing fetch with a link points at a response record of its
// URL and status, whose payload is what was served. Returns how many listing records there are.
size_t check_listing_records(const fs::path& archive, const std::vector<ListingFetch>& fetches, const Served& served)
{
    auto files = warc_files_under(archive / "warc");
    REQUIRE(!files.empty());
    auto records = read_with_warcio(files);
    std::map<std::pair<std::string, int64_t>, const CheckedRecord*> by_place;
    size_t listing_records = 0;
    for (const auto& record : records) {
        CAPTURE(record.target);
        CHECK(record.block_digest_holds);
        if (record.type == "response") {
            CHECK(record.payload_digest_holds);
            by_place[{fs::relative(files[record.file], archive).string(), record.offset}] = &record;
            listing_records += record.target.starts_with("https://news.naver.com/") ? 1 : 0;
        }
    }
    for (const auto& fetch : fetches) {
        if (fetch.warc_file.empty()) {
            continue;
        }
        CAPTURE(fetch.url);
        auto found = by_place.find({fetch.warc_file, std::stoll(fetch.offset)});
        REQUIRE_MESSAGE(found != by_place.end(), "no response record where the fetch row points");
        const auto& record = *found->second;
        CHECK(record.target == fetch.url);
        CHECK(std::to_string(record.length) == fetch.length);
        CHECK(std::to_string(record.status) == fetch.status);
        if (record.status == 200) {
            REQUIRE(served.bodies.contains(fetch.url));
            CHECK(record.payload == served.bodies.at(fetch.url)); // the bytes the stand-in sent
        } else {
            CHECK(record.payload.empty());
        }
    }
    return listing_records;
}

// `sillok verify` is clean and read every record a fetch points to.
void check_verify(const fs::path& archive, int64_t records)
{
    auto verified = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    INFO("verify:\n" << verified.out << verified.err);
    CHECK(verified.exit_code == 0);
    CHECK(verified.out.contains(std::to_string(records) + " WARC records checked, 0 problems"));
}

} // namespace

TEST_CASE("e2e::warc listing pages: versions keeps those that yielded new articles, all every listing response")
{
    ScratchDir scratch;
    NaverStandIn server;
    BackfillStandIn stand_in(server);
    const auto served = serve_listings(stand_in);

    const auto versions = scratch.path() / "versions";
    auto run = backfill_with(server, versions, "versions");
    INFO("stderr:\n" << run.result.err);
    REQUIRE(run.result.exit_code == 0);
    auto fetches = listing_fetches(versions);
    std::set<std::string> kept;
    for (const auto& fetch : fetches) {
        if (!fetch.warc_file.empty()) {
            kept.insert(fetch.url);
        }
    }
    // The three pages of 2024-03-01; not the page of known articles, not the 404s.
    std::set<std::string> yielding;
    for (const auto& [url, body] : served.bodies) {
        if (url != served.yielding_nothing) {
            yielding.insert(url);
        }
    }
    CHECK(kept == yielding);
    CHECK(fetches.size() == served.bodies.size() + 3); // and 404s: 101/259 on the 2nd and 3rd, 100 on the 3rd
    CHECK(check_listing_records(versions, fetches, served) == yielding.size());
    check_verify(versions, static_cast<int64_t>(served.articles + yielding.size()));

    const auto all = scratch.path() / "all";
    run = backfill_with(server, all, "all");
    REQUIRE(run.result.exit_code == 0);
    fetches = listing_fetches(all);
    REQUIRE(fetches.size() == served.bodies.size() + 3);
    size_t not_found = 0;
    for (const auto& fetch : fetches) {
        CAPTURE(fetch.url);
        CHECK(!fetch.warc_file.empty());
        not_found += fetch.status == "404" ? 1 : 0;
    }
    CHECK(not_found == 3);
    CHECK(check_listing_records(all, fetches, served) == fetches.size());
    check_verify(all, static_cast<int64_t>(served.articles + fetches.size()));
}

namespace {

using namespace std::chrono_literals;

constexpr std::string_view k_robots = "User-agent: Yeti\nAllow: /\n\nUser-agent: *\nDisallow: /\n";

// Today in Korea (UTC+9), YYYYMMDD, computed here rather than by sillok.
std::string korean_today()
{
    std::time_t t = std::time(nullptr) + 9 * 3600;
    std::tm parts{};
    gmtime_r(&t, &parts);
    std::array<char, 16> text{};
    std::strftime(text.data(), text.size(), "%Y%m%d", &parts);
    return text.data();
}

// `sillok run` with `warc = MODE` until its five articles are archived and the per-date list
// has been polled three times more (those polls find nothing new); stopped with SIGTERM.
void run_until_quiet(const NaverStandIn& server, const fs::path& archive, const std::string& mode)
{
    fs::create_directories(archive);
    auto config = archive.parent_path() / (mode + ".toml");
    write_file(config, "warc = \"" + mode + "\"\n");
    const auto ledger = archive / "ledger.sqlite3";
    const auto polls_before = server.count("news.naver.com", "/main/list.naver");
    ServiceProcess service(
        run_args(server, archive,
                 {"--section", "100", "--poll-interval", "1", "--rate", "0", "--config", config.string()}),
        archive.parent_path());
    INFO("service log:\n" << service.log());
    REQUIRE_MESSAGE(wait_until([&] { return archived_count(ledger) == 5; }, 30s),
                    "the five articles were not archived");
    const auto polls = server.count("news.naver.com", "/main/list.naver");
    REQUIRE(wait_until([&] { return server.count("news.naver.com", "/main/list.naver") >= polls + 3; }, 15s));
    CHECK(polls > polls_before);
    service.signal(SIGTERM);
    REQUIRE(service.wait(10s) == 0);
}

struct RunFetch {
    int64_t id = 0;
    std::string url;
    std::string status;
    std::string warc_file;
};

std::vector<RunFetch> run_fetches(const fs::path& archive)
{
    std::vector<RunFetch> fetches;
    for (auto& row :
         ledger_rows(archive / "ledger.sqlite3", "SELECT id, url, status, warc_file FROM fetches ORDER BY id")) {
        fetches.push_back(RunFetch{std::stoll(row[0]), row[1], row[2], row[3]});
    }
    return fetches;
}

bool is_robots(const RunFetch& fetch) { return fetch.url.ends_with("/robots.txt"); }
bool is_listing(const RunFetch& fetch) { return fetch.url.starts_with("https://news.naver.com/") && !is_robots(fetch); }

} // namespace

TEST_CASE("e2e::warc run keeps the listing pages that yielded articles, and with all every response and robots.txt")
{
    ScratchDir scratch;
    NaverStandIn server;
    DiscoveryStandIn day(server, korean_today(), article_page("003_0012577249"));
    server.serve_html("news.naver.com", "/robots.txt", std::string(k_robots)); // n.news.naver.com answers 404
    day.publish(5);

    const auto versions = scratch.path() / "versions";
    run_until_quiet(server, versions, "versions");
    auto fetches = run_fetches(versions);
    std::set<std::string> seen_urls;
    size_t kept_listings = 0;
    size_t unkept_repeats = 0;
    for (const auto& fetch : fetches) {
        CAPTURE(fetch.url);
        if (is_robots(fetch)) {
            CHECK(fetch.warc_file.empty());
        } else if (is_listing(fetch)) {
            bool first = seen_urls.insert(fetch.url).second;
            // A later poll of the same page finds nothing new: it is not kept.
            CHECK((first || fetch.warc_file.empty()));
            kept_listings += fetch.warc_file.empty() ? 0 : 1;
            unkept_repeats += !first && fetch.warc_file.empty() ? 1 : 0;
        } else {
            CHECK(!fetch.warc_file.empty()); // an article's first version
        }
    }
    CHECK(kept_listings >= 1); // the section page and the per-date list share the five articles
    CHECK(unkept_repeats >= 3);
    check_verify(versions, static_cast<int64_t>(5 + kept_listings));

    const auto all = scratch.path() / "all";
    run_until_quiet(server, all, "all");
    fetches = run_fetches(all);
    std::map<std::string, std::string> robots_status;
    for (const auto& fetch : fetches) {
        CAPTURE(fetch.url);
        CHECK((fetch.status.empty() || !fetch.warc_file.empty())); // whatever answered
        if (is_robots(fetch)) {
            robots_status[fetch.url] = fetch.status;
        }
    }
    CHECK(robots_status
          == std::map<std::string, std::string>{{"https://news.naver.com/robots.txt", "200"},
                                                {"https://n.news.naver.com/robots.txt", "404"}});
    auto records = read_with_warcio(warc_files_under(all / "warc"));
    size_t robots_records = 0;
    for (const auto& record : records) {
        if (record.type == "response" && record.target == "https://news.naver.com/robots.txt") {
            ++robots_records;
            CHECK(record.status == 200);
            CHECK(record.payload_digest_holds);
            CHECK(record.payload == k_robots);
        }
    }
    CHECK(robots_records == 1);
    check_verify(all, static_cast<int64_t>(fetches.size()));
}
