#include "daemon/search/search_index.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/front_matter.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/search/fts_tokenizer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_schema =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('watermark', 0);"
    "CREATE TABLE IF NOT EXISTS docs ("
    "  id INTEGER PRIMARY KEY, article TEXT NOT NULL, oid TEXT NOT NULL, version INTEGER NOT NULL,"
    "  seen_at TEXT, published_at TEXT, section TEXT, path TEXT, current INTEGER NOT NULL DEFAULT 0,"
    "  content_hash TEXT NOT NULL DEFAULT '', title TEXT, byline TEXT, press TEXT);"
    "CREATE INDEX IF NOT EXISTS docs_article ON docs (article, version);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, byline, press, text, tokenize = 'sillok', content = '');";

constexpr size_t k_batch = 500;

Error sqlite_error(sqlite3* db, std::string_view what)
{
    return Error{kind_of_sqlite(sqlite3_errcode(db)), fmt::format("search index: {}: {}", what, sqlite3_errmsg(db))};
}

struct LedgerRow {
    int64_t id = 0;
    std::string article, oid, seen_at, path, hash;
    int version = 0;
    int current_version = 0;
    std::string published_at, section, title, byline, press;
};

// The version's fields and text from its file; the ledger's fields (and no text) when the
// file cannot be read or is not the one the ledger names.
bool read_version(const fs::path& archive, LedgerRow& row, std::string& text)
{
    text.clear();
    auto bytes = read_file_bytes(archive / row.path);
    if (!bytes) {
        return false;
    }
    auto file = read_intact_file(*bytes, row.hash);
    if (!file || !file->content) {
        return false;
    }
    const auto& front = file->front_matter;
    auto take = [&](std::string_view key, std::string& into) {
        if (const auto* value = front.find(key)) {
            into = *value;
        }
    };
    take("title", row.title);
    take("author", row.byline);
    take("publisher", row.press);
    take("category", row.section);
    take("published_at", row.published_at);
    text = unescape_body(*file->content);
    return true;
}

} // namespace

fs::path SearchIndex::path_in(const fs::path& archive) { return archive / "search.sqlite3"; }

Error SearchIndex::error(std::string_view what) const { return sqlite_error(m_db.get(), what); }

