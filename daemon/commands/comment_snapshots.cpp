#include "daemon/commands/comment_snapshots.hpp"

#include "daemon/comments/comment_keeper.hpp"
#include "daemon/util/exit_codes.hpp"
#include "parsers/text.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>

namespace sillok::daemon {

int take_comment_snapshots(ArticlePipeline& pipeline, Archive& archive, Fetcher& fetcher,
                           const std::vector<parsers::ArticleRef>& refs, const CommentsOptions& options,
                           std::ostream& out, const std::atomic<bool>* stop)
{
    if (options.mode == CommentsMode::off || refs.empty()) {
        return k_exit_ok;
    }
    auto ledger = CommentLedger::open(options.ledger);
    if (!ledger) {
        std::cerr << "sillok: error: " << ledger.error().message << '\n';
        return k_exit_io;
    }
    CommentStores stores{archive, *ledger, options.author_ids, [&](FetchResult& fetched, bool yielded) -> Result<> {
                             if (auto kept = pipeline.record_response(fetched, yielded); !kept) {
                                 return std::unexpected(Error{ErrorKind::storage, kept.error().message});
                             }
                             return {};
                         }};
    std::optional<Error> storage_failure;
    std::size_t failed = 0;
    auto finished = [&](CommentWalk& walk) {
        if (storage_failure) {
            return;
        }
        auto kept = keep_snapshot(stores, walk);
        if (!kept) {
            storage_failure = kept.error();
            return;
        }
        if (kept->outcome == SnapshotOutcome::failed || kept->outcome == SnapshotOutcome::incomplete) {
            ++failed;
        }
        out << "comments\t" << walk.ref().id() << '\t' << to_string(kept->outcome) << '\t' << kept->comments << '\t'
            << (kept->file.empty() ? "-" : kept->file);
        if (!kept->reason.empty()) {
            out << '\t' << parsers::quoted_for_message(kept->reason, 600);
        }
        out << std::endl;
    };
    // The command's stop, or a storage failure, ends the walks.
    CommentFeed feed(refs, options.mode, finished,
                     [&] { return storage_failure.has_value() || (stop != nullptr && stop->load()); });
    fetcher.run(feed);
    if (storage_failure) {
        std::cerr << "sillok: error: archive or ledger not writable: " << storage_failure->message << '\n';
        return k_exit_io;
    }
    if (stop != nullptr && stop->load()) {
        return k_exit_ok; // the crawl's own result says it was interrupted
    }
    return failed > 0 ? k_exit_some_failed : k_exit_ok;
}

} // namespace sillok::daemon
