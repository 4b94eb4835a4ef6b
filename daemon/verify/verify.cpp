#include "daemon/verify/verify.hpp"

#include "daemon/archive/archive.hpp"
#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/front_matter.hpp"
#include "daemon/archive/record.hpp"
#include "daemon/archive/regular_file.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/search/search_index.hpp"
#include "daemon/verify/ledger_repair.hpp"
#include "daemon/verify/verify_adopted.hpp"
#include "daemon/verify/verify_fields.hpp"
#include "daemon/verify/verify_mend.hpp"
#include "daemon/verify/warc_verify.hpp"
#include "daemon/warc/warc_writer.hpp"
#include "parsers/article_ref.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <unordered_map>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

constexpr size_t k_version_prefix = 12;

// One ledger row that names a file.
struct LedgerRow {
    std::string id;                  // "<oid>_<aid>"
    int64_t version = 0;             // versions.version; 0 for the articles row
    std::optional<std::string> hash; // its content_hash
};

struct IndexedPath {
    std::vector<LedgerRow> rows;
    bool seen = false; // the walk found the file
};

// Every path the ledger names, with its rows: small enough to hold, unlike the files.
using LedgerIndex = std::unordered_map<std::string, IndexedPath>;

// "<oid>_<aid>.md" or "<oid>_<aid>.<12 hex>.md".
struct ArchiveName {
    std::string oid, aid, version_prefix;
};

bool all_of_chars(std::string_view text, std::string_view allowed)
{
    return !text.empty() && text.find_first_not_of(allowed) == std::string_view::npos;
}

std::optional<ArchiveName> parse_archive_name(std::string_view name)
{
    if (!name.ends_with(".md")) {
        return std::nullopt;
    }
    name.remove_suffix(3);
    auto dot = name.find('.');
    auto stem = name.substr(0, dot);
    auto prefix = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    auto underscore = stem.find('_');
    if (underscore == std::string_view::npos) {
        return std::nullopt;
    }
    ArchiveName parsed{std::string(stem.substr(0, underscore)), std::string(stem.substr(underscore + 1)),
                       std::string(prefix)};
    constexpr std::string_view k_digits = "0123456789";
    bool good_prefix = dot == std::string_view::npos
                       || (prefix.size() == k_version_prefix && all_of_chars(prefix, "0123456789abcdef"));
    if (!all_of_chars(parsed.oid, k_digits) || !all_of_chars(parsed.aid, k_digits) || !good_prefix) {
        return std::nullopt;
    }
    return parsed;
}

bool is_hash(std::string_view text) { return text.size() == 64 && all_of_chars(text, "0123456789abcdef"); }

std::string describe(const LedgerRow& row)
{
    return row.version == 0 ? "articles row of " + row.id : fmt::format("versions row {} of {}", row.version, row.id);
}

// Tabs and line breaks would split a report line.
std::string one_field(std::string_view text)
{
    std::string out(text);
    std::ranges::replace_if(
        out, [](char c) { return static_cast<unsigned char>(c) < 0x20; }, '?');
    return out;
}

class Verifier {
public:
    Verifier(const VerifyOptions& options, SqliteDb db, std::ostream& out)
        : m_root(options.archive), m_db(std::move(db)), m_out(out), m_fields(m_db.get())
    {
    }

    std::expected<VerifyReport, VerifyError> run(bool repair);

private:
    std::expected<LedgerIndex, VerifyError> load_index();
    void walk(const fs::path& dir, const std::string& relative);
    void report_temp_files(const fs::path& dir);
    void check_file(const std::string& relative);
    CheckedFile read_facts(const std::string& text, const std::string& relative);
    std::expected<void, VerifyError> check_ledger();
    void problem(ProblemKind kind, std::string_view path, std::string_view detail);

