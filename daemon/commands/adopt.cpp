#include "daemon/commands/adopt.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/front_matter.hpp"
#include "daemon/archive/record.hpp"
#include "daemon/commands/adopt_recrawl.hpp"
#include "daemon/config/stores.hpp"
#include "daemon/ledger/adoptions.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/util/digest.hpp"
#include "daemon/util/exit_codes.hpp"
#include "parsers/old_layout.hpp"
#include "parsers/text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <ostream>
#include <set>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

constexpr size_t k_copy_hash_prefix = 12;
// The old crawler's files are a few kilobytes; a file this large is something else.
constexpr uintmax_t k_max_old_file = uintmax_t{16} << 20;

// A file name or ledger path as a line of output may show it: escaped like every message
// that quotes outside text, never cut (a path is bounded by the system).
std::string shown(std::string_view text) { return parsers::quoted_for_message(text, SIZE_MAX); }

enum class FileOutcome { adopted, unchanged, skipped, failed };

std::string_view to_string(FileOutcome outcome)
{
    switch (outcome) {
    case FileOutcome::adopted:
        return "adopted";
    case FileOutcome::unchanged:
        return "unchanged";
    case FileOutcome::skipped:
        return "skipped";
    case FileOutcome::failed:
        return "failed";
    }
    return "failed";
}

struct FileReport {
    FileOutcome outcome = FileOutcome::failed;
    std::string source;
    std::optional<parsers::ArticleRef> ref;
    std::string path; // the archive file holding the adopted content
    std::string hash;
    std::string note; // why skipped or failed; how an adopted version was recorded
};

bool is_inside(const fs::path& path, const fs::path& folder)
{
    auto relative = path.lexically_relative(folder);
    return !relative.empty() && *relative.begin() != "..";
}

// Every *.md file below the folders (symlinked folders are not followed) and every file
// given by name, in name order; never a file inside the archive itself.
std::expected<std::vector<fs::path>, std::string> collect_files(const std::vector<fs::path>& sources,
                                                                const fs::path& archive)
{
    std::error_code ec;
    auto archive_root = fs::weakly_canonical(archive, ec);
    std::set<fs::path> files;
    for (const auto& source : sources) {
        auto canonical = fs::weakly_canonical(source, ec);
        if (ec || !fs::exists(canonical, ec)) {
            return std::unexpected("no such file or folder: " + parsers::quoted_for_message(source.string(), SIZE_MAX));
        }
        if (!fs::is_directory(canonical, ec)) {
            files.insert(canonical);
            continue;
        }
        for (fs::recursive_directory_iterator it(canonical, ec), end; !ec && it != end; it.increment(ec)) {
            if (is_inside(it->path(), archive_root)) {
                it.disable_recursion_pending();
                continue;
            }
            if (it->path().extension() == ".md" && it->is_regular_file(ec)) {
                files.insert(it->path());
            }
        }
        if (ec) {
            return std::unexpected("cannot list " + parsers::quoted_for_message(source.string(), SIZE_MAX) + ": "
                                   + ec.message());
        }
    }
    return std::vector<fs::path>(files.begin(), files.end());
}

// Where an adopted current version lives: by publication date, like every file; a file
// whose old publication time was empty has no date to go by.
std::string adopted_path(const parsers::Article& article)
{
    if (article.published_at.size() >= 10) {
        return archive_relative_path(article);
    }
    return "undated/" + article.ref.id() + ".md";
}

class Adopter {
public:
    Adopter(Archive& archive, Ledger& ledger, Adoptions& adoptions)
        : m_archive(archive), m_ledger(ledger), m_adoptions(adoptions)
    {
    }

    std::expected<FileReport, StorageError> adopt(const fs::path& file);

private:
    std::expected<std::string, StorageError> keep_copy(const parsers::ArticleRef& ref, std::string_view bytes,
                                                       std::string_view sha256);
    std::expected<void, StorageError> write_once(const std::string& path, const std::string& bytes,
                                                 std::string_view hash);
    std::expected<FileReport, StorageError> save(const parsers::OldArchiveFile& old, const AdoptedSource& source,
                                                 FileReport report);
    std::expected<void, LedgerError> make_current(const parsers::OldArchiveFile& old, const AdoptedSource& source,
                                                  std::string_view adopted_at, const StoredArticle& current,
                                                  const std::string& hash, FileReport& report);

