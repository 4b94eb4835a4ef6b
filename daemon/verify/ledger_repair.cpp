#include "daemon/verify/ledger_repair.hpp"

#include "daemon/archive/regular_file.hpp"
#include "daemon/ledger/sql.hpp"
#include "parsers/article_ref.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sillok::daemon {
namespace {

// rules_version of a versions row re-derived from a file: the file does not say which
// content rules produced it.
constexpr int64_t k_unknown_rules_version = 0;

} // namespace

SqliteStmt LedgerRepair::prepare(std::string_view text) const { return sql::prepare(m_db, text); }

VerifyError LedgerRepair::error(std::string_view what) const
{
    return VerifyError{fmt::format("ledger: {}: {}", what, sqlite3_errmsg(m_db))};
}

std::optional<FrontMatter> LedgerRepair::front_matter_of(const CheckedFile& file) const
{
    auto mapped = map_archive_file(m_root, file.path); // through no link, without blocking
    auto parsed = mapped ? read_intact_file(mapped->bytes(), file.hash) : std::nullopt;
    return parsed ? std::optional(std::move(parsed->front_matter)) : std::nullopt;
}

bool LedgerRepair::names_intact_file(const std::optional<std::string>& path,
                                     const std::optional<std::string>& hash) const
{
    if (!path || !hash) {
        return false;
    }
    auto mapped = map_archive_file(m_root, *path); // a path from the ledger: through no link, without blocking
    return mapped && read_intact_file(mapped->bytes(), *hash).has_value();
}

