#pragma once
// The ledger's record of adopted files (schema/005_adoptions.sql): which old file became
// which version of which article, and the queue entries of `adopt --recrawl`. Its own
// connection to a ledger that Ledger::open has created and migrated; each adoption is one
// transaction (article, version, adoption row).
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/util/kst.hpp"
#include "parsers/article.hpp"

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

// Byte-exact copies of the adopted files, inside the archive.
inline constexpr std::string_view k_adopted_dir = "adopted";

// The old file an adoption came from.
struct AdoptedSource {
    std::string source_path;
    std::string source_sha256;
    std::string old_content_hash;
    std::string copy_path; // relative to the archive
};

// What a new adopted version does to the article.
enum class AdoptedAs {
    current, // the article had no content, or its content was last seen before the old crawl
    earlier, // the article's current content was seen after the old crawl: an earlier version
};

struct AdoptedVersion {
    const parsers::Article& article;
    std::string content_hash;
    std::string path;       // the file holding it, relative to the archive
    std::string crawled_at; // the old crawl time, KST: the version's first_seen
    AdoptedAs as = AdoptedAs::current;
    // current over an article that has content: where the replaced version's file now lives.
    std::optional<std::string> previous_path{};
};

class Adoptions {
public:
    static std::expected<Adoptions, LedgerError> open(const std::filesystem::path& ledger);

    // The adoption of the file with these bytes, if it was adopted before: its article ref.
    std::expected<std::optional<parsers::ArticleRef>, LedgerError> find(std::string_view source_sha256);
    // The version of ref with this content hash, if the article has one.
    std::expected<std::optional<int>, LedgerError> version_with_hash(const parsers::ArticleRef& ref,
                                                                     std::string_view content_hash);
    // The last time the article's current content is known to have been on Naver: the
    // latest of its version's first_seen and, while the article is archived, its last check.
    // nullopt when the article has no current version (or its times do not read).
    std::expected<std::optional<WallClock::time_point>, LedgerError> current_last_seen(const parsers::ArticleRef& ref);
    // One transaction: the version (rules_version 0, no fetch), the article row when it
    // becomes current (the replaced version moved to previous_path), and the adoption row.
    std::expected<void, LedgerError> record(const AdoptedVersion& adopted, const AdoptedSource& source,
                                            std::string_view adopted_at);
    // The content is already a version of the article: only the adoption row.
    std::expected<void, LedgerError> record_existing(const parsers::ArticleRef& ref, int version,
                                                     const AdoptedSource& source, std::string_view adopted_at);
    // Whether the article's current version is still an adopted one and no crawl has found
    // the article gone or skipped since.
    std::expected<bool, LedgerError> awaits_recrawl(const parsers::ArticleRef& ref);

private:
    explicit Adoptions(SqliteDb db) : m_db(std::move(db)) {}
    LedgerError error(std::string_view what) const;
    std::expected<int64_t, LedgerError> upsert_article(const AdoptedVersion& adopted);
    std::expected<int, LedgerError> insert_version(int64_t article_id, const AdoptedVersion& adopted);
    std::expected<void, LedgerError> insert_adoption(int64_t article_id, int version, const AdoptedSource& source,
                                                     std::string_view adopted_at);

    SqliteDb m_db;
};

} // namespace sillok::daemon
