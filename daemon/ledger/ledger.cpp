#include "daemon/ledger/ledger.hpp"

#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/ledger/migrations.hpp"
#include "daemon/ledger/sql.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <utility>

namespace sillok::daemon {
namespace {

using sql::Bound;
using sql::column_text;
using sql::Transaction;

using sql::k_busy_timeout_ms;

// What a new record changes against the article's current version.
VersionChange version_change(const StoredArticle* stored, const Record& record)
{
    if (stored == nullptr || !stored->record) {
        return VersionChange{{}, std::string(k_reason_new)};
    }
    auto fields = changed_fields(*stored->record, record);
    bool new_rules = stored->rules_version != parsers::k_content_rules_version
                     && stored->record->content_hash != record.content_hash;
    return VersionChange{std::move(fields), std::string(new_rules ? k_reason_rules : k_reason_edit)};
}

} // namespace

LedgerError Ledger::error(std::string_view what) const
{
    return LedgerError{std::string(what) + ": " + sqlite3_errmsg(m_db.get()),
                       sqlite3_extended_errcode(m_db.get()) & 0xff};
}

int recorded_rules_version() { return parsers::k_content_rules_version; }

std::expected<Ledger, LedgerError> Ledger::open(const std::filesystem::path& path)
{
    auto db = sql::open_connection(path, sql::k_article_data);
    if (!db) {
        if (db.error().sqlite_code == SQLITE_NOTADB) {
            return std::unexpected(LedgerError{not_a_ledger_advice(path), SQLITE_NOTADB});
        }
        return std::unexpected(
            LedgerError{"cannot open ledger " + path.string() + ": " + db.error().message, db.error().sqlite_code});
    }
    Ledger ledger(std::move(*db));
    // synchronous and foreign keys are the opener's (k_article_data); WAL needs the wait below.
    for (auto pragma : {"PRAGMA journal_mode=WAL"}) {
        if (auto done = ledger.exec_waiting(pragma); !done) {
            if (done.error().sqlite_code == SQLITE_NOTADB) {
                return std::unexpected(LedgerError{not_a_ledger_advice(path), SQLITE_NOTADB});
            }
            if (done.error().sqlite_code == SQLITE_BUSY || done.error().sqlite_code == SQLITE_LOCKED) {
                return std::unexpected(LedgerError{ledger_locked_message(path), done.error().sqlite_code});
            }
            return std::unexpected(LedgerError{"cannot open ledger " + path.string() + ": " + done.error().message,
                                               done.error().sqlite_code});
        }
    }
    if (auto migrated = ledger.migrate(); !migrated) {
        // Another process's lock, not a migration problem: say whose.
        if (migrated.error().sqlite_code == SQLITE_BUSY || migrated.error().sqlite_code == SQLITE_LOCKED) {
            return std::unexpected(LedgerError{ledger_locked_message(path), migrated.error().sqlite_code});
        }
        return std::unexpected(migrated.error());
    }
    ledger.m_file = LedgerFileIdentity::of(path);
    return ledger;
}

std::expected<void, LedgerError> Ledger::still_in_place() const
{
    if (auto in_place = m_file.still_in_place(); !in_place) {
        return std::unexpected(LedgerError{in_place.error(), SQLITE_NOTFOUND});
    }
    return {};
}

std::expected<void, LedgerError> Ledger::exec(std::string_view sql)
{
    std::string text(sql);
    if (sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        return std::unexpected(error(text.substr(0, 60)));
    }
    return {};
}

// Switching a new ledger to WAL needs an exclusive lock, and SQLite answers "locked" at
// once (without its busy handler) when another process is opening the same new ledger.
std::expected<void, LedgerError> Ledger::exec_waiting(std::string_view sql)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(k_busy_timeout_ms);
    for (;;) {
        auto done = exec(sql);
        bool busy = !done && (done.error().sqlite_code == SQLITE_BUSY || done.error().sqlite_code == SQLITE_LOCKED);
        if (!busy || std::chrono::steady_clock::now() >= deadline) {
            return done;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::expected<sql::CachedStatement, LedgerError> Ledger::prepare(std::string_view text)
{
    auto* stmt = m_statements.find_or_prepare(m_db.get(), text);
    if (stmt == nullptr) {
        return std::unexpected(error("cannot prepare statement"));
    }
    return sql::CachedStatement(stmt);
}

// All pending migrations and their user_version bumps run in one transaction, so a crash
// mid-migration leaves the ledger at the version it had, ready to try again.
std::expected<void, LedgerError> Ledger::migrate()
{
    const auto& all = migrations();
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start migration"));
    }
    {
        auto stmt = prepare("PRAGMA user_version");
        if (!stmt) {
            return std::unexpected(stmt.error());
        }
        sqlite3_step(stmt->get());
        m_schema_version = sqlite3_column_int(stmt->get(), 0);
    }
    if (m_schema_version > static_cast<int>(all.size())) {
        return std::unexpected(LedgerError{"ledger schema version " + std::to_string(m_schema_version)
                                               + " is newer than this sillok knows (" + std::to_string(all.size())
                                               + "): upgrade sillok",
                                           SQLITE_MISMATCH});
    }
    for (auto next = static_cast<size_t>(m_schema_version); next < all.size(); ++next) {
        if (auto done = exec(all[next].sql); !done) {
            return std::unexpected(
                LedgerError{"migration " + std::string(all[next].name) + " failed: " + done.error().message,
                            done.error().sqlite_code});
        }
        if (auto bumped = exec("PRAGMA user_version = " + std::to_string(next + 1)); !bumped) {
            return std::unexpected(bumped.error());
        }
        m_schema_version = static_cast<int>(next + 1);
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit migration"));
    }
    return {};
}

std::expected<std::optional<StoredArticle>, LedgerError> Ledger::find(const parsers::ArticleRef& ref)
{
    auto stmt = prepare("SELECT a.id, a.state, a.content_hash, a.path, coalesce(a.current_version, 0),"
                        " coalesce(v.rules_version, 0), a.title, a.author, a.category, a.published_at, a.modified_at,"
                        " a.original_url, a.last_checked FROM articles a"
                        " LEFT JOIN versions v ON v.article_id = a.id AND v.version = a.current_version"
                        " WHERE a.oid = ?1 AND a.aid = ?2");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    int rc = Bound(stmt->get()).text(ref.oid).text(ref.aid).step();
    if (rc == SQLITE_DONE) {
        return std::optional<StoredArticle>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read article"));
    }
    StoredArticle found;
    found.id = sqlite3_column_int64(stmt->get(), 0);
    found.state = column_text(stmt->get(), 1).value_or("");
    found.content_hash = column_text(stmt->get(), 2);
    found.path = column_text(stmt->get(), 3);
    found.current_version = sqlite3_column_int(stmt->get(), 4);
    found.rules_version = sqlite3_column_int(stmt->get(), 5);
    found.last_checked = column_text(stmt->get(), 12).value_or("");
    if (found.content_hash) {
        auto text = [&](int column) { return column_text(stmt->get(), column); };
        found.record = Record{*found.content_hash,
                              text(6).value_or(""),
                              text(7).value_or(""),
                              text(8).value_or(""),
                              text(9).value_or(""),
                              text(10),
                              text(11)};
    }
    return found;
}

std::expected<std::vector<StoredVersion>, LedgerError> Ledger::versions(const parsers::ArticleRef& ref)
{
    auto stmt =
        prepare("SELECT v.version, v.content_hash, v.rules_version, v.first_seen, v.path, v.changed, v.change_reason"
                " FROM versions v"
                " JOIN articles a ON a.id = v.article_id WHERE a.oid = ?1 AND a.aid = ?2 ORDER BY v.version");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    std::vector<StoredVersion> found;
    Bound bound(stmt->get());
    bound.text(ref.oid).text(ref.aid);
    int rc = 0;
    while ((rc = bound.step()) == SQLITE_ROW) {
        found.push_back(StoredVersion{sqlite3_column_int(stmt->get(), 0), column_text(stmt->get(), 1).value_or(""),
                                      sqlite3_column_int(stmt->get(), 2), column_text(stmt->get(), 3).value_or(""),
                                      column_text(stmt->get(), 4).value_or(""),
                                      VersionChange{split_changed(column_text(stmt->get(), 5).value_or("")),
                                                    column_text(stmt->get(), 6).value_or("")}});
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read versions"));
    }
    return found;
}

// Inserts the fetches; returns the id of the last one (0 when there are none).
std::expected<int64_t, LedgerError> Ledger::insert_fetches(const std::vector<FetchRecord>& fetches)
{
    auto stmt = prepare("INSERT INTO fetches (url, started_at, status, bytes, duration_ms, error,"
                        " warc_file, warc_offset, warc_length, warc_sha256)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    int64_t last = 0;
    for (const auto& fetch : fetches) {
        Bound bound(stmt->get());
        bound.text(fetch.url)
            .text(fetch.started_at)
            .integer(fetch.status)
            .integer(fetch.bytes)
            .integer(fetch.duration_ms);
        fetch.error.empty() ? bound.null() : bound.text(fetch.error);
        if (fetch.warc_file.empty()) {
            bound.null().null().null().null();
        } else {
            bound.text(fetch.warc_file).integer(fetch.warc_offset).integer(fetch.warc_length);
            fetch.warc_sha256.empty() ? bound.null() : bound.text(fetch.warc_sha256);
        }
        if (bound.step() != SQLITE_DONE) {
            return std::unexpected(error("cannot record fetch"));
        }
        last = sqlite3_last_insert_rowid(m_db.get());
    }
    return last;
}

std::expected<void, LedgerError> Ledger::record_fetches(const std::vector<FetchRecord>& fetches)
{
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    if (auto inserted = insert_fetches(fetches); !inserted) {
        return std::unexpected(inserted.error());
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit"));
    }
    return {};
}

std::expected<SaveResult, LedgerError> Ledger::record_version(const SavedVersion& saved,
                                                              const std::vector<FetchRecord>& fetches)
{
    auto results = record_batch({VersionWrite{saved, fetches}});
    if (!results) {
        return std::unexpected(results.error());
    }
    return results->front();
}

std::expected<SaveResult, LedgerError> Ledger::record_version_in_tx(const SavedVersion& saved,
                                                                    const std::vector<FetchRecord>& fetches)
{
    const auto& article = saved.article;
    auto fetch_id = insert_fetches(fetches);
    auto current = fetch_id ? find(article.ref) : std::unexpected(fetch_id.error());
    if (!current) {
        return std::unexpected(current.error());
    }
    const auto& stored = *current;
    auto record = record_of(article, saved.content_hash);
    bool already = !saved.earlier && stored && stored->record == record;
    if (already) {
        if (auto done = record_unchanged_in_tx(article.ref, saved.crawled_at); !done) {
            return std::unexpected(done.error());
        }
        // Same content, maybe other fields (a corrected title): the row follows the file.
        auto fields = prepare("UPDATE articles SET title = ?3, publisher = ?4, author = ?5, category = ?6,"
                              " published_at = ?7, modified_at = ?8, original_url = ?9 WHERE oid = ?1 AND aid = ?2");
        if (!fields
            || Bound(fields->get())
                       .text(article.ref.oid)
                       .text(article.ref.aid)
                       .text(article.title)
                       .text(article.publisher)
                       .text(article.author)
                       .text(article.category)
                       .text(article.published_at)
                       .text(article.modified_at)
                       .text(article.original_url)
                       .step()
                   != SQLITE_DONE) {
            return std::unexpected(error("cannot record article fields"));
        }
    } else {
        if (!saved.earlier && stored && stored->content_hash && saved.previous_path) {
            auto move = prepare("UPDATE versions SET path = ?1 WHERE article_id = ?2 AND version = ?3");
            if (!move
                || Bound(move->get())
                           .text(*saved.previous_path)
                           .integer(stored->id)
                           .integer(int64_t{stored->current_version})
                           .step()
                       != SQLITE_DONE) {
                return std::unexpected(error("cannot move earlier version"));
            }
        }
        if (!saved.earlier) { // an earlier version leaves the article's current fields alone
            auto upsert =
                prepare("INSERT INTO articles (oid, aid, url, state, title, publisher, author, category, published_at,"
                        " modified_at, original_url, content_hash, path, reason, first_seen, last_checked)"
                        " VALUES (?1, ?2, ?3, 'archived', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?13)"
                        " ON CONFLICT (oid, aid) DO UPDATE SET state = 'archived', title = ?4, publisher = ?5,"
                        " author = ?6, category = ?7, published_at = ?8, modified_at = ?9, original_url = ?10,"
                        " content_hash = ?11, path = ?12, reason = NULL, last_checked = ?13");
            if (!upsert
                || Bound(upsert->get())
                           .text(article.ref.oid)
                           .text(article.ref.aid)
                           .text(article.ref.canonical_url())
                           .text(article.title)
                           .text(article.publisher)
                           .text(article.author)
                           .text(article.category)
                           .text(article.published_at)
                           .text(article.modified_at)
                           .text(article.original_url)
                           .text(saved.content_hash)
                           .text(saved.path)
                           .text(saved.crawled_at)
                           .step()
                       != SQLITE_DONE) {
                return std::unexpected(error("cannot record article"));
            }
        }
        auto version = prepare(
            "INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path, fetch_id,"
            " changed, change_reason, origin)"
            " SELECT a.id, coalesce((SELECT max(version) FROM versions WHERE article_id = a.id), 0) + 1,"
            " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM articles a WHERE a.oid = ?1 AND a.aid = ?2"
            " RETURNING version");
        if (!version) {
            return std::unexpected(version.error());
        }
        Bound bound(version->get());
        bound.text(article.ref.oid)
            .text(article.ref.aid)
            .text(saved.content_hash)
            .integer(int64_t{parsers::k_content_rules_version})
            .text(saved.crawled_at)
            .text(saved.path);
        auto source_fetch = saved.fetch_id.value_or(*fetch_id);
        source_fetch > 0 ? bound.integer(source_fetch) : bound.null();
        auto change = saved.earlier ? VersionChange{{}, std::string(k_reason_earlier)}
                                    : version_change(stored ? &*stored : nullptr, record);
        if (saved.origin == "reparse" && change.reason == k_reason_edit) {
            change.reason = std::string(k_reason_rules); // offline: the page did not change, the rules did
        }
        bound.text(change.joined()).text(change.reason).text(saved.origin);
        if (bound.step() != SQLITE_ROW) {
            return std::unexpected(error("cannot record version"));
        }
        auto number = sqlite3_column_int64(version->get(), 0);
        while (bound.step() == SQLITE_ROW) {
        }
        if (saved.earlier) { // the current version and the article's fields stay
            auto seen = prepare("UPDATE articles SET first_seen = ?3 WHERE oid = ?1 AND aid = ?2 AND first_seen > ?3");
            if (!seen
                || Bound(seen->get()).text(article.ref.oid).text(article.ref.aid).text(saved.crawled_at).step()
                       != SQLITE_DONE) {
                return std::unexpected(error("cannot record first_seen"));
            }
            return SaveResult::inserted;
        }
        auto point = prepare("UPDATE articles SET current_version = ?3 WHERE oid = ?1 AND aid = ?2");
        if (!point
            || Bound(point->get()).text(article.ref.oid).text(article.ref.aid).integer(number).step() != SQLITE_DONE) {
            return std::unexpected(error("cannot record current version"));
        }
    }
    return already ? SaveResult::already_current : SaveResult::inserted;
}

std::expected<void, LedgerError> Ledger::record_unchanged_in_tx(const parsers::ArticleRef& ref,
                                                                std::string_view checked_at)
{
    auto stmt = prepare("UPDATE articles SET last_checked = ?3, state = 'archived', reason = NULL"
                        " WHERE oid = ?1 AND aid = ?2");
    if (!stmt || Bound(stmt->get()).text(ref.oid).text(ref.aid).text(checked_at).step() != SQLITE_DONE) {
        return std::unexpected(stmt ? error("cannot record check") : stmt.error());
    }
    return {};
}

std::expected<void, LedgerError> Ledger::record_unchanged(const parsers::ArticleRef& ref, std::string_view checked_at,
                                                          const std::vector<FetchRecord>& fetches)
{
    auto results = record_batch({UnchangedWrite{ref, std::string(checked_at), fetches}});
    if (!results) {
        return std::unexpected(results.error());
    }
    return {};
}

std::expected<void, LedgerError> Ledger::record_state(const parsers::ArticleRef& ref, std::string_view state,
                                                      std::string_view reason, std::string_view checked_at,
                                                      const std::vector<FetchRecord>& fetches)
{
    auto results =
        record_batch({StateWrite{ref, std::string(state), std::string(reason), std::string(checked_at), fetches}});
    if (!results) {
        return std::unexpected(results.error());
    }
    return {};
}

std::expected<void, LedgerError> Ledger::record_state_in_tx(const StateWrite& write)
{
    if (auto inserted = insert_fetches(write.fetches); !inserted) {
        return std::unexpected(inserted.error());
    }
    auto stmt = prepare("INSERT INTO articles (oid, aid, url, state, reason, first_seen, last_checked)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
                        " ON CONFLICT (oid, aid) DO UPDATE SET state = ?4, reason = ?5, last_checked = ?6");
    if (!stmt
        || Bound(stmt->get())
                   .text(write.ref.oid)
                   .text(write.ref.aid)
                   .text(write.ref.canonical_url())
                   .text(write.state)
                   .text(write.reason)
                   .text(write.checked_at)
                   .step()
               != SQLITE_DONE) {
        return std::unexpected(stmt ? error("cannot record article state") : stmt.error());
    }
    return {};
}

std::expected<SaveResult, LedgerError> Ledger::write_in_tx(const LedgerWrite& write)
{
    if (const auto* version = std::get_if<VersionWrite>(&write)) {
        return record_version_in_tx(version->saved, version->fetches);
    }
    std::expected<void, LedgerError> done;
    if (const auto* unchanged = std::get_if<UnchangedWrite>(&write)) {
        auto inserted = insert_fetches(unchanged->fetches);
        done = inserted ? record_unchanged_in_tx(unchanged->ref, unchanged->checked_at)
                        : std::unexpected(inserted.error());
    } else if (const auto* state = std::get_if<StateWrite>(&write)) {
        done = record_state_in_tx(*state);
    } else if (const auto* seen = std::get_if<SeenEarlierWrite>(&write)) {
        auto inserted = insert_fetches(seen->fetches);
        auto moved = inserted ? prepare("UPDATE versions SET first_seen = ?4 WHERE version = ?3 AND article_id ="
                                        " (SELECT id FROM articles WHERE oid = ?1 AND aid = ?2)")
                              : std::unexpected(inserted.error());
        if (!moved) {
            done = std::unexpected(moved.error());
        } else if (Bound(moved->get())
                       .text(seen->ref.oid)
                       .text(seen->ref.aid)
                       .integer(int64_t{seen->version})
                       .text(seen->first_seen)
                       .step()
                   != SQLITE_DONE) {
            done = std::unexpected(error("cannot move first_seen"));
        } else if (auto article = prepare("UPDATE articles SET first_seen = ?3 WHERE oid = ?1 AND aid = ?2"
                                          " AND first_seen > ?3");
                   !article
                   || Bound(article->get()).text(seen->ref.oid).text(seen->ref.aid).text(seen->first_seen).step()
                          != SQLITE_DONE) {
            done = std::unexpected(article ? error("cannot move first_seen") : article.error());
        }
    } else if (auto inserted = insert_fetches(std::get<FetchesWrite>(write).fetches); !inserted) {
        done = std::unexpected(inserted.error());
    }
    if (!done) {
        return std::unexpected(done.error());
    }
    return SaveResult::inserted;
}

std::expected<void, LedgerError> Ledger::count_extracts_in_tx(const ExtractCounts& counts)
{
    auto stmt = prepare("INSERT INTO extractions (day, regions, whole_page, last_fallback) VALUES (?1, ?2, ?3, ?4)"
                        " ON CONFLICT (day) DO UPDATE SET regions = regions + ?2, whole_page = whole_page + ?3,"
                        " last_fallback = coalesce(?4, last_fallback)");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    Bound bound(stmt->get());
    bound.text(counts.day).integer(counts.regions).integer(counts.whole_page);
    counts.last_fallback.empty() ? bound.null() : bound.text(counts.last_fallback);
    if (bound.step() != SQLITE_DONE) {
        return std::unexpected(error("cannot count extractions"));
    }
    return {};
}

std::expected<std::vector<SaveResult>, LedgerError> Ledger::record_batch(const std::vector<LedgerWrite>& writes,
                                                                         const std::vector<ExtractCounts>& extracts)
{
    Transaction tx(m_db.get());
    if (tx.begin() != SQLITE_OK) {
        return std::unexpected(error("cannot start transaction"));
    }
    std::vector<SaveResult> results;
    results.reserve(writes.size());
    for (const auto& write : writes) {
        auto result = write_in_tx(write);
        if (!result) {
            return std::unexpected(result.error()); // the whole batch rolls back
        }
        results.push_back(*result);
    }
    for (const auto& counts : extracts) {
        if (auto counted = count_extracts_in_tx(counts); !counted) {
            return std::unexpected(counted.error());
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return std::unexpected(error("cannot commit"));
    }
    return results;
}

} // namespace sillok::daemon