    std::expected<void, VerifyError> repair();
    void note_repairs(std::vector<Repair> done);
    bool has_stored_response(std::string_view oid, std::string_view aid);
    std::expected<void, VerifyError> link_responses(const std::vector<UnlinkedResponse>& unlinked);
    std::expected<std::optional<std::string>, VerifyError> version_without_response(const UnlinkedResponse& response);
    void report_mends();
    VerifyError error(std::string_view what) const
    {
        return VerifyError{fmt::format("ledger: {}: {}", what, sqlite3_errmsg(m_db.get()))};
    }

    fs::path m_root;
    SqliteDb m_db;
    std::ostream& m_out;
    RecordedFields m_fields;
    VerifyReport m_report;
    LedgerIndex m_index;
    std::vector<CheckedFile> m_suspects;
    std::vector<const CheckedFile*> m_repairable;
};

void Verifier::problem(ProblemKind kind, std::string_view path, std::string_view detail)
{
    ++m_report.counts[static_cast<size_t>(kind)];
    m_report.problems.push_back(Problem{kind, std::string(path), std::string(detail)});
    m_out << to_string(kind) << '\t' << one_field(path) << '\t' << one_field(detail) << '\n';
}

std::expected<LedgerIndex, VerifyError> Verifier::load_index()
{
    auto stmt = sql::prepare(m_db.get(), "SELECT a.path, a.oid || '_' || a.aid, 0, a.content_hash FROM articles a"
                                         " WHERE a.path IS NOT NULL"
                                         " UNION ALL SELECT v.path, a.oid || '_' || a.aid, v.version, v.content_hash"
                                         " FROM versions v JOIN articles a ON a.id = v.article_id");
    if (!stmt) {
        return std::unexpected(error("cannot read paths"));
    }
    LedgerIndex index;
    int rc = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        auto& entry = index[sql::column_text(stmt.get(), 0).value_or("")];
        entry.rows.push_back(LedgerRow{sql::column_text(stmt.get(), 1).value_or(""),
                                       sqlite3_column_int64(stmt.get(), 2), sql::column_text(stmt.get(), 3)});
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(error("cannot read paths"));
    }
    return index;
}

