#include "daemon/history/log.hpp"

#include "daemon/history/history.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/util/kst.hpp"

#include <algorithm>
#include <ostream>
#include <utility>

namespace sillok::daemon {

std::string describe_change(const VersionChange& change)
{
    auto fields = change.joined();
    return fields.empty() ? change.reason : change.reason + ":" + fields;
}

int run_log(const std::filesystem::path& ledger, std::string_view article, std::ostream& out)
{
    auto ref = parse_article_id(article);
    if (!ref) {
        return fail(k_exit_usage, ref.error());
    }
    auto history = History::open(ledger);
    if (!history) {
        return fail(k_exit_io, history.error());
    }
    auto found = history->article(*ref);
    if (!found) {
        return fail(k_exit_io, found.error());
    }
    if (!*found || (*found)->versions.empty()) {
        return fail(k_exit_some_failed, "no archived version of " + ref->id() + " in " + ledger.string());
    }
    const auto versions = in_time_order(**found);
    for (const auto& version : versions) {
        out << version.version << '\t' << version.first_seen << '\t' << version.content_hash << '\t'
            << version.rules_version << '\t' << describe_change(version.change) << '\t' << version.path << '\n';
    }
    return k_exit_ok;
}

} // namespace sillok::daemon