Result<SearchIndex> SearchIndex::open(const fs::path& file, bool writable)
{
    sql::OpenOptions options =
        writable ? sql::OpenOptions{false, true, false, false, sql::k_busy_timeout_ms} : sql::k_read_only;
    auto db = sql::open_connection(file, options);
    if (!db) {
        return std::unexpected(Error{kind_of_sqlite(db.error().sqlite_code),
                                     "cannot open the search index " + file.string() + ": " + db.error().message});
    }
    std::string reason;
    if (!register_search_tokenizer(db->get(), reason)) {
        return std::unexpected(Error{ErrorKind::storage, reason});
    }
    SearchIndex index(std::move(*db));
    if (writable) {
        sqlite3_exec(index.m_db.get(), "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
        if (sqlite3_exec(index.m_db.get(), k_schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
            return std::unexpected(index.error("cannot make its tables"));
        }
    }
    auto check = sql::prepare(index.m_db.get(), "SELECT value FROM meta WHERE key = 'watermark'");
    if (!check || sqlite3_step(check.get()) != SQLITE_ROW) {
        return std::unexpected(Error{ErrorKind::storage, file.string()
                                                             + " is not a search index of sillok: delete it, or build "
                                                               "it again with `sillok search --rebuild`"});
    }
    return index;
}

Result<int64_t> SearchIndex::watermark()
{
    auto stmt = sql::prepare(m_db.get(), "SELECT value FROM meta WHERE key = 'watermark'");
    if (!stmt || sqlite3_step(stmt.get()) != SQLITE_ROW) {
        return std::unexpected(error("cannot read the watermark"));
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

Result<int64_t> SearchIndex::behind(sqlite3* ledger)
{
    SILLOK_TRY_ASSIGN(mark, watermark());
    auto stmt = sql::prepare(ledger, "SELECT count(*) FROM versions WHERE id > ?1");
    if (!stmt || sql::Bound(stmt.get()).integer(mark).step() != SQLITE_ROW) {
        return std::unexpected(sqlite_error(ledger, "cannot read the ledger's versions"));
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

namespace {

Result<int64_t> last_version(sqlite3* ledger)
{
    auto last = sql::prepare(ledger, "SELECT coalesce(max(id), 0) FROM versions");
    if (!last || sqlite3_step(last.get()) != SQLITE_ROW) {
        return std::unexpected(sqlite_error(ledger, "cannot read the ledger's versions"));
    }
    return sqlite3_column_int64(last.get(), 0);
}

} // namespace

Result<bool> SearchIndex::matches(sqlite3* ledger)
{
    SILLOK_TRY_ASSIGN(ledger_last, last_version(ledger));
    SILLOK_TRY_ASSIGN(start, watermark());
    if (start > ledger_last) {
        return false;
    }
    if (start > 0) {
        // The ledger's row at the watermark must be the one indexed there: a ledger replaced
        // by another (or restored) numbers other versions alike.
        auto ledger_row = sql::prepare(ledger, "SELECT content_hash FROM versions WHERE id = ?1");
        auto index_row = sql::prepare(m_db.get(), "SELECT content_hash FROM docs WHERE id = ?1");
        if (!ledger_row || !index_row) {
            return std::unexpected(error("cannot compare the watermark's version with the ledger's"));
        }
        int in_ledger = sql::Bound(ledger_row.get()).integer(start).step();
        int in_index = sql::Bound(index_row.get()).integer(start).step();
        if (in_ledger != SQLITE_ROW || in_index != SQLITE_ROW
            || sql::column_text(ledger_row.get(), 0) != sql::column_text(index_row.get(), 0)) {
            return false;
        }
    }
    return true;
}

Result<CatchUp> SearchIndex::catch_up(sqlite3* ledger, const fs::path& archive, const IndexProgress& progress,
                                      const std::atomic<bool>* stop)
{
    CatchUp result;
    SILLOK_TRY_ASSIGN(in_step, matches(ledger));
    if (!in_step) {
        result.out_of_step = true;
        return result;
    }
    SILLOK_TRY_ASSIGN(ledger_last, last_version(ledger));
    SILLOK_TRY_ASSIGN(total, behind(ledger));
    auto rows = sql::prepare(
        ledger, "SELECT v.id, a.oid || '_' || a.aid, a.oid, v.version, v.first_seen, v.path, v.content_hash,"
                " coalesce(a.current_version, 0), coalesce(a.published_at, ''), coalesce(a.category, ''),"
                " coalesce(a.title, ''), coalesce(a.author, ''), coalesce(a.publisher, '')"
                " FROM versions v JOIN articles a ON a.id = v.article_id"
                " WHERE v.id > ?1 AND v.id <= ?2 ORDER BY v.id LIMIT ?3");
    auto insert_doc = sql::prepare(m_db.get(), "INSERT OR REPLACE INTO docs (id, article, oid, version, seen_at,"
                                               " published_at, section, path, content_hash, title, byline, press)"
                                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    auto insert_text = sql::prepare(m_db.get(), "INSERT INTO fts (rowid, title, byline, press, text)"
                                                " VALUES (?1, ?2, ?3, ?4, ?5)");
    auto set_current = sql::prepare(m_db.get(), "UPDATE docs SET current = (version = ?2) WHERE article = ?1");
    auto set_mark = sql::prepare(m_db.get(), "UPDATE meta SET value = ?1 WHERE key = 'watermark'");
    if (!rows) {
        return std::unexpected(sqlite_error(ledger, "cannot read the ledger's versions"));
    }
    if (!insert_doc || !insert_text || !set_current || !set_mark) {
        return std::unexpected(error("cannot prepare its statements"));
    }
    std::string text;
    for (;;) {
        sql::Transaction transaction(m_db.get());
        if (transaction.begin() != SQLITE_OK) {
            return std::unexpected(error("cannot begin a transaction"));
        }
        // Another process may have added versions meanwhile: read the watermark inside the
        // transaction.
        SILLOK_TRY_ASSIGN(mark, watermark());
        sql::Bound bound(rows.get());
        bound.integer(mark).integer(ledger_last).integer(static_cast<int64_t>(k_batch));
        std::map<std::string, int> touched;
        int64_t batch_last = mark;
        int rc = 0;
        while ((rc = bound.step()) == SQLITE_ROW) {
            auto* s = rows.get();
            LedgerRow row;
            row.id = sqlite3_column_int64(s, 0);
            row.article = sql::column_text(s, 1).value_or("");
            row.oid = sql::column_text(s, 2).value_or("");
            row.version = sqlite3_column_int(s, 3);
            row.seen_at = sql::column_text(s, 4).value_or("");
            row.path = sql::column_text(s, 5).value_or("");
            row.hash = sql::column_text(s, 6).value_or("");
            row.current_version = sqlite3_column_int(s, 7);
            row.published_at = sql::column_text(s, 8).value_or("");
            row.section = sql::column_text(s, 9).value_or("");
            row.title = sql::column_text(s, 10).value_or("");
            row.byline = sql::column_text(s, 11).value_or("");
            row.press = sql::column_text(s, 12).value_or("");
            if (!read_version(archive, row, text)) {
                ++result.unreadable;
            }
            // Each ledger row is added once: the watermark, read in this transaction, is below it.
            if (sql::Bound(insert_doc.get())
                        .integer(row.id)
                        .text(row.article)
                        .text(row.oid)
                        .integer(int64_t{row.version})
                        .text(row.seen_at)
                        .text(row.published_at)
                        .text(row.section)
                        .text(row.path)
                        .text(row.hash)
                        .text(row.title)
                        .text(row.byline)
                        .text(row.press)
                        .step()
                    != SQLITE_DONE
                || sql::Bound(insert_text.get())
                           .integer(row.id)
                           .text(row.title)
                           .text(row.byline)
                           .text(row.press)
                           .text(text)
                           .step()
                       != SQLITE_DONE) {
                return std::unexpected(error("cannot add a version"));
            }
            touched[row.article] = row.current_version;
            batch_last = row.id;
            ++result.added;
        }
        if (rc != SQLITE_DONE) {
            return std::unexpected(sqlite_error(ledger, "cannot read the ledger's versions"));
        }
        for (const auto& [article, current] : touched) {
            if (sql::Bound(set_current.get()).text(article).integer(int64_t{current}).step() != SQLITE_DONE) {
                return std::unexpected(error("cannot mark the current versions"));
            }
        }
        if (batch_last != mark && sql::Bound(set_mark.get()).integer(batch_last).step() != SQLITE_DONE) {
            return std::unexpected(error("cannot move the watermark"));
        }
        if (transaction.commit() != SQLITE_OK) {
            return std::unexpected(error("cannot commit"));
        }
        if (progress) {
            progress(result.added, static_cast<size_t>(total));
        }
        if (batch_last == mark || batch_last >= ledger_last) {
            break;
        }
        if (stop != nullptr && stop->load()) {
            result.stopped = true;
            break;
        }
    }
    return result;
}

Result<std::vector<SearchHit>> SearchIndex::search(const std::string& match, const SearchFilters& filters,
                                                   const fs::path& archive, sqlite3* ledger)
{
    // Current versions are one per article; every version needs the newest match of each.
    const std::string newest_per_article =
        filters.all_versions ? "row_number() OVER (PARTITION BY d.article ORDER BY d.version DESC)" : "1";
    auto stmt = sql::prepare(
        m_db.get(),
        "WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(fts, 4.0, 2.0, 2.0, 1.0) AS score FROM fts"
        "   WHERE fts MATCH ?1),"
        " r AS (SELECT d.id, d.article, d.version, d.seen_at, d.published_at, d.section, d.path, d.current, m.score,"
        "   "
            + newest_per_article
            + " AS n"
              "   FROM m JOIN docs d ON d.id = m.id"
              "   WHERE (?2 IS NULL OR substr(d.published_at, 1, 10) >= ?2)"
              "   AND (?3 IS NULL OR substr(d.published_at, 1, 10) <= ?3)"
              "   AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(?4) s"
              "        WHERE instr(',' || replace(coalesce(d.section, ''), ', ', ',') || ',', ',' || s.value || ',') > "
              "0))"
              "   AND (?5 IS NULL OR d.oid IN (SELECT value FROM json_each(?5)))"
              "   AND (?6 = 1 OR d.current = 1))"
              " SELECT id, article, version, seen_at, published_at, section, path, current, score,"
              "   (SELECT count(*) FROM docs x WHERE x.article = r.article)"
              " FROM r WHERE n = 1"
              " ORDER BY CASE ?7 WHEN 0 THEN score END ASC, CASE ?7 WHEN 1 THEN published_at END DESC,"
              "   CASE ?7 WHEN 2 THEN published_at END ASC, id DESC"
              " LIMIT ?8 OFFSET ?9");
    if (!stmt) {
        return std::unexpected(error("cannot prepare the search"));
    }
    auto list = [](const std::vector<std::string>& values) {
        return values.empty() ? std::nullopt : std::optional(nlohmann::json(values).dump());
    };
    sql::Bound bound(stmt.get());
    bound.text(match).text(filters.from).text(filters.to).text(list(filters.sections)).text(list(filters.presses));
    bound.integer(int64_t{filters.all_versions ? 1 : 0}).integer(static_cast<int64_t>(filters.sort));
    bound.integer(filters.limit).integer(filters.offset);
    std::vector<SearchHit> hits;
    int rc = 0;
    while ((rc = bound.step()) == SQLITE_ROW) {
        auto* s = stmt.get();
        SearchHit hit;
        hit.row = sqlite3_column_int64(s, 0);
        hit.id = sql::column_text(s, 1).value_or("");
        hit.version = sqlite3_column_int(s, 2);
        hit.seen_at = sql::column_text(s, 3).value_or("");
        hit.published_at = sql::column_text(s, 4).value_or("");
        hit.section = sql::column_text(s, 5).value_or("");
        hit.path = sql::column_text(s, 6).value_or("");
        hit.current = sqlite3_column_int(s, 7) != 0;
        hit.score = -sqlite3_column_double(s, 8);
        hit.versions = sqlite3_column_int(s, 9);
        hits.push_back(std::move(hit));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot search"));
    }
    for (auto& hit : hits) {
        SILLOK_TRY(fill_hit(match, filters.all_versions, archive, ledger, hit));
    }
    return hits;
}

Result<void> SearchIndex::fill_hit(const std::string& match, bool all_versions, const fs::path& archive,
                                   sqlite3* ledger, SearchHit& hit)
{
    // Where the version's file is now: an edit keeps the earlier file under another name
    // and the ledger's row says so.
    auto path = sql::prepare(ledger, "SELECT path FROM versions WHERE id = ?1");
    if (!path) {
        return std::unexpected(sqlite_error(ledger, "cannot read the ledger's versions"));
    }
    if (sql::Bound(path.get()).integer(hit.row).step() == SQLITE_ROW) {
        hit.path = sql::column_text(path.get(), 0).value_or(hit.path);
    }
    // The index holds no text (it is contentless): the snippet's text comes from the file.
    auto fields = sql::prepare(m_db.get(), "SELECT title, byline, press, content_hash FROM docs WHERE id = ?1");
    if (!fields || sql::Bound(fields.get()).integer(hit.row).step() != SQLITE_ROW) {
        return std::unexpected(error("cannot read a version's fields"));
    }
    hit.title = sql::column_text(fields.get(), 0).value_or("");
    hit.byline = sql::column_text(fields.get(), 1).value_or("");
    hit.press = sql::column_text(fields.get(), 2).value_or("");
    LedgerRow file;
    file.path = hit.path;
    file.hash = sql::column_text(fields.get(), 3).value_or("");
    read_version(archive, file, hit.text);
    if (!all_versions) {
        return {};
    }
    auto versions =
        sql::prepare(m_db.get(), "SELECT id, version, seen_at FROM docs WHERE article = ?1 ORDER BY version");
    auto matches = sql::prepare(m_db.get(), "SELECT 1 FROM fts WHERE fts MATCH ?1 AND rowid = ?2");
    if (!versions || !matches) {
        return std::unexpected(error("cannot read an article's versions"));
    }
    sql::Bound bound(versions.get());
    bound.text(hit.id);
    int rc = 0;
    while ((rc = bound.step()) == SQLITE_ROW) {
        int64_t row = sqlite3_column_int64(versions.get(), 0);
        int version = sqlite3_column_int(versions.get(), 1);
        int found = sql::Bound(matches.get()).text(match).integer(row).step();
        if (found == SQLITE_ROW) {
            hit.matched.push_back(version);
        } else if (found != SQLITE_DONE) {
            return std::unexpected(error("cannot search an article's versions"));
        } else if (version > hit.version && !hit.removed_in) {
            hit.removed_in = std::pair{version, sql::column_text(versions.get(), 2).value_or("")};
        }
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read an article's versions"));
    }
    return {};
}

std::optional<std::string> search_index_out_of_step(const fs::path& archive, sqlite3* ledger)
{
    std::error_code ec;
    auto file = SearchIndex::path_in(archive);
    if (!fs::exists(file, ec)) {
        return std::nullopt;
    }
    auto index = SearchIndex::open(file, false);
    if (!index) {
        return index.error().message;
    }
    auto in_step = index->matches(ledger);
    if (!in_step) {
        return in_step.error().message;
    }
    return *in_step ? std::string()
                    : std::string("the search index holds versions the ledger does not (a ledger "
                                  "restored or replaced)");
}

Result<CatchUp> build_search_index(const fs::path& archive, sqlite3* ledger, const IndexProgress& progress,
                                   const std::atomic<bool>* stop)
{
    auto target = SearchIndex::path_in(archive);
    const std::string prefix = target.filename().string() + ".building-";
    std::error_code ec;
    // Builds that ended without cleaning up (killed): their process is gone.
    for (fs::directory_iterator entry(archive, ec), end; !ec && entry != end; entry.increment(ec)) {
        auto name = entry->path().filename().string();
        if (!name.starts_with(prefix)) {
            continue;
        }
        auto pid = std::atol(name.c_str() + prefix.size());
        if (pid > 0 && pid != getpid() && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            std::error_code ignored;
            fs::remove(entry->path(), ignored);
        }
    }
    auto temp = target;
    temp += fmt::format(".building-{}", getpid());
    auto remove_temp = [&temp] {
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            fs::remove(temp.string() + suffix, ignored);
        }
    };
    remove_temp();
    CatchUp result;
    {
        auto index = SearchIndex::open(temp, true);
        if (!index) {
            remove_temp();
            return std::unexpected(index.error());
        }
        auto caught = index->catch_up(ledger, archive, progress, stop);
        if (!caught || caught->stopped) {
            index = std::unexpected(Error{ErrorKind::storage, ""}); // closed before its files are removed
            remove_temp();
            if (!caught) {
                return std::unexpected(caught.error());
            }
            return std::unexpected(Error{ErrorKind::interrupted, "stopped before the search index was complete; "
                                                                 "nothing of it was kept"});
        }
        result = *caught;
        // One file, without a -wal beside it, to be renamed into place.
        if (sqlite3_exec(index->db(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) != SQLITE_OK) {
            index = std::unexpected(Error{ErrorKind::storage, ""});
            remove_temp();
            return std::unexpected(Error{ErrorKind::storage, "search index: cannot close the new index"});
        }
    }
    for (const char* suffix : {"-wal", "-shm"}) {
        fs::remove(target.string() + suffix, ec);
    }
    fs::rename(temp, target, ec);
    if (ec) {
        fs::remove(temp, ec);
        return std::unexpected(Error{kind_of_errno(ec.value()), "cannot rename the new search index into "
                                                                    + target.string() + ": " + ec.message()});
    }
    return result;
}

} // namespace sillok::daemon
