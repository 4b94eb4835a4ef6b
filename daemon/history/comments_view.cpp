#include "daemon/history/comments_view.hpp"

#include "daemon/comments/comment_ledger.hpp"
#include "daemon/history/history.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/util/kst.hpp"
#include "parsers/text.hpp"

#include <ostream>

namespace sillok::daemon {
namespace {

// Each line of the text, escaped, after indent.
void print_text(std::ostream& out, std::string_view text, std::string_view indent)
{
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        out << indent << parsers::quoted_for_message(text.substr(start, end - start), 1 << 20) << '\n';
        start = end + 1;
    }
}

void print_header(std::ostream& out, const parsers::ArticleRef& ref, const CommentSnapshot& s, std::size_t shown)
{
    out << "comments of " << ref.id() << ": snapshot " << s.taken_at << " (" << s.mode << ", " << to_string(s.outcome);
    if (!s.reason.empty()) {
        out << ": " << parsers::quoted_for_message(s.reason, 400);
    }
    out << ")";
    if (s.totals) {
        out << "; count comment " << s.totals->comment << " reply " << s.totals->reply << " deleted "
            << s.totals->deleted_by_user + s.totals->deleted_by_monitor << " total " << s.totals->total;
    }
    out << "; " << shown << " kept\n";
}

} // namespace

int run_comments_view(const std::filesystem::path& ledger, std::string_view article, const std::string& at,
                      std::ostream& out)
{
    auto ref = parse_article_id(article);
    if (!ref) {
        return fail(k_exit_usage, ref.error());
    }
    std::string as_of;
    if (!at.empty()) {
        auto when = parse_kst_iso(at.size() == 19 ? at + "+09:00" : at);
        if (!when) {
            return fail(k_exit_usage,
                        "--at " + parsers::quoted_for_message(at, 80) + " is not a time YYYY-MM-DDTHH:MM:SS[+09:00]");
        }
        as_of = kst_iso(*when);
    }
    if (!std::filesystem::exists(ledger)) {
        return fail(k_exit_io, "no ledger at " + ledger.string());
    }
    auto comments_ledger = CommentLedger::open(ledger, /*read_only=*/true);
    if (!comments_ledger) {
        return fail(k_exit_io, comments_ledger.error().message);
    }
    auto snapshots = comments_ledger->snapshots(*ref);
    if (!snapshots) {
        return fail(k_exit_io, snapshots.error().message);
    }
    const CommentSnapshot* shown = nullptr;
    for (const auto& s : *snapshots) {
        if (as_of.empty() || s.taken_at <= as_of) {
            shown = &s;
        }
    }
    if (shown == nullptr) {
        return fail(k_exit_some_failed, "no comment snapshot of " + ref->id()
                                            + (as_of.empty() ? std::string() : " by " + as_of) + " in "
                                            + ledger.string());
    }
    auto comments = as_of.empty() ? comments_ledger->comments(*ref) : comments_ledger->comments_at(*ref, as_of);
    if (!comments) {
        return fail(k_exit_io, comments.error().message);
    }
    print_header(out, *ref, *shown, comments->size());
    for (const auto& c : *comments) {
        const bool reply = c.parent_no != c.comment_no;
        const std::string indent = reply ? "  " : "";
        out << indent << "#" << c.comment_no << "  " << c.posted_at << "  " << parsers::quoted_for_message(c.author, 80)
            << "  " << to_string(c.state) << "  likes " << c.likes << " dislikes " << c.dislikes << " replies "
            << c.replies << '\n';
        print_text(out, c.text, indent + "    ");
    }
    return k_exit_ok;
}

} // namespace sillok::daemon
