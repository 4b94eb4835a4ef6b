// ArticlePipeline's group commit: a batch of prepared fetches becomes files (each flushed)
// and then one ledger transaction.
#include "daemon/pipeline/crawl.hpp"
#include "daemon/util/kst.hpp"

#include <spdlog/spdlog.h>

#include <set>

namespace sillok::daemon {
namespace {

StorageError storage_error(std::string message) { return StorageError{std::move(message)}; }

// The fetch rows of a decided outcome; a page that answered 200 but is no article carries
// the reason in its fetch record.
std::vector<FetchRecord> decided_attempts(const PreparedFetch& item)
{
    auto attempts = item.fetched.attempts;
    if (item.decided == Outcome::failed && !attempts.empty() && attempts.back().error.empty()) {
        attempts.back().error = item.reason;
    }
    return attempts;
}

// How the batch's pages were read, for the ledger's extractions counts.
ExtractCounts extract_counts(const std::vector<PreparedFetch>& batch, size_t first, size_t last)
{
    ExtractCounts counts{iso_date(kst_today(wall_now()))};
    for (auto i = first; i < last; ++i) {
        const auto& item = batch[i];
        if (!item.parsed) {
            continue;
        }
        if (item.extract.whole_page) {
            ++counts.whole_page;
            counts.last_fallback = std::string(item.extract.fallback_why);
            spdlog::info("{}: parsed the whole page ({})", item.ref ? item.ref->id() : item.fetched.url,
                         item.extract.fallback_why);
        } else if (item.article) {
            ++counts.regions;
        }
    }
    return counts;
}

} // namespace

std::expected<PlannedSave, StorageError> ArticlePipeline::plan(PreparedFetch& item)
{
    if (!item.ref) {
        if (auto kept = keep_no_article(item.fetched, item.yielded_articles, &item.warc_members); !kept) {
            return std::unexpected(kept.error());
        }
        return PlannedSave{FetchesWrite{item.fetched.attempts}, {}};
    }
    if (m_keeper.mode == WarcMode::all || item.keep_failed_response) {
        if (auto kept = keep_response(item.fetched, &item.warc_members); !kept) {
            return std::unexpected(kept.error());
        }
    }
    const auto& ref = *item.ref;
    if (item.decided) {
        ArticleReport report{*item.decided, ref.id(), {}, {}, item.reason, {}};
        if (*item.decided == Outcome::failed) {
            return PlannedSave{FetchesWrite{decided_attempts(item)}, std::move(report)};
        }
        StateWrite state{ref, *item.decided == Outcome::gone ? "gone" : "skipped", item.reason,
                         kst_iso(item.fetched.fetched_at), decided_attempts(item)};
        return PlannedSave{std::move(state), std::move(report)};
    }
    VersionSource source{kst_iso(item.fetched.fetched_at), &item.fetched};
    source.warc_members = &item.warc_members;
    return plan_save(*item.article, source, std::move(item.rendered));
}

size_t ArticlePipeline::commit_run(std::vector<PreparedFetch>& batch, size_t first,
                                   std::vector<std::expected<ArticleReport, StorageError>>& results)
{
    std::vector<PlannedSave> planned;
    std::set<parsers::ArticleRef> in_run;
    auto last = first;
    std::optional<StorageError> failure;
    for (; last < batch.size(); ++last) {
        auto& item = batch[last];
        if (item.ref && !in_run.insert(*item.ref).second) {
            break; // the article again: planned after this run is recorded
        }
        auto one = plan(item);
        if (!one) {
            failure = one.error();
            break;
        }
        planned.push_back(std::move(*one));
    }
    // Files first, flushed together; the ledger records only what is on disk.
    std::vector<Archive::FileWrite> files;
    std::vector<LedgerWrite> writes;
    for (auto& each : planned) {
        if (each.file) {
            files.push_back(std::move(*each.file));
        }
        if (each.write) {
            writes.push_back(*each.write);
        }
    }
    // The run's WARC records, appended unsynced as planned, reach the disk before any file.
    auto synced = m_keeper.writer != nullptr ? m_keeper.writer->sync() : std::expected<void, IoError>{};
    auto written =
        synced ? m_archive.write_group(files) : std::expected<void, IoError>(std::unexpected(synced.error()));
    if (!written) {
        for (auto i = first; i < batch.size(); ++i) {
            results[i] = std::unexpected(storage_error(written.error().message));
        }
        return batch.size();
    }
    auto counts = extract_counts(batch, first, first + planned.size());
    std::vector<ExtractCounts> extracts;
    if (counts.regions + counts.whole_page > 0) {
        extracts.push_back(std::move(counts));
    }
    auto recorded = writes.empty() && extracts.empty() ? std::expected<std::vector<SaveResult>, LedgerError>{}
                                                       : m_ledger.record_batch(writes, extracts);
    size_t next_write = 0;
    for (size_t i = 0; i < planned.size(); ++i) {
        if (!recorded) {
            results[first + i] = std::unexpected(storage_error(recorded.error().message));
        } else if (planned[i].write) {
            results[first + i] = settled_report(planned[i], (*recorded)[next_write++]);
        } else {
            results[first + i] = planned[i].report;
        }
    }
    if (!failure && !recorded) {
        failure = storage_error(recorded.error().message);
    }
    if (failure) {
        for (auto i = last; i < batch.size(); ++i) {
            results[i] = std::unexpected(*failure);
        }
        return batch.size();
    }
    return last;
}

std::vector<std::expected<ArticleReport, StorageError>> ArticlePipeline::commit(std::vector<PreparedFetch>& batch)
{
    std::vector<std::expected<ArticleReport, StorageError>> results(batch.size(),
                                                                    std::unexpected(storage_error("not recorded")));
    if (batch.empty()) {
        return results;
    }
    // From the ledger reads to the ledger write, no other process saves an article here.
    auto lock = m_archive.lock_saves();
    auto in_place = lock ? m_ledger.still_in_place() : std::expected<void, LedgerError>{};
    if (!lock || !in_place) {
        auto message = !lock ? lock.error().message : in_place.error().message;
        std::ranges::fill(results, std::unexpected(storage_error(message)));
        return results;
    }
    for (size_t first = 0; first < batch.size();) {
        first = commit_run(batch, first, results);
    }
    return results;
}

} // namespace sillok::daemon
