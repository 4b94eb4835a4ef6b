#pragma once
// The crawl command: the given articles, each fetched once, through the pipeline.
#include "daemon/commands/comment_snapshots.hpp"
#include "daemon/config/config.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "parsers/article_ref.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

namespace sillok::daemon {

struct CrawlArguments {
    std::vector<std::string> articles; // bare arguments: URLs or OID_AID ids
    std::vector<std::string> urls;     // --url, the same
    std::string url_file;
    bool skip_invalid = false;
    bool skip_archived = false;
    std::string refresh_older_than; // a duration; empty: every article is fetched
};

CLI::App* add_crawl_command(CLI::App& app, CrawlArguments& arguments);
// Every article is checked before any request is made. Returns the exit code.
int run_crawl_command(const Config& config, const CrawlArguments& arguments, const std::atomic<bool>* stop);

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
