#include "daemon/ledger/adoptions.hpp"

#include "daemon/ledger/sql.hpp"

namespace sillok::daemon {
namespace {

using sql::Bound;
using sql::Transaction;

} // namespace

LedgerError Adoptions::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()),
                       sqlite3_extended_errcode(m_db.get()) & 0xff};
}

std::expected<Adoptions, LedgerError> Adoptions::open(const std::filesystem::path& ledger)
{
    // Adopted versions are article data: as durable as the crawl's own transactions.
    auto options = sql::k_article_data;
    options.create = false;
    auto db = sql::open_connection(ledger, options);
    if (!db) {
        return std::unexpected(
            LedgerError{"cannot open ledger " + ledger.string() + ": " + db.error().message, db.error().sqlite_code});
    }
    return Adoptions(std::move(*db));
}

std::expected<std::optional<parsers::ArticleRef>, LedgerError> Adoptions::find(std::string_view source_sha256)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT a.oid, a.aid FROM adoptions d JOIN articles a ON a.id = d.article_id"
                                         " WHERE d.source_sha256 = ?1");
    if (!stmt) {
        return std::unexpected(error("cannot prepare adoption lookup"));
    }
    int rc = Bound(stmt.get()).text(source_sha256).step();
    if (rc == SQLITE_DONE) {
        return std::optional<parsers::ArticleRef>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read adoptions"));
    }
    return parsers::ArticleRef{sql::column_text(stmt.get(), 0).value_or(""),
                               sql::column_text(stmt.get(), 1).value_or("")};
}

std::expected<std::optional<int>, LedgerError> Adoptions::version_with_hash(const parsers::ArticleRef& ref,
                                                                            std::string_view content_hash)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT v.version FROM versions v JOIN articles a ON a.id = v.article_id"
                                         " WHERE a.oid = ?1 AND a.aid = ?2 AND v.content_hash = ?3"
                                         " ORDER BY v.version LIMIT 1");
    if (!stmt) {
        return std::unexpected(error("cannot prepare version lookup"));
    }
    int rc = Bound(stmt.get()).text(ref.oid).text(ref.aid).text(content_hash).step();
    if (rc == SQLITE_DONE) {
        return std::optional<int>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read versions"));
    }
    return sqlite3_column_int(stmt.get(), 0);
}

std::expected<std::optional<WallClock::time_point>, LedgerError>
Adoptions::current_last_seen(const parsers::ArticleRef& ref)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT v.first_seen, a.last_checked, a.state FROM articles a"
                                         " JOIN versions v ON v.article_id = a.id AND v.version = a.current_version"
                                         " WHERE a.oid = ?1 AND a.aid = ?2");
    if (!stmt) {
        return std::unexpected(error("cannot prepare version lookup"));
    }
    int rc = Bound(stmt.get()).text(ref.oid).text(ref.aid).step();
    if (rc == SQLITE_DONE) {
        return std::optional<WallClock::time_point>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read versions"));
    }
    auto seen = parse_kst_iso(sql::column_text(stmt.get(), 0).value_or(""));
    if (sql::column_text(stmt.get(), 2).value_or("") == "archived") {
        auto checked = parse_kst_iso(sql::column_text(stmt.get(), 1).value_or(""));
        if (checked && (!seen || *checked > *seen)) {
            seen = checked;
        }
    }
    return seen;
}

std::expected<bool, LedgerError> Adoptions::awaits_recrawl(const parsers::ArticleRef& ref)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT count(*) FROM articles a JOIN adoptions d ON d.article_id = a.id"
                                         " AND d.version = a.current_version WHERE a.oid = ?1 AND a.aid = ?2"
                                         " AND a.state = 'archived'");
    if (!stmt || Bound(stmt.get()).text(ref.oid).text(ref.aid).step() != SQLITE_ROW) {
        return std::unexpected(error("cannot read adoptions"));
    }
    return sqlite3_column_int64(stmt.get(), 0) > 0;
}

// The article row as the adopted version makes it: new, or one that has no content yet (a
// crawl that found it gone keeps its state). Returns the article's id.
std::expected<int64_t, LedgerError> Adoptions::upsert_article(const AdoptedVersion& adopted)
{
    const auto& article = adopted.article;
    if (adopted.as == AdoptedAs::current) {
        auto stmt = sql::prepare(
            m_db.get(), "INSERT INTO articles (oid, aid, url, state, title, publisher, author, category, published_at,"
                        " content_hash, path, first_seen, last_checked)"
                        " VALUES (?1, ?2, ?3, 'archived', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)"
                        " ON CONFLICT (oid, aid) DO UPDATE SET title = ?4, publisher = ?5, author = ?6, category = ?7,"
                        " published_at = ?8, modified_at = NULL, original_url = NULL, content_hash = ?9, path = ?10");
        if (!stmt
            || Bound(stmt.get())
                       .text(article.ref.oid)
                       .text(article.ref.aid)
                       .text(article.ref.canonical_url())
                       .text(article.title)
                       .text(article.publisher)
                       .text(article.author)
                       .text(article.category)
                       .text(article.published_at)
                       .text(adopted.content_hash)
                       .text(adopted.path)
                       .text(adopted.crawled_at)
                       .step()
                   != SQLITE_DONE) {
            return std::unexpected(error("cannot record article"));
        }
    }
    auto id = sql::prepare(m_db.get(), "SELECT id FROM articles WHERE oid = ?1 AND aid = ?2");
    if (!id || Bound(id.get()).text(article.ref.oid).text(article.ref.aid).step() != SQLITE_ROW) {
        return std::unexpected(error("cannot find article " + article.ref.id()));
    }
    return sqlite3_column_int64(id.get(), 0);
}

