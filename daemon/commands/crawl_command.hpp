#pragma once
// The crawl command: the given articles, each fetched once, through the pipeline.
#include "daemon/fetch/fetcher.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "parsers/article_ref.hpp"

#include <atomic>
#include <iosfwd>
#include <vector>

namespace sillok::daemon {

// Archives each ref, parsing on `workers` threads (0: one per core); prints one
// tab-separated line per ref on out. Returns the exit code.
int run_crawl(ArticlePipeline& pipeline, Fetcher& fetcher, const std::vector<parsers::ArticleRef>& refs,
              std::ostream& out, const std::atomic<bool>* stop, unsigned workers = 0);

} // namespace sillok::daemon