std::expected<VerifyReport, VerifyError> Verifier::run(bool repair_requested)
{
    auto index = load_index();
    if (!index) {
        return std::unexpected(index.error());
    }
    m_index = std::move(*index);
    walk(m_root, "");
    auto copies = check_adopted_copies(m_db.get(), m_root);
    m_report.files_checked += copies.files_checked;
    for (const auto& found : copies.problems) {
        problem(found.kind, found.path, found.detail);
    }
    if (auto checked = check_ledger(); !checked) {
        return std::unexpected(checked.error());
    }
    WarcProblem warc_problem = [this](ProblemKind kind, std::string_view file, std::string_view detail) {
        problem(kind, file, detail);
    };
    auto warc = check_warc_links(m_db.get(), m_root, warc_problem);
    if (!warc) {
        return std::unexpected(VerifyError{warc.error()});
    }
    m_report.warc_records_checked = warc->records;
    auto unlinked = find_unlinked_responses(m_db.get(), m_root, warc_problem);
    if (!unlinked) {
        return std::unexpected(VerifyError{unlinked.error()});
    }
    // The stored response of a version that points to none is a lost link; any other
    // response without a fetch row was left by a save cut short before its ledger commit
    // (the article was fetched again since), and is only counted.
    size_t leftovers = 0;
    for (const auto& response : *unlinked) {
        auto version = version_without_response(response);
        if (!version) {
            return std::unexpected(version.error());
        }
        if (!*version) {
            ++leftovers;
            continue;
        }
        problem(ProblemKind::warc_record, response.file,
                fmt::format("the response record at {} ({}, {}) has no fetch row pointing to it; it is the stored"
                            " response of {}, which points to none",
                            response.offset, response.url, response.started_at, **version));
    }
    // The search index is derived data: only one that does not match the ledger is a
    // problem (one behind it catches up at the next search).
    if (auto search = search_index_out_of_step(m_root, m_db.get()); search && !search->empty()) {
        problem(ProblemKind::search_index, SearchIndex::path_in("").string(), *search);
    }
    size_t digests_recorded = 0;
    if (repair_requested) {
        if (auto repaired = repair(); !repaired) {
            return std::unexpected(repaired.error());
        }
        // After the articles and versions: a re-linked response is pointed to by its version.
        if (auto linked = link_responses(*unlinked); !linked) {
            return std::unexpected(linked.error());
        }
        auto recorded = record_missing_digests(m_db.get(), m_root);
        if (!recorded) {
            return std::unexpected(VerifyError{recorded.error()});
        }
        digests_recorded = *recorded;
        report_mends();
    }
    std::string counts;
    for (size_t kind = 0; kind < k_problem_kinds; ++kind) {
        if (m_report.counts[kind] > 0) {
            counts += fmt::format("{}{} {}", counts.empty() ? ": " : ", ", to_string(static_cast<ProblemKind>(kind)),
                                  m_report.counts[kind]);
        }
    }
    m_out << "summary\t" << one_field(m_root.string()) << '\t' << m_report.files_checked << " files checked, "
          << (m_report.warc_records_checked > 0
                  ? std::to_string(m_report.warc_records_checked) + " WARC records checked"
                        + (warc->without_digest > 0
                               ? fmt::format(" ({} without a SHA-256 kept in the ledger{})", warc->without_digest,
                                             repair_requested ? fmt::format(", {} now recorded", digests_recorded)
                                                              : ": verify --repair records them")
                               : std::string())
                        + ", "
                  : std::string())
          << (leftovers > 0 ? fmt::format("{} stored responses without a fetch row, left by saves cut short ({}), ",
                                          leftovers, repair_requested ? "now recorded" : "verify --repair records them")
                            : std::string())
          << m_report.problems.size() << " problems" << counts;
    if (repair_requested) {
        m_out << "; " << m_report.repairs.size() << " ledger repairs";
    }
    m_out << '\n';
    return std::move(m_report);
}

// Depth first, each folder's entries in name order, so that reports are reproducible; only
// one folder's listing is held at a time per level.
void Verifier::walk(const fs::path& dir, const std::string& relative)
{
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        entries.push_back(*it);
    }
    if (ec) {
        problem(ProblemKind::unreadable, relative.empty() ? "." : relative, "cannot list folder: " + ec.message());
    }
    std::ranges::sort(entries, {}, [](const fs::directory_entry& e) { return e.path().filename(); });
    for (const auto& entry : entries) {
        auto name = entry.path().filename().string();
        auto path = relative.empty() ? name : relative + "/" + name;
        if (entry.is_symlink(ec)) {
            // Never followed: a link could lead out of the archive or in a circle. Folders
            // and archive files behind one are reported, since they go unchecked.
            if (entry.is_directory(ec) || name.ends_with(".md")) {
                std::error_code read_ec;
                auto to = fs::read_symlink(entry.path(), read_ec);
                problem(ProblemKind::symlink, path,
                        "a symbolic link to " + to.string() + ": not followed, not checked");
            }
            continue;
        }
        if (relative.empty() && name == k_adopted_dir) {
            continue; // the old crawler's files, checked against the ledger by check_adopted_copies
        }
        if (relative.empty() && name == k_warc_dir) {
            continue; // the WARC files, read by find_unlinked_responses
        }
        if (entry.is_directory(ec)) {
            relative.empty() && name == Archive::k_temp_dir ? report_temp_files(entry.path())
                                                            : walk(entry.path(), path);
        } else if (name.ends_with(".md") && entry.is_regular_file(ec)) {
            check_file(path); // the ledger (*.sqlite3*) and other files are not archive files
        } else if (struct stat info{}; name.ends_with(".md") && ::lstat(entry.path().c_str(), &info) == 0) {
            // A FIFO or a device: never opened (a FIFO would block the read).
            problem(ProblemKind::unreadable, path,
                    std::string(file_kind(info.st_mode)) + ", not a regular file: not read");
        }
    }
}

