#pragma once
// The search index: derived data in its own SQLite file beside the ledger
// (<archive>/search.sqlite3), which can be thrown away and built again from the archive.
//
// One row per version the ledger records (rowid = the ledger's versions.id): the article id,
// version, when it was seen, published_at, press, section, title, byline and text, read
// from the version's archive file. The full-text table is contentless (it holds the index,
// not the text): a snippet's text is read from the file again. The index keeps a watermark, the highest versions.id it
// holds; before answering, `search` adds the ledger's versions above it (catch_up). Every
// path that records a version (crawl, run, backfill, reparse, import, adopt, verify
// --repair) writes a versions row, so every one of them reaches the index this way. The
// index is written only from committed ledger rows, each batch with its watermark in one
// transaction, so a crash can never leave it claiming a version the ledger lacks; an index
// that does not match its ledger (a ledger restored from a backup, or replaced: the version
// at its watermark is not the ledger's) is found and built again.
#include "daemon/util/c_handles.hpp"
#include "daemon/util/error.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

enum class SearchSort { relevance, newest, oldest };

struct SearchFilters {
    std::optional<std::string> from, to; // YYYY-MM-DD, publication date (KST)
    std::vector<std::string> sections;   // category names as the files have them
    std::vector<std::string> presses;    // oids
    bool all_versions = false;
    SearchSort sort = SearchSort::relevance;
    int64_t limit = 20;
    int64_t offset = 0;
};

struct SearchHit {
    int64_t row = 0; // the ledger's versions.id
    std::string id;  // OID_AID
    int version = 0;
    int versions = 0; // how many versions the index holds of the article
    std::string seen_at, published_at, section, path;
    std::string title, byline, press;
    std::string text;         // from the version's file; empty when it cannot be read
    double score = 0;         // higher is more relevant
    bool current = false;     // the article's current version
    std::vector<int> matched; // --versions all: every version that matches, oldest first
    // --versions all, a version that is not current: the first later version without the
    // words (version, seen_at).
    std::optional<std::pair<int, std::string>> removed_in;
};

struct CatchUp {
    size_t added = 0;
    size_t unreadable = 0; // versions whose file could not be read: indexed by their ledger fields
    // The index does not match the ledger (it holds versions the ledger lacks, or its last
    // version is not the ledger's under that number: a ledger restored or replaced): build it
    // again.
    bool out_of_step = false;
    bool stopped = false; // stop was set: the batches committed so far are kept
};

using IndexProgress = std::function<void(size_t done, size_t total)>;

class SearchIndex {
public:
    static std::filesystem::path path_in(const std::filesystem::path& archive);

    // Opens an index file, read-only or read-write (created when missing), with the search
    // tokenizer registered and the tables made.
    static Result<SearchIndex> open(const std::filesystem::path& file, bool writable);

    // The highest ledger versions.id in the index.
    Result<int64_t> watermark();
    // How many of the ledger's versions the index lacks.
    Result<int64_t> behind(sqlite3* ledger);
    // Whether the index matches the ledger: no version above the ledger's last, and the
    // version at its watermark the ledger's under that number (the same content hash).
    Result<bool> matches(sqlite3* ledger);
    // Adds the ledger's versions above the watermark, reading their files under archive.
    // Stops between batches when stop is set.
    Result<CatchUp> catch_up(sqlite3* ledger, const std::filesystem::path& archive, const IndexProgress& progress,
                             const std::atomic<bool>* stop = nullptr);

    // The articles (or, with all_versions, each article's newest matching version) that
    // match an FTS5 MATCH expression and the filters, in the order asked.
    // The snippets' text is read from the versions' files under archive, where the ledger
    // says they are now.
    Result<std::vector<SearchHit>> search(const std::string& match, const SearchFilters& filters,
                                          const std::filesystem::path& archive, sqlite3* ledger);

    [[nodiscard]] sqlite3* db() const { return m_db.get(); }

private:
    explicit SearchIndex(SqliteDb db) : m_db(std::move(db)) {}
    [[nodiscard]] Error error(std::string_view what) const;
    Result<void> fill_hit(const std::string& match, bool all_versions, const std::filesystem::path& archive,
                          sqlite3* ledger, SearchHit& hit);

    SqliteDb m_db;
};

// For verify: nullopt when the archive has no search index; otherwise why it does not match
// the ledger (empty when it does), an index that cannot be read included.
std::optional<std::string> search_index_out_of_step(const std::filesystem::path& archive, sqlite3* ledger);

// Builds the index of archive from nothing, into a temporary file renamed over
// <archive>/search.sqlite3 when complete (a reader never sees half an index). Stopped, or
// failing, it leaves nothing behind; the temporary files of builds whose process is gone are
// removed first.
Result<CatchUp> build_search_index(const std::filesystem::path& archive, sqlite3* ledger, const IndexProgress& progress,
                                   const std::atomic<bool>* stop = nullptr);

} // namespace sillok::daemon
