#include "daemon/comments/comment_keeper.hpp"

#include "daemon/comments/comments_file.hpp"
#include "daemon/util/digest.hpp"

#include <set>

namespace sillok::daemon {
namespace {

Error ledger_error(const LedgerError& error) { return Error{kind_of_sqlite(error.sqlite_code), error.message}; }

} // namespace

Result<KeptSnapshot> keep_snapshot(CommentStores& stores, CommentWalk& walk)
{
    auto lock = stores.archive.lock_saves();
    if (!lock) {
        return std::unexpected(Error{kind_of_errno(lock.error().error_number), lock.error().message});
    }
    const auto& ref = walk.ref();
    auto planned = stores.ledger.plan(ref, walk.snapshot(), walk.listed(), stores.author_ids);
    if (!planned) {
        return std::unexpected(ledger_error(planned.error()));
    }
    auto& plan = *planned;
    std::set<std::string> changed;
    for (std::size_t i = 0; i < plan.comments.size(); ++i) {
        if (plan.changed[i]) {
            changed.insert(plan.comments[i].comment_no);
        }
    }
    for (auto& page : walk.pages()) {
        bool yielded = false;
        for (const auto& number : page.numbers) {
            yielded = yielded || changed.contains(number);
        }
        SILLOK_TRY(stores.keep_response(page.fetched, yielded));
    }
    KeptSnapshot kept;
    kept.outcome = plan.snapshot.outcome;
    kept.reason = plan.snapshot.reason;
    kept.comments = plan.snapshot.comments_seen;
    kept.new_versions = static_cast<std::int64_t>(changed.size());
    if (walk.mode() == CommentsMode::all && !plan.comments.empty()) {
        auto article = stores.ledger.article_path(ref);
        if (!article) {
            return std::unexpected(ledger_error(article.error()));
        }
        if (*article) {
            const std::string bytes = render_comments_file(plan.comments);
            kept.file = comments_file_path(**article, ref);
            kept.sha256 = sha256_hex(bytes);
            if (auto written = stores.archive.write(kept.file, bytes); !written) {
                return std::unexpected(Error{kind_of_errno(written.error().error_number), written.error().message});
            }
            plan.snapshot.file_path = kept.file;
            plan.snapshot.file_sha256 = kept.sha256;
        }
    }
    if (auto committed = stores.ledger.commit(plan); !committed) {
        return std::unexpected(ledger_error(committed.error()));
    }
    return kept;
}

} // namespace sillok::daemon