// Temp files are only reported, never removed: their writer may still be alive. A crawl
// removes the temp files of writers that have exited when it opens the archive.
void Verifier::report_temp_files(const fs::path& dir)
{
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        names.push_back(it->path().filename().string());
    }
    std::ranges::sort(names);
    for (const auto& name : names) {
        problem(ProblemKind::temp_file, std::string(Archive::k_temp_dir) + "/" + name,
                "an unfinished write; the next crawl removes it once its writer has exited or it is an hour old");
    }
}

void Verifier::check_file(const std::string& relative)
{
    ++m_report.files_checked;
    auto mapped = map_archive_file(m_root, relative); // through no link, without blocking
    if (!mapped) {
        problem(ProblemKind::unreadable, relative, "cannot read the file: " + mapped.error());
        return;
    }
    auto facts = read_facts(std::string(mapped->bytes()), relative);
    auto indexed = m_index.find(relative);
    if (indexed == m_index.end()) {
        m_suspects.push_back(std::move(facts));
        return;
    }
    indexed->second.seen = true;
    bool agrees = facts.hash.empty() || std::ranges::all_of(indexed->second.rows, [&](const LedgerRow& row) {
                      return row.hash == facts.hash;
                  });
    if (!agrees) {
        m_suspects.push_back(std::move(facts));
    }
}

// Checks the file on its own (front matter, content hash) and gathers what the ledger
// checks and the repair need.
CheckedFile Verifier::read_facts(const std::string& text, const std::string& relative)
{
    CheckedFile facts;
    facts.path = relative;
    auto parsed = read_archive_file(text);
    if (!parsed) {
        auto where = parsed.error().line > 0 ? fmt::format("line {}: ", parsed.error().line) : std::string{};
        problem(ProblemKind::invalid_front_matter, relative, where + parsed.error().message);
        return facts;
    }
    const auto& front = parsed->front_matter;
    if (front.is_legacy()) {
        problem(ProblemKind::invalid_front_matter, relative, "an older crawler's front matter: " + front.legacy);
        return facts;
    }
    const auto* hash = front.find("content_hash");
    if (hash == nullptr || !is_hash(*hash)) {
        problem(ProblemKind::invalid_front_matter, relative,
                hash == nullptr ? "no content_hash" : "content_hash is not 64 lowercase hex digits");
        return facts;
    }
    facts.hash = *hash;
    if (!parsed->content) {
        problem(ProblemKind::modified, relative, "the body lacks the rules around the content");
        return facts;
    }
    if (auto actual = content_hash(*parsed->content); actual != *hash) {
        problem(ProblemKind::modified, relative,
                fmt::format("the content hashes to {}, the front matter says {}", actual, *hash));
        return facts;
    }
    facts.intact = true;
    auto name = parse_archive_name(fs::path(relative).filename().string());
    const auto* crawled_at = front.find("crawled_at");
    if (name && crawled_at != nullptr && !crawled_at->empty() && front.value("oid") == name->oid
        && front.value("aid") == name->aid && front.value("id") == name->oid + "_" + name->aid
        && (name->version_prefix.empty() || hash->starts_with(name->version_prefix)
            || record_hash(record_of(front).value_or(Record{})).starts_with(name->version_prefix))) {
        facts.article_id = name->oid + "_" + name->aid;
        facts.crawled_at = *crawled_at;
        facts.current_name = name->version_prefix.empty();
        if (auto differs =
                facts.current_name ? m_fields.differences(name->oid, name->aid, relative, front) : std::nullopt) {
            problem(ProblemKind::ledger_mismatch, relative, *differs);
        }
    }
    return facts;
}

