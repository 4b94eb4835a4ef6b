#include "daemon/verify/warc_verify.hpp"

#include "daemon/archive/regular_file.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/util/digest.hpp"
#include "daemon/util/kst.hpp"
#include "daemon/warc/stored_record.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "daemon/warc/warc_writer.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

bool has_digest_column(sqlite3* db)
{
    auto stmt = sql::prepare(db, "SELECT 1 FROM pragma_table_info('fetches') WHERE name = 'warc_sha256'");
    return stmt && sqlite3_step(stmt.get()) == SQLITE_ROW;
}

// WARC-Date is UTC ("2024-05-30T02:40:08.123Z"): read as if KST, then moved.
std::optional<WallClock::time_point> warc_date_of(const WarcRecord& record)
{
    auto date = record.field("WARC-Date");
    if (!date || !date->ends_with('Z')) {
        return std::nullopt;
    }
    auto as_kst = parse_kst_iso(*date);
    if (!as_kst) {
        return std::nullopt;
    }
    auto at = *as_kst + std::chrono::hours(9);
    // The fraction, which parse_kst_iso ignores: milliseconds are what fetch rows keep.
    auto dot = date->find('.');
    if (dot != std::string_view::npos) {
        auto digits = date->substr(dot + 1, std::min<size_t>(3, date->size() - dot - 2));
        int ms = 0;
        if (std::from_chars(digits.data(), digits.data() + digits.size(), ms).ec == std::errc{}) {
            for (auto n = digits.size(); n < 3; ++n) {
                ms *= 10;
            }
            at += std::chrono::milliseconds(ms);
        }
    }
    return at;
}

std::string target_of(const WarcRecord& record)
{
    std::string target(record.field("WARC-Target-URI").value_or(""));
    if (target.size() >= 2 && target.front() == '<' && target.back() == '>') { // WARC/1.0 writers
        target = target.substr(1, target.size() - 2);
    }
    return target;
}

std::optional<long> http_status_of(std::string_view block)
{
    // "HTTP/1.1 200 OK"
    auto space = block.find(' ');
    if (!block.starts_with("HTTP/") || space == std::string_view::npos || block.size() < space + 4) {
        return std::nullopt;
    }
    long status = 0;
    auto digits = block.substr(space + 1, 3);
    if (std::from_chars(digits.data(), digits.data() + 3, status).ec != std::errc{}) {
        return std::nullopt;
    }
    return status;
}

// The one file mapped at a time, by the name the ledger gives.
class OpenWarc {
public:
    explicit OpenWarc(fs::path root) : m_root(std::move(root)) {}
    const std::expected<ArchiveFileMap, std::string>& get(const std::string& file)
    {
        if (file != m_name || !m_file) {
            m_name = file;
            m_file.reset();
            m_file = map_archive_file(m_root, file);
        }
        return *m_file;
    }

private:
    fs::path m_root;
    std::string m_name;
    std::optional<std::expected<ArchiveFileMap, std::string>> m_file;
};

} // namespace

std::expected<WarcLinksChecked, std::string> check_warc_links(sqlite3* db, const fs::path& archive_root,
                                                              const WarcProblem& problem)
{
    bool digests = has_digest_column(db); // a ledger opened read-only is not migrated
    auto stmt = sql::prepare(
        db, digests ? "SELECT id, url, warc_file, warc_offset, warc_length, warc_sha256, bytes FROM fetches"
                      " WHERE warc_file IS NOT NULL ORDER BY warc_file, warc_offset"
                    : "SELECT id, url, warc_file, warc_offset, warc_length, NULL, bytes FROM fetches"
                      " WHERE warc_file IS NOT NULL ORDER BY warc_file, warc_offset");
    if (!stmt) {
        return std::unexpected(std::string("ledger: cannot read WARC links: ") + sqlite3_errmsg(db));
    }
    WarcLinksChecked checked;
    OpenWarc open(archive_root);
    int rc = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        ++checked.records;
        auto fetch_id = sqlite3_column_int64(stmt.get(), 0);
        auto url = sql::column_text(stmt.get(), 1).value_or("");
        auto file = sql::column_text(stmt.get(), 2).value_or("");
        auto offset = sqlite3_column_int64(stmt.get(), 3);
        auto length = sqlite3_column_int64(stmt.get(), 4);
        auto kept = sql::column_text(stmt.get(), 5);
        const auto body_bytes = sqlite3_column_int64(stmt.get(), 6);
        if (!kept) {
            ++checked.without_digest;
        }
        const auto& mapped = open.get(file);
        auto what = fmt::format("fetch {} ({})", fetch_id, url);
        if (!mapped) {
            problem(ProblemKind::warc_record, file, what + ": " + mapped.error());
            continue;
        }
        auto bytes = mapped->bytes();
        if (offset < 0 || length <= 0 || static_cast<uint64_t>(offset) > bytes.size()
            || static_cast<uint64_t>(length) > bytes.size() - static_cast<uint64_t>(offset)) {
            problem(ProblemKind::warc_record, file,
                    fmt::format("{}: no record at offset {} length {} ({} bytes in the file)", what, offset, length,
                                bytes.size()));
            continue;
        }
        if (kept) {
            auto actual = sha256_hex(bytes.substr(static_cast<size_t>(offset), static_cast<size_t>(length)));
            if (actual != *kept) {
                problem(ProblemKind::warc_record, file,
                        fmt::format("{}: the record at {} is not the one stored: its SHA-256 is {}, the ledger kept {}",
                                    what, offset, actual, *kept));
                continue;
            }
        }
        // No bigger than the body the fetch received: a record put in its place cannot exhaust memory.
        auto record = read_record_within(bytes, static_cast<uint64_t>(offset), static_cast<uint64_t>(length),
                                         record_cap(body_bytes));
        if (!record) {
            problem(ProblemKind::warc_record, file, what + ": " + record.error());
        } else if (record->type() != "response") {
            problem(ProblemKind::warc_record, file,
                    fmt::format("{}: the record at {} is a {} record, not a response", what, offset, record->type()));
        } else if (target_of(*record) != url) {
            problem(ProblemKind::warc_record, file,
                    fmt::format("{}: the record at {} is of {}", what, offset,
                                record->field("WARC-Target-URI").value_or("no URL")));
        }
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(std::string("ledger: cannot read WARC links: ") + sqlite3_errmsg(db));
    }
    return checked;
}

