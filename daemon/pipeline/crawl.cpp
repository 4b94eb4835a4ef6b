#include "daemon/pipeline/crawl.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/front_matter.hpp"
#include "daemon/archive/record.hpp"
#include "daemon/pipeline/article_pool.hpp"
#include "daemon/util/digest.hpp"
#include "daemon/util/kst.hpp"
#include "parsers/article.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <set>

namespace sillok::daemon {
namespace {

StorageError storage_error(std::string message) { return StorageError{std::move(message)}; }

} // namespace

// The outcome of a planned save once the ledger recorded it.
ArticleReport settled_report(const PlannedSave& planned, SaveResult recorded)
{
    auto report = planned.report;
    if (!planned.version) {
        return report;
    }
    if (recorded == SaveResult::already_current) {
        report.outcome = planned.same_record ? Outcome::saved : Outcome::unchanged;
    } else if (planned.earlier_rules) {
        if (*planned.earlier_rules != parsers::k_content_rules_version) {
            spdlog::info("{}: new content under content rules v{} (was v{})", report.id,
                         parsers::k_content_rules_version, *planned.earlier_rules);
        }
        report.outcome = Outcome::updated;
    }
    return report;
}

namespace {

} // namespace

std::string_view to_string(Outcome outcome)
{
    switch (outcome) {
    case Outcome::saved:
        return "saved";
    case Outcome::unchanged:
        return "unchanged";
    case Outcome::updated:
        return "updated";
    case Outcome::gone:
        return "gone";
    case Outcome::skipped:
        return "skipped";
    case Outcome::failed:
        return "failed";
    }
    return "failed";
}

namespace {

HttpExchange exchange_of(const FetchResult& fetched)
{
    return HttpExchange{fetched.final_url,     fetched.fetched_at, fetched.request_head,
                        fetched.response_head, fetched.body,       fetched.peer_ip};
}

// Whether the keeper has a place for this response and it is not kept yet.
bool keepable(const ResponseKeeper& keeper, const FetchResult& fetched)
{
    return keeper.writer != nullptr && keeper.mode != WarcMode::off && !fetched.response_head.empty()
           && !fetched.attempts.empty() && fetched.attempts.back().warc_file.empty();
}

} // namespace

std::expected<void, StorageError> ArticlePipeline::keep_response(FetchResult& fetched,
                                                                 std::vector<std::string>* prepared)
{
    if (!keepable(m_keeper, fetched)) {
        return {};
    }
    std::expected<WarcRef, IoError> kept;
    if (prepared == nullptr) {
        kept = m_keeper.writer->write_exchange(exchange_of(fetched));
    } else {
        if (prepared->empty()) { // not prepared (or it failed there): built here
            auto members = exchange_members(exchange_of(fetched));
            if (!members) {
                return std::unexpected(storage_error(members.error()));
            }
            *prepared = std::move(*members);
        }
        kept = m_keeper.writer->append_members(*prepared);
        std::vector<std::string>().swap(*prepared);
    }
    if (!kept) {
        return std::unexpected(storage_error(kept.error().message));
    }
    auto& attempt = fetched.attempts.back();
    attempt.warc_file = kept->file;
    attempt.warc_offset = kept->offset;
    attempt.warc_length = kept->length;
    attempt.warc_sha256 = kept->sha256;
    return {};
}

std::expected<ArticleReport, StorageError> ArticlePipeline::process(const parsers::ArticleRef& ref,
                                                                    FetchResult&& fetched)
{
    std::vector<PreparedFetch> batch;
    batch.push_back(prepare(ref, std::move(fetched)));
    return std::move(commit(batch).front());
}

PreparedFetch ArticlePipeline::prepare_record(FetchResult&& fetched, bool yielded_articles) const
{
    PreparedFetch prepared;
    prepared.fetched = std::move(fetched);
    prepared.yielded_articles = yielded_articles;
    prepare_warc(prepared);
    return prepared;
}

PreparedFetch ArticlePipeline::prepare(const parsers::ArticleRef& ref, FetchResult&& fetched) const
{
    auto prepared = decide(ref, std::move(fetched));
    prepare_warc(prepared);
    return prepared;
}

void ArticlePipeline::prepare_warc(PreparedFetch& item) const
{
    if (!keepable(m_keeper, item.fetched)) {
        return;
    }
    bool may_keep = m_keeper.mode == WarcMode::all || item.keep_failed_response
                    || (item.ref ? item.article.has_value() : item.yielded_articles);
    if (!may_keep) {
        return;
    }
    // A failure here leaves the members empty: the writer builds them again and reports it.
    if (auto members = exchange_members(exchange_of(item.fetched))) {
        item.warc_members = std::move(*members);
    }
}

namespace {

PreparedFetch decided(PreparedFetch prepared, Outcome outcome, std::string reason)
{
    prepared.decided = outcome;
    prepared.reason = std::move(reason);
    return prepared;
}

} // namespace

PreparedFetch ArticlePipeline::decide(const parsers::ArticleRef& ref, FetchResult&& fetched) const
{
    PreparedFetch prepared;
    prepared.ref = ref;
    prepared.fetched = std::move(fetched);
    const auto& result = prepared.fetched;
    if (result.error) {
        const auto& error = *result.error;
        if (error.kind == FetchErrorKind::off_site_redirect
            && parsers::is_sports_or_entertainment_host(parsers::host_of(result.redirect_target))) {
            auto reason = "sports or entertainment article (moved to " + parsers::host_of(result.redirect_target) + ")";
            return decided(std::move(prepared), Outcome::skipped, std::move(reason));
        }
        if (error.kind == FetchErrorKind::http_status && (result.status == 404 || result.status == 410)) {
            auto reason = "HTTP " + std::to_string(result.status);
            return decided(std::move(prepared), Outcome::gone, std::move(reason));
        }
        auto reason = std::string(to_string(error.kind)) + ": " + error.message;
        return decided(std::move(prepared), Outcome::failed, std::move(reason));
    }
    // The page that answered is archived under its own id only: a redirect to another
    // article must not file that article's text under the id that was asked for.
    if (auto answered = parsers::parse_url(result.final_url); answered && *answered != ref) {
        auto reason = "redirected_to_other_article: " + ref.id() + " redirected to " + answered->id();
        return decided(std::move(prepared), Outcome::failed, std::move(reason));
    }
    auto page = parsers::parse_article(result.body, result.final_url, &prepared.extract);
    prepared.parsed = true;
    if (!page) {
        const auto& error = page.error();
        auto reason = std::string(parsers::to_string(error.kind)) + ": " + error.message;
        switch (error.kind) {
        case parsers::PageErrorKind::gone:
            return decided(std::move(prepared), Outcome::gone, std::move(reason));
        case parsers::PageErrorKind::sports_or_entertainment:
            return decided(std::move(prepared), Outcome::skipped, std::move(reason));
        default:
            // A page that failed to parse is kept, to be archived by a later parser (reparse --failed).
            prepared.keep_failed_response = true;
            return decided(std::move(prepared), Outcome::failed, std::move(reason));
        }
    }
    page->ref = ref; // the page was served for this ref, whatever URL form it came from
    prepared.hash = content_hash(page->content);
    prepared.rendered = render_archive_file(*page, prepared.hash, kst_iso(result.fetched_at));
    prepared.article = std::move(*page);
    if (m_keeper.writer == nullptr || m_keeper.mode == WarcMode::off) {
        std::string().swap(prepared.fetched.body); // not kept: the memory goes back now
    }
    return prepared;
}

std::expected<void, StorageError> ArticlePipeline::record_fetches(const std::vector<FetchRecord>& attempts)
{
    if (attempts.empty()) {
        return {};
    }
    if (auto recorded = m_ledger.record_fetches(attempts); !recorded) {
        return std::unexpected(storage_error(recorded.error().message));
    }
    return {};
}

std::expected<void, StorageError> ArticlePipeline::keep_no_article(FetchResult& fetched, bool yielded_articles,
                                                                   std::vector<std::string>* prepared)
{
    if (m_keeper.mode == WarcMode::all || (m_keeper.mode == WarcMode::versions && yielded_articles)) {
        return keep_response(fetched, prepared);
    }
    return {};
}

std::expected<void, StorageError> ArticlePipeline::record_response(FetchResult& fetched, bool kept_with_versions)
{
    if (auto kept = keep_no_article(fetched, kept_with_versions); !kept) {
        return std::unexpected(kept.error());
    }
    return record_fetches(fetched.attempts);
}

std::expected<void, StorageError> ArticlePipeline::keep_source(VersionSource& source)
{
    if (source.fetched != nullptr) {
        return keep_response(*source.fetched, source.warc_members);
    }
    if (source.record == nullptr || m_keeper.writer == nullptr || source.attempts.empty()) {
        return {};
    }
    auto kept = m_keeper.writer->write_record(*source.record);
    if (!kept) {
        return std::unexpected(storage_error(kept.error().message));
    }
    auto& attempt = source.attempts.back();
    attempt.warc_file = kept->file;
    attempt.warc_offset = kept->offset;
    attempt.warc_length = kept->length;
    attempt.warc_sha256 = kept->sha256;
    return {};
}

namespace {

// Whether the front matter holds the article's fields (crawled_at aside), as written.
bool written_fields_match(const FrontMatter& front, const parsers::Article& article)
{
    const std::array<std::pair<std::string_view, std::optional<std::string>>, 11> expected = {{
        {"id", article.ref.id()},
        {"title", article.title},
        {"category", article.category},
        {"publisher", article.publisher},
        {"author", article.author},
        {"published_at", article.published_at},
        {"url", article.ref.canonical_url()},
        {"oid", article.ref.oid},
        {"aid", article.ref.aid},
        {"modified_at", article.modified_at},
        {"original_url", article.original_url},
    }};
    return std::ranges::all_of(expected, [&](const auto& field) { return front.value(field.first) == field.second; });
}

} // namespace

std::expected<ArticleReport, StorageError> ArticlePipeline::save(const parsers::Article& article, VersionSource& source)
{
    // From the ledger read to the ledger write, no other process saves an article here.
    auto lock = m_archive.lock_saves();
    if (!lock) {
        return std::unexpected(storage_error(lock.error().message));
    }
    if (auto in_place = m_ledger.still_in_place(); !in_place) {
        return std::unexpected(storage_error(in_place.error().message));
    }
    auto planned = plan_save(article, source, {});
    if (!planned) {
        return std::unexpected(planned.error());
    }
    if (planned->file) {
        if (auto written = m_archive.write_group({*planned->file}); !written) {
            return std::unexpected(storage_error(written.error().message));
        }
    }
    if (!planned->write) {
        return planned->report;
    }
    auto recorded = m_ledger.record_batch({*planned->write});
    if (!recorded) {
        return std::unexpected(storage_error(recorded.error().message));
    }
    return settled_report(*planned, recorded->front());
}

namespace {

// When captured_at is older than what the ledger knows of the article's present text (its
// current version's first_seen, or its last check when later): that time; nullopt otherwise.
std::expected<std::optional<std::string>, StorageError> older_than_current(Ledger& ledger,
                                                                           const parsers::ArticleRef& ref,
                                                                           const StoredArticle& current,
                                                                           const std::string& captured_at)
{
    auto history = ledger.versions(ref);
    if (!history) {
        return std::unexpected(storage_error(history.error().message));
    }
    auto captured = parse_kst_iso(captured_at);
    std::optional<std::string> known_since;
    std::optional<WallClock::time_point> known_at;
    auto later = [&](const std::string& time) {
        auto at = parse_kst_iso(time);
        if (at && (!known_at || *at > *known_at)) {
            known_at = at;
            known_since = time;
        }
    };
    for (const auto& version : *history) {
        if (version.version == current.current_version) {
            later(version.first_seen);
        }
    }
    later(current.last_checked);
    if (captured && known_at && *captured < *known_at) {
        return known_since;
    }
    return std::optional<std::string>{};
}

} // namespace

// A capture older than what the ledger knows of the article's current text (known at
// last_seen) is placed in the history by its capture time, never made current. Its text is
// that of the version in force then (the last one first seen at or before it): that version
// seen again, nothing to record but the fetch. Else the text of the version first seen next:
// that version seen earlier, its first_seen moves back to the capture. Else an earlier
// version: its file kept beside the current one under the version name crawl gives a kept
// version, its row not current, the article's current fields and file untouched.
std::expected<PlannedSave, StorageError> ArticlePipeline::plan_earlier(const parsers::Article& article,
                                                                       VersionSource& source,
                                                                       const StoredArticle& current,
                                                                       const std::string& last_seen)
{
    const auto& ref = article.ref;
    auto hash = content_hash(article.content);
    const auto& captured_at = source.crawled_at;
    auto& attempts = source.attempts;
    auto history = m_ledger.versions(ref);
    if (!history) {
        return std::unexpected(storage_error(history.error().message));
    }
    auto captured = parse_kst_iso(captured_at);
    const StoredVersion* before = nullptr;
    const StoredVersion* after = nullptr;
    std::optional<WallClock::time_point> before_at;
    std::optional<WallClock::time_point> after_at;
    for (const auto& version : *history) {
        auto seen = parse_kst_iso(version.first_seen);
        if (!seen || !captured) {
            continue;
        }
        if (*seen <= *captured && (!before_at || *seen >= *before_at)) {
            before = &version;
            before_at = seen;
        } else if (*seen > *captured && (!after_at || *seen < *after_at)) {
            after = &version;
            after_at = seen;
        }
    }
    auto is_current = [&](const StoredVersion& version) { return version.version == current.current_version; };
    auto file_of = [&](const StoredVersion& version) {
        return is_current(version) ? current.path.value_or("") : version.path;
    };
    auto name_of = [&](const StoredVersion& version) {
        return is_current(version) ? std::string("the current version") : "version " + std::to_string(version.version);
    };
    if (before && before->content_hash == hash) {
        PlannedSave seen{FetchesWrite{attempts},
                         {Outcome::unchanged, ref.id(), file_of(*before), hash, {}, article.published_at}};
        seen.report.reason = is_current(*before)
                                 ? "an earlier capture of the current version (known at " + last_seen + ")"
                                 : "an earlier capture of version " + std::to_string(before->version) + " (first seen "
                                       + before->first_seen + ")";
        return seen;
    }
    if (after && after->content_hash == hash) {
        // The capture is the evidence of the earlier first_seen: its response is kept.
        if (auto kept = keep_source(source); !kept) {
            return std::unexpected(kept.error());
        }
        PlannedSave seen{SeenEarlierWrite{ref, after->version, captured_at, attempts},
                         {Outcome::unchanged, ref.id(), file_of(*after), hash, {}, article.published_at}};
        seen.report.reason = "an earlier capture of " + name_of(*after) + ": first seen now " + captured_at + " (was "
                             + after->first_seen + ")";
        return seen;
    }
    auto base = current.path.value_or(archive_relative_path(article));
    auto this_record = record_hash(record_of(article, hash));
    auto path = version_relative_path(base, this_record);
    // A file of this record already there (the same text kept for another version) is reused.
    std::optional<Archive::FileWrite> file;
    auto on_disk = m_archive.read(path);
    if (!on_disk || !read_intact_file(*on_disk, hash) || file_record_hash(*on_disk) != this_record) {
        file = Archive::FileWrite{path, render_archive_file(article, hash, captured_at)};
    }
    if (auto kept = keep_source(source); !kept) {
        return std::unexpected(kept.error());
    }
    SavedVersion saved{article, hash, path, captured_at, std::nullopt, std::nullopt, source.origin, true};
    PlannedSave planned{VersionWrite{saved, attempts},
                        {Outcome::saved, ref.id(), path, hash, {}, article.published_at}};
    planned.report.reason = after && !is_current(*after)
                                ? "an earlier version: captured " + captured_at + ", before version "
                                      + std::to_string(after->version) + " was first seen (" + after->first_seen
                                      + "); version " + std::to_string(current.current_version) + " stays current"
                                : "an earlier version: captured " + captured_at + ", before version "
                                      + std::to_string(current.current_version) + " was last seen (" + last_seen
                                      + "), which stays current";
    planned.file = std::move(file);
    return planned;
}

std::expected<PlannedSave, StorageError> ArticlePipeline::plan_save(const parsers::Article& article,
                                                                    VersionSource& source, std::string rendered)
{
    const auto& ref = article.ref;
    auto hash = content_hash(article.content);
    auto path = archive_relative_path(article);
    const auto& crawled_at = source.crawled_at;
    auto& attempts = source.fetched != nullptr ? source.fetched->attempts : source.attempts;
    auto stored = m_ledger.find(ref);
    if (!stored) {
        return std::unexpected(storage_error(stored.error().message));
    }
    const auto& current = *stored;
    // An imported capture takes its place in the history by its capture time: one older than
    // what the ledger knows of the article's text (its current version, its last check) never
    // replaces it.
    if (source.origin == "import" && current && current->content_hash) {
        auto older = older_than_current(m_ledger, ref, *current, crawled_at);
        if (!older) {
            return std::unexpected(older.error());
        }
        if (*older) {
            return plan_earlier(article, source, *current, **older);
        }
    }
    auto record = record_of(article, hash);
    auto this_record = record_hash(record);
    bool same_record = current && current->record == record && current->path;
    if (same_record) {
        path = *current->path;
    }

    // Whatever sits at the target path with another record is an earlier version: keep it,
    // named by the record it holds (after a crash it may not be the ledger's).
    std::optional<std::string> previous_path;
    if (current && current->record && current->path && !same_record) {
        previous_path = version_relative_path(*current->path, record_hash(*current->record));
    }
    if (auto on_disk = m_archive.read(path)) {
        auto disk_record = file_record_hash(*on_disk);
        // The ledger's record is the truth: a file whose front matter claims it but whose
        // content or fields do not match it was damaged, and is written again.
        auto read_back = read_intact_file(*on_disk, hash);
        bool intact = read_back && written_fields_match(read_back->front_matter, article);
        if (same_record && intact) {
            PlannedSave unchanged{std::nullopt, {Outcome::unchanged, ref.id(), path, hash, {}, article.published_at}};
            if (!attempts.empty()) {
                unchanged.write = UnchangedWrite{ref, crawled_at, attempts};
            }
            return unchanged;
        }
        if (same_record && !intact) {
            spdlog::warn("{}: file {} does not hold the record the ledger holds; rewriting it", ref.id(), path);
        }
        // A file that should hold the ledger's current record and does not is damaged, not a
        // version: it is written over.
        if (!same_record && disk_record != this_record) {
            if (auto kept = m_archive.keep_as(path, version_relative_path(path, disk_record)); !kept) {
                return std::unexpected(storage_error(kept.error().message));
            }
        }
    } else if (same_record) {
        spdlog::warn("{}: file {} was missing; rewriting it", ref.id(), path);
    }
    if (previous_path && *current->path != path) {
        // The publication date moved: the earlier file leaves its old name for a version name.
        if (auto old_file = m_archive.read(*current->path)) {
            auto kept = m_archive.keep_as(*current->path,
                                          version_relative_path(*current->path, file_record_hash(*old_file)), true);
            if (!kept) {
                return std::unexpected(storage_error(kept.error().message));
            }
        }
    }
    if (previous_path && !m_archive.exists(*previous_path)) {
        spdlog::warn("{}: the file of version {} ({}) is missing from the archive", ref.id(), current->current_version,
                     *previous_path);
    }

    if (auto kept = keep_source(source); !kept) { // the response of a new version
        return std::unexpected(kept.error());
    }
    if (rendered.empty()) {
        rendered = render_archive_file(article, hash, crawled_at);
    }
    PlannedSave planned{
        VersionWrite{SavedVersion{article, hash, path, crawled_at, previous_path, source.fetch_id, source.origin},
                     attempts},
        {Outcome::saved, ref.id(), path, hash, {}, article.published_at},
        true,
        same_record,
        std::nullopt};
    if (current && current->content_hash) {
        planned.earlier_rules = current->rules_version;
    }
    planned.file = Archive::FileWrite{path, std::move(rendered)};
    return planned;
}

} // namespace sillok::daemon
