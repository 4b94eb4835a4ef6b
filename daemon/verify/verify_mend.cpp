#include "daemon/verify/verify_mend.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace sillok::daemon {
namespace {

// The article URL of an archive file named "<oid>_<aid>.md" or "<oid>_<aid>.<hash>.md".
std::optional<std::string> article_url_of(std::string_view path)
{
    auto name = std::filesystem::path(path).filename().string();
    auto stem = std::string_view(name).substr(0, name.find('.'));
    auto underscore = stem.find('_');
    if (underscore == std::string_view::npos || underscore == 0 || underscore + 1 == stem.size()
        || stem.find_first_not_of("0123456789_") != std::string_view::npos) {
        return std::nullopt;
    }
    return "https://n.news.naver.com/mnews/article/" + std::string(stem.substr(0, underscore)) + "/"
        + std::string(stem.substr(underscore + 1));
}

std::string crawl_again(const Problem& problem, std::string_view what)
{
    auto url = article_url_of(problem.path);
    if (!url) {
        return std::string(what) + "; no article id in the file name: move the file out of the archive";
    }
    return std::string(what) + ": run `sillok crawl --url " + *url + "`";
}

} // namespace

std::string how_to_mend(const Problem& problem)
{
    switch (problem.kind) {
    case ProblemKind::modified:
        return crawl_again(problem, "the file is rewritten from the page by a crawl of its article");
    case ProblemKind::missing:
        return crawl_again(problem, "the file is written again by a crawl of its article");
    case ProblemKind::ledger_mismatch:
        return crawl_again(problem, "the file is rewritten to the ledger's record by a crawl of its article");
    case ProblemKind::orphan:
        return "the file is not one sillok wrote intact: move it out of the archive, or crawl its article";
    case ProblemKind::invalid_front_matter:
        return "not sillok's front matter (an older crawler's file or a hand edit): sillok leaves it alone; "
               "move it out of the archive to silence this";
    case ProblemKind::temp_file:
        return "the next crawl removes it once its writer has exited or it is an hour old";
    case ProblemKind::unreadable:
        return "give the user running sillok read access, then run verify again";
    case ProblemKind::warc_record:
        return "the raw response cannot be fetched again as it was: restore the WARC file from a backup; "
               "the archived file and its ledger rows are not affected";
    case ProblemKind::symlink:
        return "a symbolic link inside the archive: replace it with the folder or file itself";
    case ProblemKind::search_index:
        return "derived data: the next `sillok search` builds it again (or run `sillok search --rebuild`, or "
               "delete it)";
    }
    return "check it by hand";
}

} // namespace sillok::daemon