// A crawl may run meanwhile: it renames a file into place before its ledger row commits.
// So what the first look at the ledger did not account for is judged against a fresh one.
std::expected<void, VerifyError> Verifier::check_ledger()
{
    bool all_seen = std::ranges::all_of(m_index, [](const auto& entry) { return entry.second.seen; });
    if (m_suspects.empty() && all_seen) {
        return {};
    }
    auto fresh = load_index();
    if (!fresh) {
        return std::unexpected(fresh.error());
    }
    for (const auto& suspect : m_suspects) {
        auto indexed = fresh->find(suspect.path);
        bool wrong = indexed == fresh->end();
        if (wrong) {
            problem(ProblemKind::orphan, suspect.path, "no ledger row names this file");
        }
        for (const auto& row : wrong ? std::span<const LedgerRow>{} : std::span(indexed->second.rows)) {
            if (!suspect.hash.empty() && row.hash != suspect.hash) {
                problem(ProblemKind::ledger_mismatch, suspect.path,
                        fmt::format("{} has content_hash {}, the file {}", describe(row), row.hash.value_or("NULL"),
                                    suspect.hash));
                wrong = true;
            }
        }
        if (wrong && suspect.intact && !suspect.article_id.empty()) {
            m_repairable.push_back(&suspect);
        }
    }
    std::vector<std::pair<std::string, const IndexedPath*>> missing;
    for (const auto& [path, entry] : *fresh) {
        auto first = m_index.find(path);
        std::error_code ec;
        if ((first == m_index.end() || !first->second.seen) && !fs::exists(m_root / path, ec)) {
            missing.emplace_back(path, &entry);
        }
    }
    std::ranges::sort(missing);
    for (const auto& [path, entry] : missing) {
        for (const auto& row : entry->rows) {
            problem(ProblemKind::missing, path, describe(row) + " names this file");
        }
    }
    return {};
}

// Whether the article's current version points to a stored response.
bool Verifier::has_stored_response(std::string_view oid, std::string_view aid)
{
    auto stmt = sql::prepare(m_db.get(), "SELECT 1 FROM articles a JOIN versions v ON v.article_id = a.id"
                                         " AND v.version = a.current_version JOIN fetches f ON f.id = v.fetch_id"
                                         " WHERE a.oid = ?1 AND a.aid = ?2 AND f.warc_file IS NOT NULL");
    return stmt && sql::Bound(stmt.get()).text(oid).text(aid).step() == SQLITE_ROW;
}

void Verifier::note_repairs(std::vector<Repair> done)
{
    for (auto& repair : done) {
        m_out << "repaired\t" << one_field(repair.path) << '\t' << one_field(repair.action) << '\n';
        m_report.repairs.push_back(std::move(repair));
    }
}

std::expected<void, VerifyError> Verifier::repair()
{
    std::map<std::string, std::vector<const CheckedFile*>> by_article;
    for (const auto* file : m_repairable) {
        by_article[file->article_id].push_back(file);
    }
    LedgerRepair repairer(m_db.get(), m_root);
    for (auto& [id, files] : by_article) {
        auto done = repairer.repair_article(std::move(files));
        if (!done) {
            return std::unexpected(done.error());
        }
        note_repairs(std::move(*done));
    }
    return {};
}

// "versions row N of ID" when the response is the one a version of its article first seen at
// that second should point to, and that version points to no stored response.
std::expected<std::optional<std::string>, VerifyError>
Verifier::version_without_response(const UnlinkedResponse& response)
{
    auto ref = parsers::parse_url(response.url);
    if (!ref || response.crawled_at.empty()) {
        return std::optional<std::string>{};
    }
    auto stmt = sql::prepare(m_db.get(), "SELECT v.version FROM versions v JOIN articles a ON a.id = v.article_id"
                                         " LEFT JOIN fetches f ON f.id = v.fetch_id"
                                         " WHERE a.oid = ?1 AND a.aid = ?2 AND v.first_seen = ?3"
                                         " AND f.warc_file IS NULL ORDER BY v.version LIMIT 1");
    if (!stmt) {
        return std::unexpected(error("cannot read versions"));
    }
    int rc = sql::Bound(stmt.get()).text(ref->oid).text(ref->aid).text(response.crawled_at).step();
    if (rc == SQLITE_DONE) {
        return std::optional<std::string>{};
    }
    if (rc != SQLITE_ROW) {
        return std::unexpected(error("cannot read versions"));
    }
    return std::optional<std::string>(
        fmt::format("versions row {} of {}", sqlite3_column_int64(stmt.get(), 0), ref->id()));
}