namespace {

// (file, offset) -> length of every record a fetch row points to.
using Links = std::map<std::string, std::map<int64_t, int64_t>>;

std::expected<Links, std::string> load_links(sqlite3* db)
{
    auto stmt = sql::prepare(db, "SELECT warc_file, warc_offset, warc_length FROM fetches WHERE warc_file IS NOT NULL");
    if (!stmt) {
        return std::unexpected(std::string("ledger: cannot read WARC links: ") + sqlite3_errmsg(db));
    }
    Links links;
    int rc = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        links[sql::column_text(stmt.get(), 0).value_or("")][sqlite3_column_int64(stmt.get(), 1)] =
            sqlite3_column_int64(stmt.get(), 2);
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(std::string("ledger: cannot read WARC links: ") + sqlite3_errmsg(db));
    }
    return links;
}

class WarcScan {
public:
    WarcScan(const fs::path& root, const Links& links, const WarcProblem& problem)
        : m_root(root), m_links(links), m_problem(problem)
    {
    }

    void walk(const std::string& relative)
    {
        std::error_code ec;
        std::vector<std::string> names;
        for (fs::directory_iterator it(m_root / relative, ec), end; !ec && it != end; it.increment(ec)) {
            names.push_back(it->path().filename().string());
        }
        if (ec) {
            m_problem(ProblemKind::unreadable, relative, "cannot list folder: " + ec.message());
        }
        std::ranges::sort(names);
        for (const auto& name : names) {
            auto path = relative + "/" + name;
            if (path == k_warc_open_dir) {
                continue; // the markers of files being written
            }
            struct stat info {};
            if (::lstat((m_root / path).c_str(), &info) != 0) {
                continue; // gone meanwhile
            }
            if (S_ISDIR(info.st_mode)) {
                walk(path);
            } else if (S_ISLNK(info.st_mode)) {
                std::error_code read_ec;
                auto to = fs::read_symlink(m_root / path, read_ec);
                m_problem(ProblemKind::symlink, path,
                          "a symbolic link to " + to.string() + ": not followed, not checked");
            } else if (!S_ISREG(info.st_mode)) {
                m_problem(ProblemKind::warc_record, path,
                          std::string(file_kind(info.st_mode))
                              + " in place of a WARC file, not a regular file: not read");
            } else if (name.ends_with(".warc.gz")) {
                scan_file(path);
            }
        }
    }

