#include "daemon/verify/verify_mend.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace sillok::daemon {
namespace {

struct ArticleName {
    std::string oid, aid;
    bool current = false; // "<oid>_<aid>.md", not an earlier version's name
};

// The article of an archive file named "<oid>_<aid>.md" or "<oid>_<aid>.<hash>.md".
std::optional<ArticleName> article_of(std::string_view path)
{
    auto name = std::filesystem::path(path).filename().string();
    auto stem = std::string_view(name).substr(0, name.find('.'));
    auto underscore = stem.find('_');
    if (underscore == std::string_view::npos || underscore == 0 || underscore + 1 == stem.size()
        || stem.find_first_not_of("0123456789_") != std::string_view::npos) {
        return std::nullopt;
    }
    return ArticleName{std::string(stem.substr(0, underscore)), std::string(stem.substr(underscore + 1)),
                       name == std::string(stem) + ".md"};
}

std::string crawl_again(const Problem& problem, const MendContext& context, std::string_view what)
{
    auto article = article_of(problem.path);
    if (!article) {
        return std::string(what) + "; no article id in the file name: move the file out of the archive";
    }
    auto archive = shell_word(context.archive.string());
    auto crawl = "`sillok crawl --url https://n.news.naver.com/mnews/article/" + article->oid + "/" + article->aid
                 + " --archive " + archive + "`";
    if (article->current && context.stored_response && context.stored_response(article->oid, article->aid)) {
        return std::string(what) + ", or offline by a reparse of its stored response: run `sillok reparse --archive "
               + archive + " --id " + article->oid + "_" + article->aid + "`, or " + crawl;
    }
    return std::string(what) + ": run " + crawl;
}

} // namespace

std::string shell_word(std::string_view text)
{
    if (!text.empty()
        && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,=:@")
               == std::string_view::npos) {
        return std::string(text);
    }
    std::string quoted = "'";
    for (char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

std::string how_to_mend(const Problem& problem, const MendContext& context)
{
    switch (problem.kind) {
    case ProblemKind::modified:
        return crawl_again(problem, context, "the file is rewritten from the page by a crawl of its article");
    case ProblemKind::missing:
        return crawl_again(problem, context, "the file is written again by a crawl of its article");
    case ProblemKind::ledger_mismatch:
        return crawl_again(problem, context, "the file is rewritten to the ledger's record by a crawl of its article");
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
