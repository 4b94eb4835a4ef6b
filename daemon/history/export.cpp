#include "daemon/history/export.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/front_matter.hpp"
#include "daemon/history/history.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/util/kst.hpp"
#include "daemon/util/progress_line.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/listing_urls.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <streambuf>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

// Filters are bound as JSON arrays (NULL: no filter), so the SQL text is constant.
constexpr std::string_view k_selection =
    " FROM articles a JOIN versions v ON v.article_id = a.id"
    " WHERE (?1 IS NULL OR substr(a.published_at, 1, 10) >= ?1)"
    " AND (?2 IS NULL OR substr(a.published_at, 1, 10) <= ?2)"
    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(?3) s"
    "      WHERE instr(',' || replace(coalesce(a.category, ''), ', ', ',') || ',', ',' || s.value || ',') > 0))"
    " AND (?4 IS NULL OR a.oid IN (SELECT value FROM json_each(?4)))"
    " AND (?5 IS NULL OR a.state IN (SELECT value FROM json_each(?5)))"
    " AND (?6 = 1 OR v.version = a.current_version)";

struct Filters {
    std::optional<std::string> from, to, sections, presses, states;
};

std::optional<std::string> json_list(const std::vector<std::string>& values)
{
    return values.empty() ? std::nullopt : std::optional(nlohmann::json(values).dump());
}

std::expected<Filters, std::string> check_request(const ExportRequest& request)
{
    Filters filters;
    auto from = date_option(request.from.value_or(""), "--from", wall_now());
    auto to = date_option(request.to.value_or(""), "--to", wall_now());
    if (!from || !to) {
        return std::unexpected(!from ? from.error() : to.error());
    }
    filters.from = *from;
    filters.to = *to;
    if (filters.from && filters.to && *filters.from > *filters.to) {
        return std::unexpected("--from " + *filters.from + " is after --to " + *filters.to);
    }
    std::vector<std::string> sections;
    for (const auto& section : request.sections) {
        auto named = parsers::section_name(section);
        sections.push_back(named ? std::string(*named) : section);
    }
    for (const auto& oid : request.presses) {
        if (!parsers::is_press_id(oid)) {
            return std::unexpected("--press '" + oid + "' is not a press id (3 digits, e.g. 015)");
        }
    }
    for (const auto& state : request.states) {
        if (state != "archived" && state != "gone" && state != "skipped") {
            return std::unexpected("--state '" + state + "' is not one of archived, gone, skipped");
        }
    }
    filters.sections = json_list(sections);
    filters.presses = json_list(request.presses);
    filters.states = json_list(request.states);
    return filters;
}

sql::Bound bind_filters(sqlite3_stmt* stmt, const Filters& filters, bool all_versions)
{
    sql::Bound bound(stmt);
    bound.text(filters.from).text(filters.to).text(filters.sections).text(filters.presses).text(filters.states);
    bound.integer(int64_t{all_versions ? 1 : 0});
    return bound;
}

// A bar on standard error, redrawn when the percentage moves.
class ProgressBar {
public:
    ProgressBar(bool shown, size_t total) : m_shown(shown), m_total(total) {}
    void advance(size_t done)
    {
        if (!m_shown) {
            return;
        }
        auto percent = m_total == 0 ? 100 : static_cast<int>(done * 100 / m_total);
        if (percent == m_percent) {
            return;
        }
        m_percent = percent;
        constexpr int k_width = 40;
        auto filled = static_cast<size_t>(percent * k_width / 100);
        draw_progress_line(fmt::format("export [{}{}] {:3}% {}/{} records", std::string(filled, '#'),
                                       std::string(k_width - filled, ' '), percent, done, m_total));
    }
    void finish()
    {
        if (m_shown) {
            end_progress_line();
        }
    }

private:
    bool m_shown;
    size_t m_total;
    int m_percent = -1;
};

} // namespace

const std::vector<std::string>& export_fields()
{
    static const std::vector<std::string> k_fields = {
        "id",  "version", "title", "category",     "publisher",   "author",       "published_at", "crawled_at",
        "url", "oid",     "aid",   "content_hash", "modified_at", "original_url", "content"};
    return k_fields;
}

std::string csv_field(std::string_view text)
{
    // A spreadsheet reads a cell beginning with = + - @ (or a tab or carriage return before
    // one) as a formula: such a field gets a leading ' (OWASP's advice), as does a field that
    // already begins with one, so that dropping one leading ' always gives the text back.
    constexpr std::string_view k_formula_starts = "=+-@\t\r'";
    std::string out = !text.empty() && k_formula_starts.contains(text.front()) ? "\"'" : "\"";
    for (char c : text) {
        out += c == '"' ? "\"\"" : std::string(1, c);
    }
    return out + "\"";
}

