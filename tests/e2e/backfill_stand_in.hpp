#pragma once
// Several days of Naver's per-date listings, served by a NaverStandIn for `sillok backfill`:
// legacy list pages (a section without sid2, a press) made from the saved 2020-09-19 list page,
// the cursor-paged endpoint for a section with sid2, and a saved article page at every ref
// listed. Also running the command and reading back what it printed and archived.
#include "parsers/article_ref.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/https_server.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::test {

enum class ListingKind { section, press };

// One listing of one day, as Naver serves it.
struct ListingDay {
    ListingKind kind = ListingKind::section;
    std::string id;                                      // "100" or "101/259" for a section, the oid for a press
    std::string date;                                    // YYYYMMDD, a Korean date
    std::vector<std::vector<parsers::ArticleRef>> pages; // what page 1, 2, ... lists
    // Legacy lists: the last page links one page further, as Naver's "다음" does at the end of
    // a group of ten pages, and that page answers with the last page again.
    bool links_past_last = false;

    [[nodiscard]] bool cursor_paged() const; // a section with sid2
    // The ledger's listings.key: "section:100:20240301", "press:015:20240301".
    [[nodiscard]] std::string key() const;
    // Every page's URL in walking order (the page past the last included), written out here
    // from Naver's URL forms rather than taken from sillok's own builders.
    [[nodiscard]] std::vector<std::string> page_urls() const;
    [[nodiscard]] std::vector<parsers::ArticleRef> refs() const; // every page, each ref once
};

// Refs that no saved page lists, for page `page` (1..9) of listing number `listing` (0..9) on
// `date`: the aid is YYMMDD, the listing, the page and the slot, so that no two listings, pages
// or days share one. The oids cycle through `oids`.
std::vector<parsers::ArticleRef> fresh_refs(std::string_view date, int listing, int page, int count,
                                            const std::vector<std::string>& oids = {"001", "015", "020"});
// The bytes the stand-in answers for page `page` (1-based) of `day`.
std::string page_body(const ListingDay& day, int page);
// A listing day whose pages hold fresh refs, `page_sizes[i]` on page i + 1.
ListingDay listing_day(ListingKind kind, std::string id, std::string date, int listing,
                       const std::vector<int>& page_sizes);
// `count` consecutive dates from `first`, all YYYYMMDD.
std::vector<std::string> days_from(std::string_view first, int count);

// Where the archive files `ref`: the stand-in serves one of the saved article pages at it (the
// parser takes the ref from the URL), and the page's publication date picks the folder.
std::string archive_path(const parsers::ArticleRef& ref);

class BackfillStandIn {
public:
    // Routes /main/list.naver and the paging endpoint of `server` to the days added. A request
    // for a listing or day not added answers 404; a cursor that is not the one the previous
    // page gave answers 400.
    explicit BackfillStandIn(NaverStandIn& server);
    BackfillStandIn(const BackfillStandIn&) = delete;
    BackfillStandIn& operator=(const BackfillStandIn&) = delete;

    // Serves `day`, and an article page at each of its refs.
    void add(ListingDay day);
    // Every answer, listing or article, takes `delay` from now on.
    void set_delay(std::chrono::milliseconds delay);

    [[nodiscard]] std::vector<ListingDay> days() const;
    // Every ref of every day, each once, sorted.
    [[nodiscard]] std::vector<parsers::ArticleRef> refs() const;

private:
    struct Shared;
    NaverStandIn& m_server;
    std::shared_ptr<Shared> m_shared; // held by the route handlers too
};

// Answers `body` with status 200 as it is: a sized content provider, which cpp-httplib never
// compresses (it compresses other answers with brotli at quality 11, a third of a second of CPU
// for one saved article page).
void respond_uncompressed(httplib::Response& response, std::shared_ptr<const std::string> body,
                          const std::string& content_type = "text/html;charset=UTF-8");
// Serves `body` that way at `host` and `path`.
void serve_uncompressed(NaverStandIn& server, const std::string& host, const std::string& path, std::string body);

// What a request was, as the stand-in reads it.
[[nodiscard]] std::string url_of(const SeenRequest& request);
[[nodiscard]] bool is_listing_request(const SeenRequest& request);
[[nodiscard]] bool is_article_request(const SeenRequest& request);
// The ledger key of the listing a listing request walks ("section:100:20240301").
[[nodiscard]] std::string listing_key_of(const SeenRequest& request);
// The requests from the `first`-th on (in arrival order).
[[nodiscard]] std::vector<SeenRequest> requests_since(const NaverStandIn& server, size_t first);
// The URLs of the listing requests, and the paths of the article requests, in arrival order.
[[nodiscard]] std::vector<std::string> listing_urls(const std::vector<SeenRequest>& requests);
[[nodiscard]] std::vector<std::string> article_paths(const std::vector<SeenRequest>& requests);
// Every page URL of `days` (ListingDay::page_urls), and the canonical paths of `refs`; sorted.
[[nodiscard]] std::vector<std::string> sorted_page_urls(const std::vector<ListingDay>& days);
[[nodiscard]] std::vector<std::string> sorted_paths(const std::vector<parsers::ArticleRef>& refs);
[[nodiscard]] std::vector<std::string> sorted(std::vector<std::string> texts);

// `backfill --archive ARCHIVE`, the stand-in's --connect-to and --cacert, --timeout 20, then
// ARGS, then --rate 0 unless ARGS set a rate: the arguments after the binary.
std::vector<std::string> backfill_args(const NaverStandIn& server, const std::filesystem::path& archive,
                                       const std::vector<std::string>& args);

// One run's stdout, each line CHECKed against the output contract.
struct BackfillOutput {
    std::vector<std::string> would_queue; // ids of the would-queue lines, in the order printed
    std::vector<std::string> labels;      // their listing labels ("2024-03-01 section 100")
    std::vector<std::string> failed;      // "failed" and "failed-listing" lines, whole
    std::string summary;                  // the summary line after "summary\t"
};
BackfillOutput parse_backfill_output(const std::string& out);

struct BackfillRun {
    CommandResult result;
    BackfillOutput output;
};
// Runs `sillok` with backfill_args(server, archive, args) and waits for it; after `deadline`
// the run is killed (SIGKILL, exit code 137) and the test fails.
BackfillRun backfill(const NaverStandIn& server, const std::filesystem::path& archive,
                     const std::vector<std::string>& args, std::chrono::seconds deadline = std::chrono::seconds(90));

// Every file of the archive except the ledger's, by relative path, mapped to the SHA-256 of its
// text with the crawled_at lines (front matter and footer) taken out.
std::map<std::string, std::string> archive_snapshot(const std::filesystem::path& archive);
// Every file of the archive except the ledger's, relative to it, sorted; temp files included.
std::vector<std::string> archive_files(const std::filesystem::path& archive);
// The expected article files of `refs`, sorted.
std::vector<std::string> archive_paths(const std::vector<parsers::ArticleRef>& refs);
// Articles of the ledger with more than one versions row.
std::int64_t articles_with_several_versions(const std::filesystem::path& ledger);

} // namespace sillok::test
