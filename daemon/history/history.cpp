#include "daemon/history/history.hpp"

#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/util/kst.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace sillok::daemon {

namespace fs = std::filesystem;

std::expected<History, std::string> History::open(const fs::path& ledger)
{
    std::error_code ec;
    if (!fs::is_regular_file(ledger, ec)) {
        return std::unexpected("no ledger at " + ledger.string());
    }
    auto db = open_ledger_read_only(ledger);
    if (!db) {
        return std::unexpected(db.error());
    }
    History history(std::move(*db));
    auto columns = sql::prepare(history.db(), "SELECT count(*) FROM pragma_table_info('versions')"
                                              " WHERE name IN ('changed', 'change_reason')");
    if (!columns || sqlite3_step(columns.get()) != SQLITE_ROW) {
        return std::unexpected(history.error("cannot read the versions table"));
    }
    history.m_records_changes = sqlite3_column_int(columns.get(), 0) == 2;
    return history;
}

std::string History::error(std::string_view what) const
{
    return fmt::format("ledger: {}: {}", what, sqlite3_errmsg(m_db.get()));
}

VersionChange inferred_change(int version, int first_version)
{
    if (version == first_version) {
        return VersionChange{{}, std::string(k_reason_new)};
    }
    return VersionChange{{"content"}, std::string(k_reason_edit)};
}

std::expected<std::optional<ArticleHistory>, std::string> History::article(const parsers::ArticleRef& ref)
{
    auto found = sql::prepare(m_db.get(), "SELECT id, state, coalesce(current_version, 0) FROM articles"
                                          " WHERE oid = ?1 AND aid = ?2");
    if (!found) {
        return std::unexpected(error("cannot read articles"));
    }
    int rc = sql::Bound(found.get()).text(ref.oid).text(ref.aid).step();
    if (rc == SQLITE_DONE) {
        return std::optional<ArticleHistory>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read articles"));
    }
    ArticleHistory history{ref, sql::column_text(found.get(), 1).value_or(""), sqlite3_column_int(found.get(), 2), {}};
    auto versions = sql::prepare(
        m_db.get(), m_records_changes
                        ? "SELECT version, content_hash, rules_version, first_seen, path, changed, change_reason"
                          " FROM versions WHERE article_id = ?1 ORDER BY version"
                        : "SELECT version, content_hash, rules_version, first_seen, path, NULL, NULL"
                          " FROM versions WHERE article_id = ?1 ORDER BY version");
    if (!versions) {
        return std::unexpected(error("cannot read versions"));
    }
    sql::Bound bound(versions.get());
    bound.integer(sqlite3_column_int64(found.get(), 0));
    while ((rc = bound.step()) == SQLITE_ROW) {
        auto* stmt = versions.get();
        HistoryVersion version{sqlite3_column_int(stmt, 0),
                               sql::column_text(stmt, 1).value_or(""),
                               sqlite3_column_int(stmt, 2),
                               sql::column_text(stmt, 3).value_or(""),
                               sql::column_text(stmt, 4).value_or(""),
                               {}};
        auto reason = sql::column_text(stmt, 6);
        version.change = reason ? VersionChange{split_changed(sql::column_text(stmt, 5).value_or("")), *reason}
                                : inferred_change(version.version, history.versions.empty() ? version.version : 0);
        history.versions.push_back(std::move(version));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read versions"));
    }
    return history;
}

std::vector<HistoryVersion> in_time_order(const ArticleHistory& article)
{
    auto versions = article.versions;
    auto seen_at = [](const HistoryVersion& version) {
        return std::pair{parse_kst_iso(version.first_seen).value_or(WallClock::time_point::max()), version.version};
    };
    std::ranges::sort(versions, {}, seen_at);
    return versions;
}

} // namespace sillok::daemon