    Archive& m_archive;
    Ledger& m_ledger;
    Adoptions& m_adoptions;
};

StorageError storage_error(std::string message) { return StorageError{std::move(message)}; }

std::expected<FileReport, StorageError> Adopter::adopt(const fs::path& file)
{
    FileReport report;
    report.source = file.string();
    std::error_code ec;
    if (auto size = fs::file_size(file, ec); !ec && size > k_max_old_file) {
        report.outcome = FileOutcome::skipped;
        report.note = fmt::format("not in the old layout: {} bytes, far more than any article file", size);
        return report;
    }
    auto bytes = read_file_bytes(file);
    if (!bytes) {
        report.note = "cannot read the file";
        return report;
    }
    auto sha256 = sha256_hex(*bytes);
    auto known = m_adoptions.find(sha256);
    if (!known) {
        return std::unexpected(storage_error(known.error().message));
    }
    if (*known) {
        report.outcome = FileOutcome::unchanged;
        report.ref = **known;
        return report;
    }
    auto old = parsers::read_old_layout(*bytes);
    if (!old) {
        report.outcome = FileOutcome::skipped;
        report.note = "not in the old layout: "
                      + (old.error().line > 0 ? fmt::format("line {}: ", old.error().line) : std::string{})
                      + old.error().message;
        return report;
    }
    // The reader holds times to the calendar and 1990-2099; a crawl cannot be later than now
    // (a day's leeway for a clock that was off). Such a file would become every later file's
    // current version.
    if (auto crawled = parse_kst_iso(old->crawled_at); !crawled || *crawled > wall_now() + std::chrono::days(1)) {
        report.outcome = FileOutcome::skipped;
        report.note = "crawled_at " + old->crawled_at + " is in the future";
        return report;
    }
    report.ref = old->article.ref;
    auto copy = keep_copy(old->article.ref, *bytes, sha256);
    if (!copy) {
        return std::unexpected(copy.error());
    }
    return save(*old,
                AdoptedSource{fs::absolute(file).lexically_normal().string(), sha256, old->old_content_hash, *copy},
                std::move(report));
}

// adopted/<oid>_<aid>.md, or adopted/<oid>_<aid>.<sha256[0:12]>.md when another old file of
// the same article holds that name. A copy with the same bytes is reused.
std::expected<std::string, StorageError> Adopter::keep_copy(const parsers::ArticleRef& ref, std::string_view bytes,
                                                            std::string_view sha256)
{
    for (auto name : {ref.id() + ".md", ref.id() + "." + std::string(sha256.substr(0, k_copy_hash_prefix)) + ".md"}) {
        auto path = std::string(k_adopted_dir) + "/" + name;
        auto existing = m_archive.read(path);
        if (existing && *existing == bytes) {
            return path;
        }
        if (!existing) {
            if (auto written = m_archive.write(path, bytes); !written) {
                return std::unexpected(storage_error(written.error().message));
            }
            return path;
        }
    }
    return std::unexpected(storage_error("adopted/" + ref.id() + ".md and its hashed name hold other bytes"));
}

// Writes an archive file unless the file there already holds this content.
std::expected<void, StorageError> Adopter::write_once(const std::string& path, const std::string& bytes,
                                                      std::string_view hash)
{
    if (auto on_disk = m_archive.read(path)) {
        auto disk_hash = front_matter_hash(*on_disk).value_or(sha256_hex(*on_disk));
        if (disk_hash == hash) {
            return {};
        }
        // A file the ledger does not name (a crash before its row): it is kept, by its hash.
        if (auto kept = m_archive.keep_as(path, version_relative_path(path, disk_hash)); !kept) {
            return std::unexpected(storage_error(kept.error().message));
        }
    }
    if (auto written = m_archive.write(path, bytes); !written) {
        return std::unexpected(storage_error(written.error().message));
    }
    return {};
}