namespace {

// One row of the index: where a version's file is and what the ledger says it holds.
struct IndexedVersion {
    std::string id;
    int version = 0;
    std::string path;
    std::string content_hash;
};

// The record a file holds, checked against the ledger; the error says why it is not exported.
std::expected<nlohmann::ordered_json, std::string> read_record(const fs::path& archive, const IndexedVersion& row)
{
    auto text = read_file_bytes(archive / row.path);
    if (!text) {
        return std::unexpected("cannot read the file");
    }
    auto parsed = read_archive_file(*text);
    if (!parsed || !parsed->content) {
        return std::unexpected(parsed ? "the body lacks the rules around the content" : parsed.error().message);
    }
    const auto& front = parsed->front_matter;
    if (front.value("id") != row.id || front.value("content_hash") != row.content_hash) {
        return std::unexpected("the file's id or content_hash is not the ledger's (sillok verify)");
    }
    auto content = unescape_body(*parsed->content);
    if (content_hash(*parsed->content) != row.content_hash) {
        return std::unexpected("the content does not hash to its content_hash (sillok verify)");
    }
    nlohmann::ordered_json record;
    for (const auto& key : export_fields()) {
        if (key == "version") {
            record[key] = row.version;
        } else if (key == "content") {
            record[key] = std::move(content);
        } else {
            auto value = front.value(key);
            record[key] = value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
        }
    }
    return record;
}

void write_record(std::ostream& out, ExportFormat format, const nlohmann::ordered_json& record)
{
    if (format == ExportFormat::jsonl) {
        out << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        return;
    }
    std::string line;
    for (const auto& [key, value] : record.items()) {
        auto text = value.is_string() ? value.get<std::string>() : value.is_null() ? std::string{} : value.dump();
        line += (line.empty() ? "" : ",") + csv_field(text);
    }
    out << line << "\r\n";
}

class Exporter {
public:
    Exporter(const ExportRequest& request, History& history, Filters filters)
        : m_request(request), m_history(history), m_filters(std::move(filters))
    {
    }

    std::expected<ExportReport, std::string> write(std::ostream& out);

private:
    std::expected<size_t, std::string> count();