std::expected<int, LedgerError> Adoptions::insert_version(int64_t article_id, const AdoptedVersion& adopted)
{
    auto stmt = sql::prepare(
        m_db.get(),
        "INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path, fetch_id,"
        " changed, change_reason)"
        " VALUES (?1, coalesce((SELECT max(version) FROM versions WHERE article_id = ?1), 0) + 1, ?2, 0, ?3, ?4, NULL,"
        " '', 'adopted')"
        " RETURNING version");
    if (!stmt) {
        return std::unexpected(error("cannot prepare version"));
    }
    Bound bound(stmt.get());
    if (bound.integer(article_id).text(adopted.content_hash).text(adopted.crawled_at).text(adopted.path).step()
        != SQLITE_ROW) {
        return std::unexpected(error("cannot record version"));
    }
    auto version = sqlite3_column_int(stmt.get(), 0);
    while (bound.step() == SQLITE_ROW) {
    }
    if (adopted.as == AdoptedAs::current) {
        auto point = sql::prepare(m_db.get(), "UPDATE articles SET current_version = ?2 WHERE id = ?1");
        if (!point || Bound(point.get()).integer(article_id).integer(int64_t{version}).step() != SQLITE_DONE) {
            return std::unexpected(error("cannot record current version"));
        }
    }
    return version;
}

std::expected<void, LedgerError> Adoptions::insert_adoption(int64_t article_id, int version,
                                                            const AdoptedSource& source, std::string_view adopted_at)
{
    auto stmt =
        sql::prepare(m_db.get(), "INSERT INTO adoptions (article_id, version, source_path, source_sha256,"
                                 " old_content_hash, copy_path, adopted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!stmt
        || Bound(stmt.get())
                   .integer(article_id)
                   .integer(int64_t{version})
                   .text(source.source_path)
                   .text(source.source_sha256)
                   .text(source.old_content_hash)
                   .text(source.copy_path)
                   .text(adopted_at)
                   .step()
               != SQLITE_DONE) {
        return std::unexpected(error("cannot record adoption"));
    }
    return {};
}

std::expected<void, LedgerError> Adoptions::record(const AdoptedVersion& adopted, const AdoptedSource& source,
                                                   std::string_view adopted_at)
{
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    if (adopted.as == AdoptedAs::current && adopted.previous_path) {
        auto move = sql::prepare(m_db.get(), "UPDATE versions SET path = ?3 WHERE article_id ="
                                             " (SELECT id FROM articles WHERE oid = ?1 AND aid = ?2)"
                                             " AND version = (SELECT current_version FROM articles"
                                             " WHERE oid = ?1 AND aid = ?2)");
        if (!move
            || Bound(move.get())
                       .text(adopted.article.ref.oid)
                       .text(adopted.article.ref.aid)
                       .text(*adopted.previous_path)
                       .step()
                   != SQLITE_DONE) {
            return std::unexpected(error("cannot move the earlier current version"));
        }
    }
    auto article_id = upsert_article(adopted);
    auto version = article_id ? insert_version(*article_id, adopted) : std::unexpected(article_id.error());
    auto done = version ? insert_adoption(*article_id, *version, source, adopted_at) : std::unexpected(version.error());
    if (!done) {
        return done;
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit"));
    }
    return {};
}

std::expected<void, LedgerError> Adoptions::record_existing(const parsers::ArticleRef& ref, int version,
                                                            const AdoptedSource& source, std::string_view adopted_at)
{
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    auto id = sql::prepare(m_db.get(), "SELECT id FROM articles WHERE oid = ?1 AND aid = ?2");
    if (!id || Bound(id.get()).text(ref.oid).text(ref.aid).step() != SQLITE_ROW) {
        return std::unexpected(error("cannot find article " + ref.id()));
    }
    if (auto done = insert_adoption(sqlite3_column_int64(id.get(), 0), version, source, adopted_at); !done) {
        return done;
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit"));
    }
    return {};
}

} // namespace sillok::daemon
