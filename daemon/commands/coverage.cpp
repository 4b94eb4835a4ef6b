#include "daemon/commands/coverage.hpp"

#include "daemon/commands/backfill.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/util/exit_codes.hpp"
#include "parsers/article_ref.hpp"

#include <iostream>
#include <ostream>
#include <sstream>

namespace sillok::daemon {
namespace {

// The refs of `listed` that the ledger has no archived article for, in ref order.
std::expected<std::vector<parsers::ArticleRef>, std::string> not_archived(sqlite3* db,
                                                                          const std::set<parsers::ArticleRef>& listed)
{
    auto stmt = sql::prepare(db, "SELECT count(*) FROM articles WHERE oid = ?1 AND aid = ?2 AND state = 'archived'");
    if (!stmt) {
        return std::unexpected(std::string("cannot read articles: ") + sqlite3_errmsg(db));
    }
    std::vector<parsers::ArticleRef> missing;
    for (const auto& ref : listed) {
        sqlite3_reset(stmt.get());
        sqlite3_clear_bindings(stmt.get());
        if (sql::Bound(stmt.get()).text(ref.oid).text(ref.aid).step() != SQLITE_ROW) {
            return std::unexpected(std::string("cannot read articles: ") + sqlite3_errmsg(db));
        }
        if (sqlite3_column_int64(stmt.get(), 0) == 0) {
            missing.push_back(ref);
        }
    }
    return missing;
}

} // namespace

int coverage_command(const Config& config, const CoverageOptions& options, const std::atomic<bool>* stop)
{
    auto now = wall_now();
    auto date = parse_kst_date(options.date, now);
    if (!date) {
        return fail(k_exit_usage, "the date is YYYY-MM-DD (a Korean date), 'today', 'yesterday' or 'today-N': got '"
                                      + options.date + "'");
    }
    if (std::chrono::sys_days{*date} > std::chrono::sys_days{kst_today(now)}) {
        return fail(k_exit_usage,
                    iso_date(*date) + " is in the future (today in Korea is " + iso_date(kst_today(now)) + ")");
    }
    for (const auto& text : options.sections) {
        if (auto section = parsers::parse_section(text); !section) {
            return fail(k_exit_usage, "--section: " + section.error());
        }
    }
    for (const auto& oid : options.presses) {
        if (!parsers::is_press_id(oid)) {
            return fail(k_exit_usage, "--press '" + oid + "' is not a press id (3 digits, e.g. 015)");
        }
    }
    CoverageRequest request{*date, options.sections, options.presses, options.queue};
    if (request.sections.empty() && request.presses.empty()) {
        request.sections = config.sections;
    }
    return run_coverage(config, request, std::cout, stop);
}

int run_coverage(const Config& config, const CoverageRequest& request, std::ostream& out, const std::atomic<bool>* stop)
{
    std::map<std::string, std::set<parsers::ArticleRef>> listed;
    BackfillRequest walk;
    walk.from = request.date;
    walk.to = request.date;
    walk.sections = request.sections;
    walk.presses = request.presses;
    walk.refresh = true;
    walk.dry_run = true;
    walk.listed = &listed;
    std::ostringstream walk_report; // its would-queue lines are not coverage's output
    const int walked = run_backfill(config, walk, walk_report, stop);
    std::istringstream lines(walk_report.str());
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("failed-listing\t")) {
            out << line << '\n';
        }
    }
    if (walked == k_exit_io || walked == k_exit_tempfail) {
        return walked;
    }
    std::string reason;
    auto db = sql::open_state_connection(config.ledger_path(), reason);
    if (!db) {
        return fail(k_exit_io, reason);
    }
    std::vector<parsers::ArticleRef> all_missing;
    out << "coverage\t" << iso_date(request.date) << '\n';
    for (const auto& [listing, refs] : listed) {
        auto missing = not_archived(db.get(), refs);
        if (!missing) {
            return fail(k_exit_io, missing.error());
        }
        out << listing << "\tlisted " << refs.size() << "\tarchived " << refs.size() - missing->size() << "\tmissing "
            << missing->size() << '\n';
        for (const auto& ref : *missing) {
            out << "missing\t" << listing << '\t' << ref.id() << '\t' << ref.canonical_url() << '\n';
        }
        all_missing.insert(all_missing.end(), missing->begin(), missing->end());
    }
    if (request.queue && !all_missing.empty()) {
        auto frontier = Frontier::open(config.ledger_path());
        auto queued = frontier ? frontier->enqueue(all_missing, QueueSource::backfill, wall_now(),
                                                   Frontier::Revive::failed_and_pending)
                               : std::unexpected(frontier.error());
        if (!queued) {
            return fail(k_exit_io, queued.error().message);
        }
        out << "queued\t" << *queued << " missing articles\n";
    }
    return all_missing.empty() && walked == k_exit_ok ? k_exit_ok : k_exit_some_failed;
}

} // namespace sillok::daemon
