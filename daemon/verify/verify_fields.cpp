#include "daemon/verify/verify_fields.hpp"

#include "daemon/ledger/sql.hpp"

#include <array>

namespace sillok::daemon {
namespace {

// The front matter keys the articles row holds, in the row's column order below.
constexpr std::array<std::string_view, 10> k_fields = {
    "title", "category", "publisher", "author", "published_at", "modified_at", "original_url", "url", "oid", "aid"};
// Keys written only when the article has the value.
bool is_optional(std::string_view key) { return key == "modified_at" || key == "original_url"; }

std::string shown(const std::optional<std::string>& value) { return value ? "\"" + *value + "\"" : "nothing"; }

} // namespace

RecordedFields::RecordedFields(sqlite3* db)
    : m_stmt(sql::prepare(db, "SELECT title, category, publisher, author, published_at, modified_at, original_url,"
                              " url, oid, aid, content_hash FROM articles"
                              " WHERE oid = ?1 AND aid = ?2 AND path = ?3 AND state = 'archived'"))
{
}

std::optional<std::string> RecordedFields::differences(std::string_view oid, std::string_view aid,
                                                       std::string_view path, const FrontMatter& front)
{
    if (!m_stmt) {
        return std::nullopt;
    }
    sql::Bound bound(m_stmt.get());
    if (bound.text(oid).text(aid).text(path).step() != SQLITE_ROW
        || sql::column_text(m_stmt.get(), static_cast<int>(k_fields.size())) != front.value("content_hash")) {
        return std::nullopt;
    }
    std::string found;
    for (size_t column = 0; column < k_fields.size(); ++column) {
        auto key = k_fields[column];
        auto recorded = sql::column_text(m_stmt.get(), static_cast<int>(column));
        if (!recorded && !is_optional(key)) {
            recorded = std::string{};
        }
        if (recorded && recorded->empty() && is_optional(key)) {
            recorded.reset();
        }
        auto written = front.value(key);
        if (written != recorded) {
            found += (found.empty() ? "" : "; ") + std::string(key) + ": the file says " + shown(written)
                     + ", the ledger " + shown(recorded);
        }
    }
    sqlite3_reset(m_stmt.get());
    if (found.empty()) {
        return std::nullopt;
    }
    return found;
}

} // namespace sillok::daemon
