#pragma once
// The article pipeline (fetch result -> parse -> archive file + ledger) and the crawl
// command that feeds it a list of URLs.
#include "daemon/archive/archive.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/warc/warc_writer.hpp"
#include "parsers/article_ref.hpp"

#include <atomic>
#include <filesystem>
#include <iosfwd>
#include <optional>
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
    const WarcRecord* record = nullptr; // import: kept as it is when it makes a new version
    // A batch's fetch: its records as prepared (built now when empty), appended unsynced;
    // the batch syncs them before its files. Null: written and synced at once.
    std::vector<std::string>* warc_members = nullptr;
};

// The CPU part of one fetch's processing (ArticlePipeline::prepare), done on any thread:
// the decision, the parsed article, its hash and its rendered file. No file, ledger or WARC
// is touched until ArticlePipeline::commit.
struct PreparedFetch {
    std::optional<parsers::ArticleRef> ref; // none: only the attempts are recorded
    bool yielded_articles = false;          // no article: a listing page that queued new articles
    FetchResult fetched;
    std::optional<Outcome> decided; // failed, gone or skipped without a version
    std::string reason;
    bool keep_failed_response = false; // a page that failed to parse: its response is kept
    std::optional<parsers::Article> article;
    std::string hash;
    std::string rendered;          // the archive file
    bool parsed = false;           // parse_article read the page
    parsers::ExtractStats extract; // how, when it did
    // The response's WARC records (gzip members) when it may be kept; dropped when it is not.
    std::vector<std::string> warc_members;
};

// An outcome whose files are written and whose ledger rows are still to be recorded.
struct PlannedSave {
    std::optional<LedgerWrite> write;            // none: nothing to record
    ArticleReport report = {};                   // when recorded as planned (a version: as a new one)
    bool version = false;                        // the report depends on the ledger's SaveResult
    bool same_record = false;                    // the ledger's current record is this one (file rewritten)
    std::optional<int> earlier_rules = {};       // the rules version of the current version it replaces
    std::optional<Archive::FileWrite> file = {}; // to be written before the ledger records it
};
// The outcome of a planned save once the ledger recorded it.
ArticleReport settled_report(const PlannedSave& planned, SaveResult recorded);

class ArticlePipeline {
public:
    ArticlePipeline(Archive& archive, Ledger& ledger, ResponseKeeper keeper = {})
        : m_archive(archive), m_ledger(ledger), m_keeper(keeper)
    {
    }

    // Turns one finished fetch of ref into an outcome, writing file and ledger rows
    // (prepare, then commit of a batch of one).
    std::expected<ArticleReport, StorageError> process(const parsers::ArticleRef& ref, FetchResult&& fetched);
    // Decides and parses; reads nothing but its arguments, so any number of threads may
    // call it at once.
    // The response's WARC records are built here too whenever it may be kept.
    [[nodiscard]] PreparedFetch prepare(const parsers::ArticleRef& ref, FetchResult&& fetched) const;
    // Attempts that belong to no article outcome (listings, interrupted requests).
    // A fetch of no article: its attempts recorded, its response kept as keep_no_article says.
    [[nodiscard]] PreparedFetch prepare_record(FetchResult&& fetched, bool yielded_articles = false) const;
    // Group commit, on one thread: under the archive's save lock, every kept response goes
    // to WARC (its prepared records appended, all synced once before any file) and its file is written (flushed) in
    // order, then ONE ledger transaction records the batch. One result per item, in order. An article met again in the
    // batch starts a new transaction, so each is planned from the ledger as the one before left it. A storage failure
    // fails its item and every later one; items before it are recorded.
    std::vector<std::expected<ArticleReport, StorageError>> commit(std::vector<PreparedFetch>& batch);
    // Saves an article parsed from stored bytes: a new version only when its content differs.
    std::expected<ArticleReport, StorageError> save(const parsers::Article& article, VersionSource& source);
    // Attempts that produced no article outcome (listings, interrupted requests).
    std::expected<void, StorageError> record_fetches(const std::vector<FetchRecord>& attempts);
    // A response that is no article (a listing page, a robots.txt): its attempts recorded, and
    // the response kept with `warc = "all"`, or with "versions" when `kept_with_versions` (a
    // listing page that yielded articles).
    std::expected<void, StorageError> record_response(FetchResult& fetched, bool kept_with_versions);
    // That rule alone: keeps the response in WARC when `warc = "all"`, or "versions" and it yielded articles.
    // `prepared`: a batch's records, appended unsynced (see VersionSource::warc_members).
    std::expected<void, StorageError> keep_no_article(FetchResult& fetched, bool yielded_articles,
                                                      std::vector<std::string>* prepared = nullptr);

private:
    // save() up to its ledger write: reads the ledger, keeps earlier files, writes the new one.
    std::expected<PlannedSave, StorageError> plan_save(const parsers::Article& article, VersionSource& source,
                                                       std::string rendered);
    // plan_save of an imported capture older than the current version (known at last_seen).
    std::expected<PlannedSave, StorageError> plan_earlier(const parsers::Article& article, VersionSource& source,
                                                          const StoredArticle& current, const std::string& last_seen);
    std::expected<PlannedSave, StorageError> plan(PreparedFetch& item);
    PreparedFetch decide(const parsers::ArticleRef& ref, FetchResult&& fetched) const;
    // Builds item.warc_members when its response may be kept (plan decides whether it is).
    void prepare_warc(PreparedFetch& item) const;
    // Plans and records items [first, last) of batch, one transaction.
    size_t commit_run(std::vector<PreparedFetch>& batch, size_t first,
                      std::vector<std::expected<ArticleReport, StorageError>>& results);
    // Writes the response to WARC (once) and points its fetch record at it; `prepared` as
    // in keep_no_article.
    std::expected<void, StorageError> keep_response(FetchResult& fetched, std::vector<std::string>* prepared = nullptr);
    std::expected<void, StorageError> keep_source(VersionSource& source);

    Archive& m_archive;
    Ledger& m_ledger;
    ResponseKeeper m_keeper;
};

} // namespace sillok::daemon