// Versions are numbered in the order their files were crawled. The current file becomes the
// article's current version unless the articles row already names an intact file.
std::expected<std::vector<Repair>, VerifyError> LedgerRepair::repair_article(std::vector<const CheckedFile*> files)
{
    std::ranges::sort(files, {}, [](const CheckedFile* f) { return std::pair(f->crawled_at, f->current_name); });
    auto head_it = std::ranges::find_if(files.rbegin(), files.rend(), &CheckedFile::current_name);
    const CheckedFile* head = head_it == files.rend() ? nullptr : *head_it;
    const CheckedFile& source = head != nullptr ? *head : *files.back();
    auto front = front_matter_of(source);
    if (!front) {
        return std::vector<Repair>{}; // changed since it was checked: left to the next run
    }
    auto underscore = source.article_id.find('_');
    parsers::ArticleRef ref{source.article_id.substr(0, underscore), source.article_id.substr(underscore + 1)};
    m_done.clear();
    sql::Transaction tx(m_db);
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    auto article = find_article(ref);
    if (!article) {
        return std::unexpected(article.error());
    }
    if (!*article) {
        auto id = insert_article(ref, *front, files.front()->crawled_at);
        if (!id) {
            return std::unexpected(id.error());
        }
        *article = ArticleRow{*id, std::nullopt, std::nullopt};
        m_done.push_back({source.path, "articles row of " + ref.id() + " added"});
    }
    std::optional<RecordedVersion> head_version;
    for (const auto* file : files) {
        auto version = record_version((*article)->id, *file);
        if (!version) {
            return std::unexpected(version.error());
        }
        head_version = file == head ? std::optional(*version) : head_version;
    }
    // The current file becomes current when the articles row names no intact file, or names
    // this one while it holds content the ledger did not know (a crash between the rename and
    // the commit). An older content there is left alone. An article known only by earlier
    // versions' files keeps no current file: naming a version's file as current would make
    // the next crawl write new content under that name.
    const auto& row = **article;
    bool point =
        head_version && (row.path == head->path ? head_version->added : !names_intact_file(row.path, row.hash));
    if (point) {
        if (auto pointed = point_article(row.id, *head, *front, head_version->version); !pointed) {
            return std::unexpected(pointed.error());
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit repair"));
    }
    return std::move(m_done);
}

std::expected<std::vector<Repair>, VerifyError> LedgerRepair::link_response(const UnlinkedResponse& response)
{
    m_done.clear();
    if (response.started_at.empty() || response.url.empty()) {
        return std::move(m_done);
    }
    sql::Transaction tx(m_db);
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    auto insert = prepare("INSERT INTO fetches (url, started_at, status, bytes, duration_ms, error, warc_file,"
                          " warc_offset, warc_length, warc_sha256) VALUES (?1, ?2, ?3, ?4, 0, NULL, ?5, ?6, ?7, ?8)");
    if (!insert
        || sql::Bound(insert.get())
                   .text(response.url)
                   .text(response.started_at)
                   .integer(response.status)
                   .integer(response.bytes)
                   .text(response.file)
                   .integer(response.offset)
                   .integer(response.length)
                   .text(response.sha256)
                   .step()
               != SQLITE_DONE) {
        return std::unexpected(error("cannot add fetch"));
    }
    auto fetch_id = sqlite3_last_insert_rowid(m_db);
    m_done.push_back({response.file, fmt::format("fetch row {} added for the response record at {} ({}, {})", fetch_id,
                                                 response.offset, response.url, response.started_at)});
    if (auto ref = parsers::parse_url(response.url)) {
        // A version that points to no fetch, or to one without a stored response.
        auto point =
            prepare("UPDATE versions SET fetch_id = ?1 WHERE first_seen = ?2"
                    " AND (fetch_id IS NULL OR (SELECT warc_file FROM fetches WHERE id = versions.fetch_id) IS NULL)"
                    " AND article_id = (SELECT id FROM articles WHERE oid = ?3 AND aid = ?4)"
                    " RETURNING version");
        if (!point) {
            return std::unexpected(error("cannot prepare"));
        }
        sql::Bound bound(point.get());
        bound.integer(fetch_id).text(response.crawled_at).text(ref->oid).text(ref->aid);
        int rc = 0;
        while ((rc = bound.step()) == SQLITE_ROW) {
            m_done.push_back({response.file, fmt::format("versions row {} of {} points to fetch row {}",
                                                         sqlite3_column_int64(point.get(), 0), ref->id(), fetch_id)});
        }
        if (rc != SQLITE_DONE) {
            return std::unexpected(error("cannot point a version at its fetch"));
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit repair"));
    }
    return std::move(m_done);
}

std::expected<std::optional<LedgerRepair::ArticleRow>, VerifyError>
LedgerRepair::find_article(const parsers::ArticleRef& ref)
{
    auto stmt = prepare("SELECT id, path, content_hash FROM articles WHERE oid = ?1 AND aid = ?2");
    if (!stmt) {
        return std::unexpected(error("cannot prepare"));
    }
    int rc = sql::Bound(stmt.get()).text(ref.oid).text(ref.aid).step();
    if (rc == SQLITE_DONE) {
        return std::optional<ArticleRow>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read article"));
    }
    return ArticleRow{sqlite3_column_int64(stmt.get(), 0), sql::column_text(stmt.get(), 1),
                      sql::column_text(stmt.get(), 2)};
}

std::expected<int64_t, VerifyError>
LedgerRepair::insert_article(const parsers::ArticleRef& ref, const FrontMatter& front, const std::string& first_seen)
{
    auto stmt = prepare("INSERT INTO articles (oid, aid, url, state, title, publisher, author, category, published_at,"
                        " modified_at, original_url, first_seen, last_checked)"
                        " VALUES (?1, ?2, ?3, 'archived', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!stmt
        || sql::Bound(stmt.get())
                   .text(ref.oid)
                   .text(ref.aid)
                   .text(ref.canonical_url())
                   .text(front.value("title"))
                   .text(front.value("publisher"))
                   .text(front.value("author"))
                   .text(front.value("category"))
                   .text(front.value("published_at"))
                   .text(front.value("modified_at"))
                   .text(front.value("original_url"))
                   .text(first_seen)
                   .text(front.value("crawled_at"))
                   .step()
               != SQLITE_DONE) {
        return std::unexpected(error("cannot add article"));
    }
    return sqlite3_last_insert_rowid(m_db);
}

// The version of the file's content: an existing row whose path names no intact file of
// that content is pointed at this file; otherwise a new row is added.
std::expected<LedgerRepair::RecordedVersion, VerifyError> LedgerRepair::record_version(int64_t article,
                                                                                       const CheckedFile& file)
{
    auto existing = prepare("SELECT version, path FROM versions WHERE article_id = ?1 AND content_hash = ?2"
                            " ORDER BY version LIMIT 1");
    if (!existing) {
        return std::unexpected(error("cannot prepare"));
    }
    int rc = sql::Bound(existing.get()).integer(article).text(file.hash).step();
    if (rc == SQLITE_ROW) {
        auto version = sqlite3_column_int64(existing.get(), 0);
        auto path = sql::column_text(existing.get(), 1);
        if (path == file.path || names_intact_file(path, file.hash)) {
            return RecordedVersion{version, false};
        }
        auto move = prepare("UPDATE versions SET path = ?3 WHERE article_id = ?1 AND version = ?2");
        if (!move || sql::Bound(move.get()).integer(article).integer(version).text(file.path).step() != SQLITE_DONE) {
            return std::unexpected(error("cannot move version"));
        }
        m_done.push_back(
            {file.path, fmt::format("versions row {} of {} named {}, which is missing or holds other content", version,
                                    file.article_id, path.value_or("nothing"))});
        return RecordedVersion{version, false};
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read versions"));
    }
    auto insert =
        prepare("INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path)"
                " SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4, ?5 FROM versions WHERE article_id = ?1"
                " RETURNING version");
    if (!insert) {
        return std::unexpected(error("cannot prepare"));
    }
    sql::Bound bound(insert.get());
    bound.integer(article).text(file.hash).integer(k_unknown_rules_version).text(file.crawled_at).text(file.path);
    if (bound.step() != SQLITE_ROW) {
        return std::unexpected(error("cannot add version"));
    }
    auto version = sqlite3_column_int64(insert.get(), 0);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
        return std::unexpected(error("cannot add version"));
    }
    m_done.push_back({file.path, fmt::format("versions row {} of {} added", version, file.article_id)});
    return RecordedVersion{version, true};
}

std::expected<void, VerifyError> LedgerRepair::point_article(int64_t article, const CheckedFile& head,
                                                             const FrontMatter& front, int64_t version)
{
    auto stmt = prepare("UPDATE articles SET title = ?2, publisher = ?3, author = ?4, category = ?5, published_at = ?6,"
                        " modified_at = ?7, original_url = ?8, content_hash = ?9, path = ?10, current_version = ?11"
                        " WHERE id = ?1");
    if (!stmt
        || sql::Bound(stmt.get())
                   .integer(article)
                   .text(front.value("title"))
                   .text(front.value("publisher"))
                   .text(front.value("author"))
                   .text(front.value("category"))
                   .text(front.value("published_at"))
                   .text(front.value("modified_at"))
                   .text(front.value("original_url"))
                   .text(head.hash)
                   .text(head.path)
                   .integer(version)
                   .step()
               != SQLITE_DONE) {
        return std::unexpected(error("cannot update article"));
    }
    m_done.push_back(
        {head.path, fmt::format("articles row of {} names this file as version {}", head.article_id, version)});
    return {};
}

} // namespace sillok::daemon