    const ExportRequest& m_request;
    History& m_history;
    Filters m_filters;
};

std::expected<size_t, std::string> Exporter::count()
{
    auto stmt = sql::prepare(m_history.db(), "SELECT count(*)" + std::string(k_selection));
    if (!stmt || bind_filters(stmt.get(), m_filters, m_request.all_versions).step() != SQLITE_ROW) {
        return std::unexpected(m_history.error("cannot count the versions to export"));
    }
    return static_cast<size_t>(sqlite3_column_int64(stmt.get(), 0));
}

std::expected<ExportReport, std::string> Exporter::write(std::ostream& out)
{
    auto total = m_request.progress ? count() : std::expected<size_t, std::string>(0);
    if (!total) {
        return std::unexpected(total.error());
    }
    auto stmt = sql::prepare(m_history.db(), "SELECT a.oid || '_' || a.aid, v.version, v.path, v.content_hash"
                                                 + std::string(k_selection) + " ORDER BY a.id, v.version");
    if (!stmt) {
        return std::unexpected(m_history.error("cannot read the index"));
    }
    if (m_request.format == ExportFormat::csv) {
        std::string header;
        for (const auto& key : export_fields()) {
            header += (header.empty() ? "" : ",") + csv_field(key);
        }
        out << header << "\r\n";
    }
    ExportReport report;
    ProgressBar bar(m_request.progress, *total);
    auto bound = bind_filters(stmt.get(), m_filters, m_request.all_versions);
    int rc = 0;
    while (!(m_request.stop != nullptr && m_request.stop->load()) && (rc = bound.step()) == SQLITE_ROW) {
        IndexedVersion row{sql::column_text(stmt.get(), 0).value_or(""), sqlite3_column_int(stmt.get(), 1),
                           sql::column_text(stmt.get(), 2).value_or(""), sql::column_text(stmt.get(), 3).value_or("")};
        auto record = read_record(m_request.archive, row);
        if (record) {
            write_record(out, m_request.format, *record);
            ++report.exported;
        } else {
            std::cerr << "sillok: export: " << row.id << " version " << row.version << " (" << row.path
                      << ") not exported: " << record.error() << '\n';
            ++report.failed;
        }
        bar.advance(report.exported + report.failed);
    }
    bar.finish();
    if (m_request.stop != nullptr && m_request.stop->load()) {
        report.stopped = true;
        return report;
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(m_history.error("cannot read the index"));
    }
    return report;
}

int finished(const ExportReport& report)
{
    if (report.stopped) {
        return fail(k_exit_some_failed, "export stopped before its end");
    }
    return report.complete() ? k_exit_ok : k_exit_some_failed;
}

// An output stream over a file descriptor it owns.
class FdBuffer : public std::streambuf {
public:
    explicit FdBuffer(int fd) : m_fd(fd) { setp(m_buffer.data(), m_buffer.data() + m_buffer.size()); }
    FdBuffer(const FdBuffer&) = delete;
    FdBuffer& operator=(const FdBuffer&) = delete;
    ~FdBuffer() override { close(); }
    // Writes what is buffered, flushes it to the disk and closes; false on any failure.
    bool close()
    {
        if (m_fd < 0) {
            return m_ok;
        }
        m_ok = drain() && m_ok && ::fsync(m_fd) == 0;
        m_ok = ::close(m_fd) == 0 && m_ok;
        m_fd = -1;
        return m_ok;
    }

protected:
    int_type overflow(int_type c) override
    {
        if (!drain()) {
            return traits_type::eof();
        }
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override { return drain() ? 0 : -1; }

private:
    bool drain()
    {
        const char* data = pbase();
        auto left = static_cast<size_t>(pptr() - pbase());
        while (left > 0 && m_fd >= 0) {
            auto written = ::write(m_fd, data, left);
            if (written < 0 && errno == EINTR) {
                continue;
            }
            if (written <= 0) {
                m_ok = false;
                break;
            }
            data += written;
            left -= static_cast<size_t>(written);
        }
        setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
        return m_ok;
    }

    int m_fd;
    bool m_ok = true;
    std::array<char, 1 << 16> m_buffer{};
};

// The output file is written under a temporary name beside it and renamed when complete. The
// temporary file is a new one (mkstemp: O_CREAT|O_EXCL, a name nobody could guess), so a
// file or symbolic link placed beside the output is never written through.
int export_to_file(Exporter& exporter, const fs::path& output)
{
    auto pattern = output.string() + ".partial-XXXXXX";
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        return fail(k_exit_io,
                    fmt::format("cannot create a file beside {}: {}", output.string(), std::strerror(errno)));
    }
    const fs::path temp = pattern;
    // mkstemp's mode is 0600; the export gets a new file's usual mode (0666 less the umask).
    auto mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    FdBuffer buffer(fd);
    std::ostream file(&buffer);
    auto report = exporter.write(file);
    file.flush();
    bool written = static_cast<bool>(file) && buffer.close();
    std::error_code ec;
    if (!report || !written) {
        fs::remove(temp, ec);
        return fail(k_exit_io, !report ? report.error() : "cannot write " + output.string());
    }
    if (report->stopped) {
        fs::remove(temp, ec);
        return fail(k_exit_some_failed, "export stopped; " + output.string() + " was not written");
    }
    fs::rename(temp, output, ec);
    if (ec) {
        fs::remove(temp, ec);
        return fail(k_exit_io, "cannot rename the export into " + output.string() + ": " + ec.message());
    }
    std::cerr << "sillok: exported " << report->exported << " records to " << output.string() << '\n';
    return report->complete() ? k_exit_ok : k_exit_some_failed;
}

// A device or pipe (/dev/null, /dev/stdout, a FIFO) is written as it is: it cannot be
// renamed into.
int export_to_stream_file(Exporter& exporter, const fs::path& output)
{
    std::ofstream file(output, std::ios::binary);
    auto report = file ? exporter.write(file) : std::unexpected("cannot write " + output.string());
    file.flush();
    if (!report || !file) {
        return fail(k_exit_io, !report ? report.error() : "cannot write " + output.string());
    }
    return finished(*report);
}

} // namespace

std::expected<void, std::string> check_export_options(const ExportRequest& request)
{
    if (auto filters = check_request(request); !filters) {
        return std::unexpected(filters.error());
    }
    return {};
}

int run_export(const ExportRequest& request, std::ostream& out)
{
    auto filters = check_request(request);
    if (!filters) {
        return fail(k_exit_usage, filters.error());
    }
    auto history = History::open(request.ledger);
    if (!history) {
        return fail(k_exit_io, history.error());
    }
    Exporter exporter(request, *history, std::move(*filters));
    std::error_code ec;
    if (!request.output.empty()) {
        bool special = fs::exists(request.output, ec) && !fs::is_regular_file(request.output, ec);
        return special ? export_to_stream_file(exporter, request.output) : export_to_file(exporter, request.output);
    }
    auto report = exporter.write(out);
    out.flush();
    if (!report) {
        return fail(k_exit_io, report.error());
    }
    if (!out) {
        return fail(k_exit_io, "cannot write the export to standard output");
    }
    return finished(*report);
}

} // namespace sillok::daemon
