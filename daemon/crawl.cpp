#include "daemon/crawl.hpp"

#include "daemon/archive_format.hpp"
#include "daemon/digest.hpp"
#include "daemon/front_matter.hpp"
#include "daemon/kst.hpp"
#include "daemon/record.hpp"
#include "parsers/article.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <iostream>
#include <set>

namespace sillok::daemon {
namespace {

constexpr size_t k_progress_every = 50;


StorageError storage_error(std::string message) { return StorageError{std::move(message)}; }

} // namespace

std::string_view to_string(Outcome outcome)
{
    switch (outcome) {
    case Outcome::saved: return "saved";
    case Outcome::unchanged: return "unchanged";
    case Outcome::updated: return "updated";
    case Outcome::gone: return "gone";
    case Outcome::skipped: return "skipped";
    case Outcome::failed: return "failed";
    }
    return "failed";
}

std::expected<void, StorageError> ArticlePipeline::keep_response(FetchResult& fetched)
{
    if (m_keeper.writer == nullptr || m_keeper.mode == WarcMode::off || fetched.response_head.empty()
        || fetched.attempts.empty() || !fetched.attempts.back().warc_file.empty()) {
        return {};
    }
    auto kept = m_keeper.writer->write_exchange(HttpExchange{fetched.final_url, fetched.fetched_at,
                                                             fetched.request_head, fetched.response_head,
                                                             fetched.body, fetched.peer_ip});
    if (!kept) {
        return std::unexpected(storage_error(kept.error().message));
    }
    auto& attempt = fetched.attempts.back();
    attempt.warc_file = kept->file;
    attempt.warc_offset = kept->offset;
    attempt.warc_length = kept->length;
    return {};
}

std::expected<ArticleReport, StorageError> ArticlePipeline::process(const parsers::ArticleRef& ref,
                                                                    FetchResult&& fetched)
{
    if (m_keeper.mode == WarcMode::all) {
        if (auto kept = keep_response(fetched); !kept) {
            return std::unexpected(kept.error());
        }
    }
    if (fetched.error) {
        const auto& error = *fetched.error;
        if (error.kind == FetchErrorKind::off_site_redirect
            && parsers::is_sports_or_entertainment_host(parsers::host_of(fetched.redirect_target))) {
            return record_state(ref, Outcome::skipped,
                                "sports or entertainment article (moved to " + parsers::host_of(fetched.redirect_target) + ")",
                                fetched);
        }
        if (error.kind == FetchErrorKind::http_status && (fetched.status == 404 || fetched.status == 410)) {
            return record_state(ref, Outcome::gone, "HTTP " + std::to_string(fetched.status), fetched);
        }
        return record_state(ref, Outcome::failed, std::string(to_string(error.kind)) + ": " + error.message, fetched);
    }
    // The page that answered is archived under its own id only: a redirect to another
    // article must not file that article's text under the id that was asked for.
    if (auto answered = parsers::parse_url(fetched.final_url); answered && *answered != ref) {
        return record_state(ref, Outcome::failed,
                            "redirected_to_other_article: " + ref.id() + " redirected to " + answered->id(), fetched);
    }
    auto page = parsers::parse_article(fetched.body, fetched.final_url);
    if (!page) {
        const auto& error = page.error();
        auto reason = std::string(parsers::to_string(error.kind)) + ": " + error.message;
        switch (error.kind) {
        case parsers::PageErrorKind::gone: return record_state(ref, Outcome::gone, reason, fetched);
        case parsers::PageErrorKind::sports_or_entertainment: return record_state(ref, Outcome::skipped, reason, fetched);
        default:
            // A page that failed to parse is kept, to be archived by a later parser (reparse --failed).
            if (auto kept = keep_response(fetched); !kept) {
                return std::unexpected(kept.error());
            }
            return record_state(ref, Outcome::failed, reason, fetched);
        }
    }
    page->ref = ref; // the page was served for this ref, whatever URL form it came from
    VersionSource source{kst_iso(fetched.fetched_at), &fetched};
    return save(*page, source);
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

std::expected<void, StorageError> ArticlePipeline::record_response(FetchResult& fetched, bool kept_with_versions)
{
    if (m_keeper.mode == WarcMode::all || (m_keeper.mode == WarcMode::versions && kept_with_versions)) {
        if (auto kept = keep_response(fetched); !kept) {
            return std::unexpected(kept.error());
        }
    }
    return record_fetches(fetched.attempts);
}

std::expected<ArticleReport, StorageError> ArticlePipeline::record_state(const parsers::ArticleRef& ref,
                                                                         Outcome outcome, std::string reason,
                                                                         const FetchResult& fetched)
{
    auto checked_at = kst_iso(fetched.fetched_at);
    // A page that answered 200 but is no article: its fetch record carries the reason.
    auto attempts = fetched.attempts;
    if (outcome == Outcome::failed && !attempts.empty() && attempts.back().error.empty()) {
        attempts.back().error = reason;
    }
    auto recorded = outcome == Outcome::failed
        ? m_ledger.record_fetches(attempts)
        : m_ledger.record_state(ref, outcome == Outcome::gone ? "gone" : "skipped", reason, checked_at, attempts);
    if (!recorded) {
        return std::unexpected(storage_error(recorded.error().message));
    }
    return ArticleReport{outcome, ref.id(), {}, {}, std::move(reason), {}};
}

std::expected<void, StorageError> ArticlePipeline::keep_source(VersionSource& source)
{
    if (source.fetched != nullptr) {
        return keep_response(*source.fetched);
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

std::expected<ArticleReport, StorageError> ArticlePipeline::save(const parsers::Article& article,
                                                                 VersionSource& source)
{
    const auto& ref = article.ref;
    auto hash = content_hash(article.content);
    auto path = archive_relative_path(article);
    const auto& crawled_at = source.crawled_at;
    auto& attempts = source.fetched != nullptr ? source.fetched->attempts : source.attempts;
    // From the ledger read to the ledger write, no other process saves an article here.
    auto lock = m_archive.lock_saves();
    if (!lock) {
        return std::unexpected(storage_error(lock.error().message));
    }
    if (auto in_place = m_ledger.still_in_place(); !in_place) {
        return std::unexpected(storage_error(in_place.error().message));
    }
    auto stored = m_ledger.find(ref);
    if (!stored) {
        return std::unexpected(storage_error(stored.error().message));
    }
    const auto& current = *stored;
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
            if (attempts.empty()) {
                return ArticleReport{Outcome::unchanged, ref.id(), path, hash, {}, article.published_at};
            }
            if (auto done = m_ledger.record_unchanged(ref, crawled_at, attempts); !done) {
                return std::unexpected(storage_error(done.error().message));
            }
            return ArticleReport{Outcome::unchanged, ref.id(), path, hash, {}, article.published_at};
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
        spdlog::warn("{}: the file of version {} ({}) is missing from the archive", ref.id(),
                     current->current_version, *previous_path);
    }

    if (auto kept = keep_source(source); !kept) { // the response of a new version
        return std::unexpected(kept.error());
    }
    if (auto written = m_archive.write(path, render_archive_file(article, hash, crawled_at)); !written) {
        return std::unexpected(storage_error(written.error().message));
    }
    auto recorded = m_ledger.record_version(
        SavedVersion{article, hash, path, crawled_at, previous_path, source.fetch_id, source.origin}, attempts);
    if (!recorded) {
        return std::unexpected(storage_error(recorded.error().message));
    }
    if (*recorded == SaveResult::already_current) {
        return ArticleReport{same_record ? Outcome::saved : Outcome::unchanged, ref.id(), path, hash, {},
                             article.published_at};
    }
    if (current && current->content_hash) {
        if (current->rules_version != parsers::k_content_rules_version) {
            spdlog::info("{}: new content under content rules v{} (was v{})", ref.id(),
                         parsers::k_content_rules_version, current->rules_version);
        }
        return ArticleReport{Outcome::updated, ref.id(), path, hash, {}, article.published_at};
    }
    return ArticleReport{Outcome::saved, ref.id(), path, hash, {}, article.published_at};
}

namespace {

// The crawl command's work: the given refs, each fetched once, reported as they finish.
class CrawlFeed final : public FetchFeed {
public:
    CrawlFeed(ArticlePipeline& pipeline, const std::vector<parsers::ArticleRef>& refs, std::ostream& out,
              const std::atomic<bool>* stop)
        : m_pipeline(pipeline), m_out(out), m_stop(stop)
    {
        std::set<parsers::ArticleRef> seen;
        for (const auto& ref : refs) {
            if (seen.insert(ref).second) {
                m_refs.push_back(ref);
            }
        }
    }

    std::vector<FetchRequest> take(size_t room) override
    {
        std::vector<FetchRequest> requests;
        while (requests.size() < room && m_next < m_refs.size()) {
            requests.push_back(FetchRequest{m_refs[m_next].canonical_url(), m_next});
            ++m_next;
        }
        return requests;
    }

    void done(FetchResult&& fetched) override
    {
        const auto& ref = m_refs.at(fetched.tag);
        auto report = m_storage_failure ? std::unexpected(*m_storage_failure) : m_pipeline.process(ref, std::move(fetched));
        if (!report) {
            m_storage_failure = report.error();
            report = ArticleReport{Outcome::failed, ref.id(), {}, {}, "storage: " + report.error().message, {}};
        }
        ++m_counts[report->outcome];
        m_out << to_string(report->outcome) << '\t' << report->id << '\t' << report->path << '\t' << report->hash;
        if (!report->reason.empty()) {
            m_out << '\t' << report->reason;
        }
        m_out << std::endl;
        if (++m_done % k_progress_every == 0 && m_done < m_refs.size()) {
            spdlog::info("progress: {}/{} articles done, {} failed", m_done, m_refs.size(), m_counts[Outcome::failed]);
        }
    }

    [[nodiscard]] bool exhausted() const override { return m_next >= m_refs.size(); }
    [[nodiscard]] bool stopping() const override
    {
        return m_storage_failure.has_value() || (m_stop != nullptr && m_stop->load());
    }

    int finish()
    {
        spdlog::info("crawl finished: {} saved, {} updated, {} unchanged, {} gone, {} skipped, {} failed",
                     m_counts[Outcome::saved], m_counts[Outcome::updated], m_counts[Outcome::unchanged],
                     m_counts[Outcome::gone], m_counts[Outcome::skipped], m_counts[Outcome::failed]);
        if (m_storage_failure) {
            std::cerr << "sillok: error: archive or ledger not writable: " << m_storage_failure->message << '\n';
            return k_exit_io;
        }
        return m_counts[Outcome::failed] > 0 ? k_exit_some_failed : k_exit_ok;
    }

private:
    ArticlePipeline& m_pipeline;
    std::ostream& m_out;
    const std::atomic<bool>* m_stop;
    std::vector<parsers::ArticleRef> m_refs;
    size_t m_next = 0;
    size_t m_done = 0;
    std::map<Outcome, size_t> m_counts;
    std::optional<StorageError> m_storage_failure;
};

} // namespace

int run_crawl(ArticlePipeline& pipeline, Fetcher& fetcher, const std::vector<parsers::ArticleRef>& refs,
              std::ostream& out, const std::atomic<bool>* stop)
{
    CrawlFeed feed(pipeline, refs, out, stop);
    fetcher.run(feed);
    return feed.finish();
}

} // namespace sillok::daemon
