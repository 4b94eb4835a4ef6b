#include "daemon/commands/adopt.hpp"

#include "daemon/commands/adopt_recrawl.hpp"
#include "daemon/ledger/adoptions.hpp"
#include "daemon/archive/archive_format.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/util/digest.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/archive/front_matter.hpp"
#include "daemon/config/stores.hpp"
#include "parsers/old_layout.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

constexpr size_t k_copy_hash_prefix = 12;
// The old crawler's files are a few kilobytes; a file this large is something else.
constexpr uintmax_t k_max_old_file = uintmax_t{16} << 20;

enum class FileOutcome { adopted, unchanged, skipped, failed };

std::string_view to_string(FileOutcome outcome)
{
    switch (outcome) {
    case FileOutcome::adopted: return "adopted";
    case FileOutcome::unchanged: return "unchanged";
    case FileOutcome::skipped: return "skipped";
    case FileOutcome::failed: return "failed";
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
            return std::unexpected("no such file or folder: " + source.string());
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
            return std::unexpected("cannot list " + source.string() + ": " + ec.message());
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
            + (old.error().line > 0 ? fmt::format("line {}: ", old.error().line) : std::string{}) + old.error().message;
        return report;
    }
    report.ref = old->article.ref;
    auto copy = keep_copy(old->article.ref, *bytes, sha256);
    if (!copy) {
        return std::unexpected(copy.error());
    }
    return save(*old, AdoptedSource{fs::absolute(file).lexically_normal().string(), sha256, old->old_content_hash, *copy},
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
        spdlog::warn("{}: its content does not hash to its content_hash {}", report.source, old.old_content_hash);
        report.note = "the content does not hash to the old content_hash (edited after its crawl?)";
    }
    std::expected<void, LedgerError> recorded;
    if (*same) {
        report.path = *current->path;
        report.note += fmt::format("{}same content as version {}", report.note.empty() ? "" : "; ", **same);
        recorded = m_adoptions.record_existing(article.ref, **same, source, adopted_at);
    } else {
        auto as = has_content ? AdoptedAs::earlier : AdoptedAs::current;
        report.path = has_content ? version_relative_path(*current->path, hash) : adopted_path(article);
        if (has_content) {
            report.note += (report.note.empty() ? "" : "; ") + std::string("an earlier version; the crawled version stays current");
        }
        if (auto written = write_once(report.path, render_archive_file(article, hash, old.crawled_at), hash); !written) {
            return std::unexpected(written.error());
        }
        recorded = m_adoptions.record(AdoptedVersion{article, hash, report.path, old.crawled_at, as}, source, adopted_at);
    }
    if (!recorded) {
        return std::unexpected(storage_error(recorded.error().message));
    }
    return report;
}

void print(std::ostream& out, const FileReport& report)
{
    out << to_string(report.outcome) << '\t' << report.source << '\t' << (report.ref ? report.ref->id() : "") << '\t'
        << report.path << '\t' << report.hash;
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