std::expected<FileReport, StorageError> Adopter::save(const parsers::OldArchiveFile& old, const AdoptedSource& source,
                                                      FileReport report)
{
    const auto& article = old.article;
    auto hash = content_hash(article.content);
    auto adopted_at = kst_iso(wall_now());
    auto lock = m_archive.lock_saves();
    // Another process may have adopted the same file meanwhile.
    auto known = lock ? m_adoptions.find(source.source_sha256) : std::unexpected(LedgerError{lock.error().message, 0});
    auto stored = known ? m_ledger.find(article.ref) : std::unexpected(known.error());
    if (!stored) {
        return std::unexpected(storage_error(stored.error().message));
    }
    if (*known) {
        report.outcome = FileOutcome::unchanged;
        return report;
    }
    const auto& current = *stored;
    bool has_content = current && current->content_hash && current->path;
    std::expected<std::optional<int>, LedgerError> same = std::optional<int>{};
    if (has_content) {
        same = m_adoptions.version_with_hash(article.ref, hash);
    }
    if (!same) {
        return std::unexpected(storage_error(same.error().message));
    }
    report.outcome = FileOutcome::adopted;
    report.hash = hash;
    if (hash != old.old_content_hash) {
        // The old crawler hashed the same decoded text: the file was edited after its crawl.
        spdlog::warn("{}: its content does not hash to its content_hash {}", shown(report.source),
                     old.old_content_hash);
        report.note = "the content does not hash to the old content_hash (edited after its crawl?)";
    }
    std::expected<void, LedgerError> recorded;
    auto add_note = [&report](std::string_view note) {
        report.note += (report.note.empty() ? "" : "; ") + std::string(note);
    };
    if (!has_content) {
        report.path = adopted_path(article);
        if (auto written = write_once(report.path, render_archive_file(article, hash, old.crawled_at), hash);
            !written) {
            return std::unexpected(written.error());
        }
        recorded = m_adoptions.record(AdoptedVersion{article, hash, report.path, old.crawled_at, AdoptedAs::current},
                                      source, adopted_at);
    } else {
        // The article's history goes by time: the old file's content is current only when it
        // was crawled after the current content was last seen, whoever saw it. When the
        // ledger's times do not read, the current version stays.
        auto last_seen = m_adoptions.current_last_seen(article.ref);
        if (!last_seen) {
            return std::unexpected(storage_error(last_seen.error().message));
        }
        auto crawled = parse_kst_iso(old.crawled_at);
        bool newer = crawled && *last_seen && *crawled > **last_seen;
        bool same_as_current = *current->content_hash == hash;
        if (same_as_current || (*same && !newer)) {
            // The text is already a version: only where this file came from is recorded.
            int version = same_as_current ? current->current_version : **same;
            report.path = *current->path;
            add_note(fmt::format("same content as version {}", version));
            recorded = m_adoptions.record_existing(article.ref, version, source, adopted_at);
        } else if (newer) {
            // Newer than the current version, even when an older version had the same text:
            // the article went back to it.
            recorded = make_current(old, source, adopted_at, *current, hash, report);
            add_note(
                fmt::format("current: crawled {}, after version {} was last seen ({}), which is kept as an "
                            "earlier version{}",
                            old.crawled_at, current->current_version, kst_iso(**last_seen),
                            *same ? fmt::format("; the text went back to that of version {}", **same) : std::string{}));
        } else {
            report.path = version_relative_path(*current->path, hash);
            add_note(*last_seen ? fmt::format("an earlier version: crawled {}, before version {} was last seen ({}), "
                                              "which stays current",
                                              old.crawled_at, current->current_version, kst_iso(**last_seen))
                                : fmt::format("an earlier version: crawled {}; version {} has times that do not read"
                                              " and stays current",
                                              old.crawled_at, current->current_version));
            if (auto written = write_once(report.path, render_archive_file(article, hash, old.crawled_at), hash);
                !written) {
                return std::unexpected(written.error());
            }
            recorded = m_adoptions.record(
                AdoptedVersion{article, hash, report.path, old.crawled_at, AdoptedAs::earlier}, source, adopted_at);
        }
    }
    if (!recorded) {
        return std::unexpected(storage_error(recorded.error().message));
    }
    return report;
}