std::expected<void, VerifyError> Verifier::link_responses(const std::vector<UnlinkedResponse>& unlinked)
{
    LedgerRepair repairer(m_db.get(), m_root);
    for (const auto& response : unlinked) {
        auto done = repairer.link_response(response);
        if (!done) {
            return std::unexpected(done.error());
        }
        note_repairs(std::move(*done));
    }
    return {};
}

// Repair changes ledger rows only; every other problem gets a line saying how it is mended.
void Verifier::report_mends()
{
    std::set<std::string> repaired;
    for (const auto& done : m_report.repairs) {
        repaired.insert(done.path);
    }
    MendContext context{m_root,
                        [this](std::string_view oid, std::string_view aid) { return has_stored_response(oid, aid); }};
    for (const auto& found : m_report.problems) {
        if (!repaired.contains(found.path)) {
            m_out << "mend\t" << one_field(found.path) << '\t' << one_field(how_to_mend(found, context)) << '\n';
        }
    }
}

} // namespace

std::string_view to_string(ProblemKind kind)
{
    switch (kind) {
    case ProblemKind::invalid_front_matter:
        return "invalid_front_matter";
    case ProblemKind::modified:
        return "modified";
    case ProblemKind::orphan:
        return "orphan";
    case ProblemKind::ledger_mismatch:
        return "ledger_mismatch";
    case ProblemKind::missing:
        return "missing";
    case ProblemKind::temp_file:
        return "temp_file";
    case ProblemKind::unreadable:
        return "unreadable";
    case ProblemKind::warc_record:
        return "warc_record";
    case ProblemKind::symlink:
        return "symlink";
    case ProblemKind::search_index:
        return "search_index";
    }
    return "unknown";
}

std::expected<VerifyReport, VerifyError> verify_archive(const VerifyOptions& options, std::ostream& out)
{
    std::error_code ec;
    if (!fs::is_directory(options.archive, ec)) {
        return std::unexpected(VerifyError{"archive folder not found: " + options.archive.string()});
    }
    auto ledger_path = options.ledger.empty() ? options.archive / "ledger.sqlite3" : options.ledger;
    if (!options.repair && !fs::exists(ledger_path, ec)) {
        return std::unexpected(VerifyError{"ledger not found: " + ledger_path.string()
                                           + " (verify --repair rebuilds one from the archive's files)"});
    }
    // Without --repair the ledger is only read, so that a read-only archive (a mounted
    // backup) can be verified. With it, Ledger::open creates or migrates the ledger, and
    // verify then works on its own connection.
    if (!options.repair) {
        auto read_only = open_ledger_read_only(ledger_path);
        if (!read_only) {
            return std::unexpected(VerifyError{read_only.error()});
        }
        return Verifier(options, std::move(*read_only), out).run(false);
    }
    if (auto ledger = Ledger::open(ledger_path); !ledger) {
        return std::unexpected(VerifyError{ledger.error().message});
    }
    auto connection = sql::k_article_data;
    connection.create = false;
    auto db = sql::open_connection(ledger_path, connection);
    if (!db) {
        return std::unexpected(VerifyError{"cannot open ledger " + ledger_path.string() + ": " + db.error().message});
    }
    return Verifier(options, std::move(*db), out).run(options.repair);
}

} // namespace sillok::daemon