    std::vector<UnlinkedResponse> found;

private:
    void scan_file(const std::string& file)
    {
        auto mapped = map_archive_file(m_root, file);
        if (!mapped) {
            m_problem(ProblemKind::unreadable, file, mapped.error());
            return;
        }
        std::error_code ec;
        bool being_written =
            fs::exists(m_root / k_warc_open_dir / (fs::path(file).filename().string() + ".writing"), ec);
        auto bytes = mapped->bytes();
        auto linked = m_links.find(file);
        size_t cursor = 0;
        std::string inflated;
        while (cursor < bytes.size()) {
            if (linked != m_links.end()) {
                auto at = linked->second.find(static_cast<int64_t>(cursor));
                if (at != linked->second.end() && at->second > 0) {
                    cursor += static_cast<size_t>(at->second); // checked by check_warc_links
                    continue;
                }
            }
            inflated.clear();
            auto used = inflate_member(bytes.substr(cursor), inflated);
            std::expected<std::optional<ParsedRecord>, std::string> parsed = std::optional<ParsedRecord>{};
            if (used) {
                parsed = parse_record(inflated);
            }
            if (!used || !parsed || !*parsed) {
                if (!being_written) {
                    m_problem(ProblemKind::warc_record, file,
                              fmt::format("cannot read the records from offset {} on: {}", cursor,
                                          !used     ? used.error()
                                          : !parsed ? parsed.error()
                                                    : "record cut short"));
                }
                return;
            }
            const auto& record = (*parsed)->record;
            if (record.type() == "response") {
                UnlinkedResponse response;
                response.file = file;
                response.offset = static_cast<int64_t>(cursor);
                response.length = static_cast<int64_t>(*used);
                response.sha256 = sha256_hex(bytes.substr(cursor, *used));
                response.url = target_of(record);
                if (auto date = warc_date_of(record)) {
                    response.started_at = kst_iso_millis(*date);
                    response.crawled_at = kst_iso(*date);
                }
                response.status = http_status_of(record.block);
                auto head = http_head_size(record.block);
                response.bytes = head == std::string_view::npos ? 0 : static_cast<int64_t>(record.block.size() - head);
                found.push_back(std::move(response));
            }
            cursor += *used;
        }
    }

    const fs::path& m_root;
    const Links& m_links;
    const WarcProblem& m_problem;
};

} // namespace

std::expected<std::vector<UnlinkedResponse>, std::string>
find_unlinked_responses(sqlite3* db, const fs::path& archive_root, const WarcProblem& problem)
{
    struct stat info {};
    if (::lstat((archive_root / k_warc_dir).c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        return std::vector<UnlinkedResponse>{}; // none, or a link the archive walk reports
    }
    auto links = load_links(db);
    if (!links) {
        return std::unexpected(links.error());
    }
    WarcScan scan(archive_root, *links, problem);
    scan.walk(std::string(k_warc_dir));
    if (scan.found.empty()) {
        return std::move(scan.found);
    }
    // A crawl may have appended records since the first look, then recorded their fetches.
    auto fresh = load_links(db);
    if (!fresh) {
        return std::unexpected(fresh.error());
    }
    std::erase_if(scan.found, [&](const UnlinkedResponse& r) {
        auto file = fresh->find(r.file);
        return file != fresh->end() && file->second.contains(r.offset);
    });
    return std::move(scan.found);
}

std::expected<size_t, std::string> record_missing_digests(sqlite3* db, const fs::path& archive_root)
{
    auto error = [&](std::string_view what) {
        return std::unexpected(fmt::format("ledger: {}: {}", what, sqlite3_errmsg(db)));
    };
    auto select =
        sql::prepare(db, "SELECT id, warc_file, warc_offset, warc_length FROM fetches"
                         " WHERE warc_file IS NOT NULL AND warc_sha256 IS NULL ORDER BY warc_file, warc_offset");
    if (!select) {
        return error("cannot read WARC links");
    }
    struct Row {
        int64_t id;
        std::string sha256;
    };
    std::vector<Row> rows;
    OpenWarc open(archive_root);
    int rc = 0;
    while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
        auto file = sql::column_text(select.get(), 1).value_or("");
        auto offset = sqlite3_column_int64(select.get(), 2);
        auto length = sqlite3_column_int64(select.get(), 3);
        const auto& mapped = open.get(file);
        // Only a record that reads back whole and matches its own digests is vouched for.
        if (!mapped || offset < 0 || length <= 0
            || !read_record_at(mapped->bytes(), static_cast<uint64_t>(offset), static_cast<uint64_t>(length))) {
            continue;
        }
        rows.push_back({sqlite3_column_int64(select.get(), 0),
                        sha256_hex(mapped->bytes().substr(static_cast<size_t>(offset), static_cast<size_t>(length)))});
    }
    if (rc != SQLITE_DONE) {
        return error("cannot read WARC links");
    }
    select.reset();
    sql::Transaction tx(db);
    if (tx.begin() != SQLITE_OK) {
        return error("cannot start transaction");
    }
    auto update = sql::prepare(db, "UPDATE fetches SET warc_sha256 = ?2 WHERE id = ?1 AND warc_sha256 IS NULL");
    if (!update) {
        return error("cannot prepare");
    }
    for (const auto& row : rows) {
        if (sql::Bound(update.get()).integer(row.id).text(row.sha256).step() != SQLITE_DONE) {
            return error("cannot record a digest");
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return error("cannot commit");
    }
    return rows.size();
}

} // namespace sillok::daemon
