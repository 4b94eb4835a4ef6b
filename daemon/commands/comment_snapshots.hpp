#pragma once
// Snapshots of the comments of archived articles (`crawl --comments counts|all`): walked
// through the one Fetcher (the comment API's host on the shared per-host budget), each kept
// as comment_keeper says, the raw answers recorded by the pipeline like listing pages.
#include "daemon/comments/comment_walk.hpp"
#include "daemon/pipeline/crawl.hpp"

#include <atomic>
#include <filesystem>
#include <iosfwd>
#include <vector>

namespace sillok::daemon {

struct CommentsOptions {
    CommentsMode mode = CommentsMode::off;
    bool author_ids = false;
    std::filesystem::path ledger; // the ledger file (the comments' own connection)
};

// One line per article on out: "comments", the id, the snapshot's outcome, the comments
// listed, the file written ("-" when none) and the reason when not complete. Returns the
// exit code: 0, 1 when a snapshot failed or is incomplete, 74 when the archive or ledger
// cannot be written.
int take_comment_snapshots(ArticlePipeline& pipeline, Archive& archive, Fetcher& fetcher,
                           const std::vector<parsers::ArticleRef>& refs, const CommentsOptions& options,
                           std::ostream& out, const std::atomic<bool>* stop);

} // namespace sillok::daemon