// The old file's content becomes the current version of an article that has one: the
// current file is kept under its version name first, the new file written, the ledger moved
// in one transaction, and only then the current file's own name given up (when the new
// file lives elsewhere), so that no step leaves the ledger naming a file that is gone.
std::expected<void, LedgerError> Adopter::make_current(const parsers::OldArchiveFile& old, const AdoptedSource& source,
                                                       std::string_view adopted_at, const StoredArticle& current,
                                                       const std::string& hash, FileReport& report)
{
    const auto& article = old.article;
    const auto& current_path = *current.path;
    auto previous =
        version_relative_path(current_path, current.record ? record_hash(*current.record) : *current.content_hash);
    auto io = [](std::string message) { return std::unexpected(LedgerError{std::move(message), 0}); };
    if (m_archive.exists(current_path)) {
        if (auto kept = m_archive.keep_as(current_path, previous); !kept) {
            return io(kept.error().message);
        }
    }
    report.path = adopted_path(article);
    auto rendered = render_archive_file(article, hash, old.crawled_at);
    if (report.path == current_path) {
        if (auto written = m_archive.write(report.path, rendered); !written) {
            return io(written.error().message);
        }
    } else if (auto written = write_once(report.path, rendered, hash); !written) {
        return io(written.error().message);
    }
    AdoptedVersion adopted{article, hash, report.path, old.crawled_at, AdoptedAs::current, previous};
    if (auto recorded = m_adoptions.record(adopted, source, adopted_at); !recorded) {
        return recorded;
    }
    if (report.path != current_path && m_archive.exists(current_path)) {
        if (auto removed = m_archive.keep_as(current_path, previous, true); !removed) {
            return io(removed.error().message);
        }
    }
    return {};
}

// The note is made of adopt's own words and the reader's messages, which quote what they
// name; the file name and the paths are escaped here.
void print(std::ostream& out, const FileReport& report)
{
    out << to_string(report.outcome) << '\t' << shown(report.source) << '\t' << (report.ref ? report.ref->id() : "")
        << '\t' << shown(report.path) << '\t' << report.hash;
    if (!report.note.empty()) {
        out << '\t' << report.note;
    }
    out << '\n';
}

} // namespace

int run_adopt(const Config& config, const AdoptRequest& request, std::ostream& out, const std::atomic<bool>* stop)
{
    auto files = collect_files(request.sources, config.archive);
    if (!files) {
        return fail(k_exit_usage, files.error());
    }
    auto stores = open_stores(config);
    if (!stores) {
        return fail(stores.error());
    }
    auto adoptions = Adoptions::open(config.ledger_path());
    if (!adoptions) {
        return fail(k_exit_io, adoptions.error().message);
    }
    Adopter adopter(stores->archive, stores->ledger, *adoptions);
    std::map<FileOutcome, size_t> counts;
    std::vector<parsers::ArticleRef> refs;
    for (const auto& file : *files) {
        if (stop != nullptr && stop->load()) {
            break;
        }
        auto report = adopter.adopt(file);
        if (!report) {
            out << std::flush;
            return fail(k_exit_io, "archive or ledger not writable: " + report.error().message);
        }
        ++counts[report->outcome];
        if (report->ref) {
            refs.push_back(*report->ref);
        }
        print(out, *report);
    }
    auto problems = counts[FileOutcome::skipped] + counts[FileOutcome::failed];
    out << "summary\t" << files->size() << " files: " << counts[FileOutcome::adopted] << " adopted, "
        << counts[FileOutcome::unchanged] << " unchanged, " << counts[FileOutcome::skipped] << " skipped, "
        << counts[FileOutcome::failed] << " failed" << std::endl;
    int code = problems > 0 ? k_exit_some_failed : k_exit_ok;
    if (stop != nullptr && stop->load()) {
        return k_exit_tempfail;
    }
    if (request.recrawl) {
        int recrawled = recrawl_adopted(config, *stores, *adoptions, refs, out, stop);
        code = recrawled != k_exit_ok ? recrawled : code;
    }
    return code;
}

} // namespace sillok::daemon
