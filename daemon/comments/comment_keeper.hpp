#pragma once
// A walked snapshot kept: its raw answers (WARC and fetch rows, by the caller's rule), the
// comments file beside the article, then the ledger, in that order, under the archive's save
// lock: no ledger row points to a file not yet written.
#include "daemon/archive/archive.hpp"
#include "daemon/comments/comment_ledger.hpp"
#include "daemon/comments/comment_walk.hpp"
#include "daemon/util/error.hpp"

#include <functional>
#include <string>

namespace sillok::daemon {

struct CommentStores {
    Archive& archive;
    CommentLedger& ledger;
    bool author_ids = false; // comments_author_ids
    // Records a page's fetch rows and keeps its raw answer as the `warc` mode says;
    // `yielded`: the page listed new or changed comments (kept with `versions`).
    std::function<Result<>(FetchResult& fetched, bool yielded)> keep_response;
};

struct KeptSnapshot {
    SnapshotOutcome outcome = SnapshotOutcome::failed;
    std::string reason;
    std::int64_t comments = 0;     // listed by this snapshot
    std::int64_t new_versions = 0; // comments new or changed
    std::string file;              // relative to the archive; empty: none written
    std::string sha256;
};

Result<KeptSnapshot> keep_snapshot(CommentStores& stores, CommentWalk& walk);

} // namespace sillok::daemon
