#pragma once
// Re-deriving ledger rows from intact archive files (`sillok verify --repair`). Changes
// ledger rows only, never a file.
#include "daemon/archive/front_matter.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/verify/verify.hpp"
#include "daemon/verify/warc_verify.hpp"
#include "parsers/article_ref.hpp"

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

// What verify learned about one archive file.
struct CheckedFile {
    std::string path;       // relative to the archive
    std::string hash;       // the front matter's content_hash; empty when the front matter is invalid
    bool intact = false;    // sillok's front matter, and the content hashes to its content_hash
    std::string article_id; // "<oid>_<aid>" when file name and front matter agree on it
    std::string crawled_at;
    bool current_name = false; // "<oid>_<aid>.md" rather than an earlier version's name
};

class LedgerRepair {
public:
    LedgerRepair(sqlite3* db, std::filesystem::path root) : m_db(db), m_root(std::move(root)) {}

    // Records one article's intact files that the ledger does not account for, in one
    // transaction of prepared statements; returns the rows changed once it has committed.
    std::expected<std::vector<Repair>, VerifyError> repair_article(std::vector<const CheckedFile*> files);
    // Records a fetch row for a stored response nothing pointed to (from its URL, WARC-Date,
    // HTTP status and the SHA-256 of its record), and points to it the version of its
    // article first seen at that second that points to no fetch; one transaction. A record
    // without a WARC-Date is left as it is.
    std::expected<std::vector<Repair>, VerifyError> link_response(const UnlinkedResponse& response);

private:
    struct ArticleRow {
        int64_t id = 0;
        std::optional<std::string> path, hash;
    };
    struct RecordedVersion {
        int64_t version = 0;
        bool added = false; // a content the ledger did not know
    };

    std::expected<std::optional<ArticleRow>, VerifyError> find_article(const parsers::ArticleRef& ref);
    std::expected<int64_t, VerifyError> insert_article(const parsers::ArticleRef& ref, const FrontMatter& front,
                                                       const std::string& first_seen);
    std::expected<RecordedVersion, VerifyError> record_version(int64_t article, const CheckedFile& file);
    std::expected<void, VerifyError> point_article(int64_t article, const CheckedFile& head, const FrontMatter& front,
                                                   int64_t version);
    [[nodiscard]] std::optional<FrontMatter> front_matter_of(const CheckedFile& file) const;
    [[nodiscard]] bool names_intact_file(const std::optional<std::string>& path,
                                         const std::optional<std::string>& hash) const;
    [[nodiscard]] SqliteStmt prepare(std::string_view text) const;
    [[nodiscard]] VerifyError error(std::string_view what) const;

    sqlite3* m_db;
    std::filesystem::path m_root;
    std::vector<Repair> m_done;
};

} // namespace sillok::daemon
