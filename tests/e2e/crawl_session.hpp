#pragma once
// Running the real `sillok crawl` against a NaverStandIn and reading back what it produced:
// its stdout lines, the archive files and the ledger.
#include "tests/support/fixtures.hpp"
#include "tests/support/https_server.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sillok::test {

// One stdout line: outcome<TAB>id<TAB>path<TAB>hash[<TAB>reason].
struct CrawlLine {
    std::string outcome;
    std::string id;
    std::string path;
    std::string hash;
    std::string reason;
};

struct CrawlRun {
    CommandResult result;
    std::vector<CrawlLine> lines;
    std::chrono::steady_clock::duration elapsed{};
    // Wall-clock bounds of the run, for checking crawled_at.
    std::chrono::system_clock::time_point started;
    std::chrono::system_clock::time_point finished;

    // The line for `id`; fails the test when there is not exactly one.
    [[nodiscard]] CrawlLine line(std::string_view id) const;
};

struct CrawlOptions {
    std::string stdin_text;
    // Pass the server's CA with --cacert; without it the crawler must refuse the server.
    bool trust_test_ca = true;
};

// Runs `sillok crawl --archive ARCHIVE ARGS` reaching `server` through --connect-to, with
// --rate 0 and --timeout 20 unless ARGS set them. Checks every stdout line's shape.
CrawlRun crawl(const NaverStandIn& server, const std::filesystem::path& archive, std::vector<std::string> args,
               const CrawlOptions& options = {});

// Splits stdout into lines and CHECKs each against the output contract.
std::vector<CrawlLine> parse_crawl_output(const std::string& out);

// The three saved article pages with goldens, and where the archive files them.
struct FixtureArticle {
    std::string id;
    std::string oid;
    std::string aid;
    std::string archive_path; // relative to the archive, by publication date in KST
};
const std::vector<FixtureArticle>& fixture_articles();
const FixtureArticle& fixture_article(std::string_view id);

std::string article_page(std::string_view id); // the saved HTML
std::string golden_file(std::string_view id);  // the expected archive file
std::string canonical_path(std::string_view oid, std::string_view aid);
std::string canonical_url(std::string_view oid, std::string_view aid);
// Serves the fixture page `id` at its canonical path on n.news.naver.com.
void serve_fixture(NaverStandIn& server, std::string_view id);
// Serves every fixture page and crawls them all into archive.
CrawlRun crawl_fixtures(NaverStandIn& server, const std::filesystem::path& archive);

// The front matter as key/value pairs in file order. CHECKs the format's rules: every value a
// double-quoted YAML string (loaded with yaml-cpp), keys in the format's order.
std::vector<std::pair<std::string, std::string>> front_matter(const std::string& file_text);
std::string field(const std::vector<std::pair<std::string, std::string>>& fields, std::string_view key);

// CHECKs that both crawled_at lines name one moment within the run, then returns the text
// with them set to the goldens' fixed crawled_at, so the rest can be compared byte for byte.
std::string with_golden_crawled_at(const std::string& file_text, const CrawlRun& run);

// Every regular file under `dir`, relative to it, sorted.
std::vector<std::string> files_under(const std::filesystem::path& dir);

// Runs a `SELECT count(*) ...` on the ledger, opened read-only; `text` binds to each '?'.
std::int64_t ledger_count(const std::filesystem::path& ledger, const std::string& sql,
                          const std::vector<std::string>& text = {});

// Case-insensitive: whether `text` contains any of `words`.
bool mentions_any(std::string_view text, const std::vector<std::string_view>& words);

// Whether server-side arrival times keep to one start per spacing: any n + 1 of them in a
// row span at least n spacings, less the spread that connection set-up and scheduling
// add (150 ms); one arrival may be out of line (a token bucket's burst).
bool keeps_pace(const std::vector<std::chrono::steady_clock::time_point>& times, std::chrono::milliseconds spacing);

} // namespace sillok::test
