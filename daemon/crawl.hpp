#pragma once
// The article pipeline (fetch result -> parse -> archive file + ledger) and the crawl
// command that feeds it a list of URLs.
#include "daemon/archive.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/fetcher.hpp"
#include "daemon/ledger.hpp"
#include "daemon/warc_writer.hpp"
#include "parsers/article_ref.hpp"

#include <atomic>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace sillok::daemon {

enum class Outcome { saved, unchanged, updated, gone, skipped, failed };
std::string_view to_string(Outcome outcome);

struct ArticleReport {
    Outcome outcome = Outcome::failed;
    std::string id;
    std::string path; // relative to the archive
    std::string hash;
    std::string reason;
    std::string published_at; // of an archived article, for edit-capture revisits
};

// A failure of the archive or ledger themselves (disk full, permissions): not a per-article
// outcome, so the run stops with exit 74.
struct StorageError {
    std::string message;
};

// Where the bytes of a version came from: a fetch just made, a stored response read again
// (reparse), or a record of another tool's WARC file (import).
struct VersionSource {
    std::string crawled_at;
    FetchResult* fetched = nullptr;         // a fetch: its attempts are recorded, its response kept
    std::vector<FetchRecord> attempts = {}; // otherwise the fetch rows to record (import), or none
    std::optional<int64_t> fetch_id = {};   // reparse: the fetch whose response was read again
    std::string_view origin = "crawl";
    const WarcRecord* record = nullptr;     // import: kept as it is when it makes a new version
};

class ArticlePipeline {
public:
    ArticlePipeline(Archive& archive, Ledger& ledger, ResponseKeeper keeper = {})
        : m_archive(archive), m_ledger(ledger), m_keeper(keeper)
    {
    }

    // Turns one finished fetch of ref into an outcome, writing file and ledger rows.
    std::expected<ArticleReport, StorageError> process(const parsers::ArticleRef& ref, FetchResult&& fetched);
    // Saves an article parsed from stored bytes: a new version only when its content differs.
    std::expected<ArticleReport, StorageError> save(const parsers::Article& article, VersionSource& source);
    // Attempts that produced no article outcome (listings, interrupted requests).
    std::expected<void, StorageError> record_fetches(const std::vector<FetchRecord>& attempts);
    // A response that is no article (a listing page, a robots.txt): its attempts recorded, and
    // the response kept with `warc = "all"`, or with "versions" when `kept_with_versions` (a
    // listing page that yielded articles).
    std::expected<void, StorageError> record_response(FetchResult& fetched, bool kept_with_versions);

private:
    std::expected<ArticleReport, StorageError> record_state(const parsers::ArticleRef& ref, Outcome outcome,
                                                            std::string reason, const FetchResult& fetched);
    // Writes the response to WARC (once) and points its fetch record at it.
    std::expected<void, StorageError> keep_response(FetchResult& fetched);
    std::expected<void, StorageError> keep_source(VersionSource& source);

    Archive& m_archive;
    Ledger& m_ledger;
    ResponseKeeper m_keeper;
};

// Archives each ref; prints one tab-separated line per ref on out. Returns the exit code.
int run_crawl(ArticlePipeline& pipeline, Fetcher& fetcher, const std::vector<parsers::ArticleRef>& refs,
              std::ostream& out, const std::atomic<bool>* stop);

} // namespace sillok::daemon
