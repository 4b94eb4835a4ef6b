// Extraction speed: parse_article (the production extraction) against a bare whole-page
// libxml2 htmlReadMemory of the same pages, on one thread. Prints, per page and in total,
// articles/s and MB/s of each, their ratio and how each page was read (its regions alone,
// or the whole page, with the reason). The last line is
//   extract: <N> articles/s, full parse: <M> pages/s, ratio <R>
// Pages: the files given on the command line (folders: their *.html), by default the saved
// article pages in the fixtures folder. A page named <oid>_<aid>.html is read as served
// from that article's URL.
#include "parsers/article.hpp"

#include <climits>
#include <libxml/HTMLparser.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Page {
    std::string name;
    std::string url;
    std::string bytes;
};

struct Options {
    std::vector<fs::path> inputs;
    double seconds = 2.0; // measuring time per page and side
    long passes = 0;      // fixed number of passes instead (for callgrind); 0: by time
    bool extract_only = false;
    bool full_only = false;
};

std::string url_for(const std::string& stem)
{
    const auto underscore = stem.find('_');
    if (underscore == 3 && stem.size() > 4) {
        return "https://n.news.naver.com/mnews/article/" + stem.substr(0, 3) + "/" + stem.substr(4, stem.find('.') - 4);
    }
    return "https://n.news.naver.com/mnews/article/001/0000000001";
}

std::vector<Page> load_pages(const std::vector<fs::path>& inputs)
{
    std::vector<fs::path> files;
    for (const auto& input : inputs) {
        if (fs::is_directory(input)) {
            for (const auto& entry : fs::directory_iterator(input)) {
                if (entry.path().extension() == ".html") {
                    files.push_back(entry.path());
                }
            }
        } else {
            files.push_back(input);
        }
    }
    std::ranges::sort(files);
    std::vector<Page> pages;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "extract: cannot read %s\n", file.c_str());
            std::exit(74);
        }
        std::ostringstream bytes;
        bytes << in.rdbuf();
        pages.push_back(Page{file.filename().string(), url_for(file.stem().string()), bytes.str()});
    }
    return pages;
}

// The baseline: libxml2 builds the whole page's tree, as parse_html does for UTF-8 pages.
[[gnu::noinline]] void bare_parse(const Page& page)
{
    xmlDoc* doc = htmlReadMemory(page.bytes.data(), static_cast<int>(page.bytes.size()), nullptr, "UTF-8",
                                 HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET
                                     | HTML_PARSE_IGNORE_ENC);
    xmlFreeDoc(doc);
}

[[gnu::noinline]] void extract(const Page& page)
{
    auto article = sillok::parsers::parse_article(page.bytes, page.url);
    if (!article) {
        std::fprintf(stderr, "extract: %s: %s\n", page.name.c_str(), article.error().message.c_str());
    }
}

// Seconds per call of work(page): repeated for the given time (or a fixed number of passes).
template <typename Work>
double seconds_per_call(const Page& page, const Options& options, Work work)
{
    long calls = 0;
    const auto start = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    do {
        work(page);
        ++calls;
    } while (options.passes > 0 ? calls < options.passes : elapsed() < options.seconds);
    return elapsed() / static_cast<double>(calls);
}

Options parse_options(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--seconds" && i + 1 < argc) {
            options.seconds = std::atof(argv[++i]);
        } else if (arg == "--passes" && i + 1 < argc) {
            options.passes = std::atol(argv[++i]);
        } else if (arg == "--extract-only") {
            options.extract_only = true;
        } else if (arg == "--full-only") {
            options.full_only = true;
        } else if (arg.starts_with("-")) {
            std::fprintf(stderr,
                         "usage: extract [--seconds S | --passes N] [--extract-only | --full-only] [PAGE|FOLDER]...\n");
            std::exit(64);
        } else {
            options.inputs.emplace_back(arg);
        }
    }
    if (options.inputs.empty()) {
        const char* fixtures = std::getenv("SILLOK_FIXTURES");
        options.inputs.emplace_back(fs::path(fixtures != nullptr ? fixtures : SILLOK_FIXTURES_DIR) / "naver"
                                    / "article");
    }
    return options;
}

} // namespace

int main(int argc, char** argv)
{
    const auto options = parse_options(argc, argv);
    const auto pages = load_pages(options.inputs);
    if (pages.empty()) {
        std::fprintf(stderr, "extract: no pages\n");
        return 64;
    }
    double extract_total = 0;
    double full_total = 0;
    double megabytes = 0;
    int whole_pages = 0;
    std::printf("%-28s %8s %12s %9s %12s %9s %7s  %s\n", "page", "KB", "articles/s", "MB/s", "full pages/s", "MB/s",
                "ratio", "read");
    for (const auto& page : pages) {
        sillok::parsers::ExtractStats stats;
        (void)sillok::parsers::parse_article(page.bytes, page.url, &stats);
        whole_pages += stats.whole_page ? 1 : 0;
        const double mb = static_cast<double>(page.bytes.size()) / 1e6;
        const double extract_s = options.full_only ? 0 : seconds_per_call(page, options, extract);
        const double full_s = options.extract_only ? 0 : seconds_per_call(page, options, bare_parse);
        extract_total += extract_s;
        full_total += full_s;
        megabytes += mb;
        const std::string read = stats.whole_page ? "whole page: " + std::string(stats.fallback_why) : "regions";
        std::printf("%-28s %8.1f %12.1f %9.1f %12.1f %9.1f %7.2f  %s\n", page.name.c_str(),
                    static_cast<double>(page.bytes.size()) / 1024, 1 / extract_s, mb / extract_s, 1 / full_s,
                    mb / full_s, full_s > 0 && extract_s > 0 ? full_s / extract_s : 0.0, read.c_str());
    }
    const double count = static_cast<double>(pages.size());
    std::printf("total: %zu pages, %.1f MB, %d read whole (fallback); extract %.1f MB/s, full parse %.1f MB/s\n",
                pages.size(), megabytes, whole_pages, megabytes / extract_total, megabytes / full_total);
    std::printf("extract: %.1f articles/s, full parse: %.1f pages/s, ratio %.2f\n", count / extract_total,
                count / full_total, full_total / extract_total);
    return 0;
}
