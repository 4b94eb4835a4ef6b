#include "daemon/verify/warc_verify.hpp"

#include "daemon/ledger/sql.hpp"
#include "daemon/warc/warc_reader.hpp"

#include <fmt/format.h>

#include <optional>

namespace sillok::daemon {

std::expected<size_t, std::string> check_warc_links(
    sqlite3* db, const std::filesystem::path& archive_root,
    const std::function<void(std::string_view file, std::string_view detail)>& problem)
{
    auto stmt = sql::prepare(db, "SELECT id, url, warc_file, warc_offset, warc_length FROM fetches"
                                 " WHERE warc_file IS NOT NULL ORDER BY warc_file, warc_offset");
    if (!stmt) {
        return std::unexpected(std::string("ledger: cannot read WARC links: ") + sqlite3_errmsg(db));
    }
    size_t checked = 0;
    std::string open_name;
    std::optional<std::expected<MappedFile, std::string>> open_file;
    int rc = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        ++checked;
        auto fetch_id = sqlite3_column_int64(stmt.get(), 0);
        auto url = sql::column_text(stmt.get(), 1).value_or("");
        auto file = sql::column_text(stmt.get(), 2).value_or("");
        auto offset = sqlite3_column_int64(stmt.get(), 3);
        auto length = sqlite3_column_int64(stmt.get(), 4);
        if (file != open_name || !open_file) {
            open_name = file;
            open_file = MappedFile::open(archive_root / file); // one file mapped at a time
        }
        auto what = fmt::format("fetch {} ({})", fetch_id, url);
        if (!*open_file) {
            problem(file, what + ": " + open_file->error());
            continue;
        }
        if (offset < 0 || length <= 0) {
            problem(file, fmt::format("{}: no record at offset {} length {}", what, offset, length));
            continue;
        }
        auto record = read_record_at((*open_file)->bytes(), static_cast<uint64_t>(offset), static_cast<uint64_t>(length));
        if (!record) {
            problem(file, what + ": " + record.error());
        } else if (record->type() != "response") {
            problem(file, fmt::format("{}: the record at {} is a {} record, not a response", what, offset,
                                      record->type()));
        } else if (auto target = record->field("WARC-Target-URI").value_or("");
                   target != url && target != "<" + url + ">") { // WARC/1.0 writers wrap it in <>
            problem(file, fmt::format("{}: the record at {} is of {}", what, offset,
                                      record->field("WARC-Target-URI").value_or("no URL")));
        }
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(std::string("ledger: cannot read WARC links: ") + sqlite3_errmsg(db));
    }
    return checked;
}

} // namespace sillok::daemon
