#pragma once
// The crawl command: the given articles, each fetched once, through the pipeline.
#include "daemon/commands/comment_snapshots.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "parsers/article_ref.hpp"

#include <atomic>
#include <iosfwd>
#include <vector>

namespace sillok::daemon {

// Archives each ref, parsing on `workers` threads (0: one per core); prints one
// tab-separated line per ref on out. Then, with comments (mode not off), a snapshot of the
// comments of each article that is archived (saved, updated or unchanged), one line each.
// Returns the exit code (the worse of the two parts).
int run_crawl(ArticlePipeline& pipeline, Fetcher& fetcher, const std::vector<parsers::ArticleRef>& refs,
              std::ostream& out, const std::atomic<bool>* stop, unsigned workers = 0);
int run_crawl(ArticlePipeline& pipeline, Archive& archive, Fetcher& fetcher,
              const std::vector<parsers::ArticleRef>& refs, const CommentsOptions& comments, std::ostream& out,
              const std::atomic<bool>* stop, unsigned workers = 0);

} // namespace sillok::daemon
