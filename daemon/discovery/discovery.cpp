#include "daemon/discovery/discovery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sillok::daemon {
namespace {

std::string source_name(std::string_view kind, const parsers::Section& section)
{
    return std::string(kind) + " " + parsers::section_text(section);
}

DiscoveryTask walk_task(std::string source, WalkForm form, const parsers::Section& walked,
                        const parsers::Section& watched, const std::string& date)
{
    DiscoveryTask task;
    task.source = std::move(source);
    task.walk.form = form;
    task.walk.section = walked;
    task.walk.date = date;
    task.section = watched;
    return task;
}

std::string mark_key(const DiscoveryTask& task) { return task.source + "@" + task.walk.date; }

bool supplementary(const DiscoveryTask& task) { return task.source.starts_with("home "); }

WallClock::duration since_kst_midnight(WallClock::time_point now)
{
    const auto local = now + std::chrono::hours(9);
    return local - std::chrono::floor<std::chrono::days>(local);
}

} // namespace

std::vector<std::string> dates_to_walk(const std::string& previous_poll_date, WallClock::time_point now)
{
    const auto today = yyyymmdd(kst_today(now));
    if (since_kst_midnight(now) < k_finish_yesterday_for) {
        return {today, yyyymmdd(kst_today(now - k_finish_yesterday_for))};
    }
    if (previous_poll_date.empty() || previous_poll_date >= today) {
        return {today};
    }
    return {today, previous_poll_date};
}

Discovery::Discovery(Frontier& frontier, SourceHealth& health, bool latest_first, int home_pages)
    : m_frontier(frontier), m_health(health), m_latest_first(latest_first), m_home_pages(home_pages)
{
}

void Discovery::watch(const std::vector<std::string>& sections, const std::vector<std::string>& presses)
{
    std::vector<Watched> watched;
    for (const auto& text : sections) {
        auto section = parsers::parse_section(text);
        if (!section) {
            continue; // validated at load
        }
        auto known = std::ranges::find(m_sections, *section, &Watched::section);
        watched.push_back(known != m_sections.end() ? *known : Watched{*section, {}});
    }
    m_sections = std::move(watched);
    m_presses = presses;
}

std::vector<DiscoveryTask> Discovery::poll(WallClock::time_point now)
{
    const auto today = yyyymmdd(kst_today(now));
    const auto dates = dates_to_walk(m_last_poll_date, now);
    if (dates.size() > 1 && m_last_poll_date != today) {
        spdlog::info("a new day in Korea ({}): finishing the lists of {}", today, dates.back());
    }
    m_last_poll_date = today;
    m_last_poll = now;
    std::erase_if(m_marks, [&](const auto& mark) {
        auto date = mark.first.substr(mark.first.rfind('@') + 1);
        return std::ranges::find(dates, date) == dates.end();
    });
    std::vector<DiscoveryTask> tasks;
    // The section page first: it stops at any known article, so it must see its links before
    // the complete lists queue them.
    for (const auto& watched : m_sections) {
        if (!watched.section.sid2) {
            auto home =
                walk_task(source_name("home", watched.section), WalkForm::latest, watched.section, watched.section, "");
            home.page_budget = m_home_pages;
            tasks.push_back(std::move(home));
        }
        for (const auto& date : dates) {
            add_complete_walks(watched, date, date == today, tasks);
        }
    }
    for (const auto& oid : m_presses) {
        for (const auto& date : dates) {
            DiscoveryTask task;
            task.source = "press " + oid;
            task.walk.press = oid;
            task.walk.date = date;
            tasks.push_back(std::move(task));
        }
    }
    return tasks;
}

// The primary complete source, and the other one while the primary fails or is silent.
// Latest lists carry no date: only today's are walked; yesterday's is finished from the
// per-date list alone.
void Discovery::add_complete_walks(const Watched& watched, const std::string& date, bool today,
                                   std::vector<DiscoveryTask>& tasks)
{
    const auto per_date_source = source_name("date", watched.section);
    auto per_date = [&] {
        tasks.push_back(walk_task(per_date_source, WalkForm::per_date, watched.section, watched.section, date));
    };
    auto latest = [&] {
        if (!today) {
            return;
        }
        if (watched.section.sid2) {
            tasks.push_back(walk_task(source_name("latest", watched.section), WalkForm::latest, watched.section,
                                      watched.section, date));
        }
        for (const auto& sub : watched.subsections) {
            tasks.push_back(walk_task(source_name("latest", sub), WalkForm::latest, sub, watched.section, date));
        }
    };
    const bool has_latest = watched.section.sid2 || !watched.subsections.empty();
    if (m_latest_first && has_latest) {
        latest();
        if (failing_latest(watched)) {
            per_date();
        }
        return;
    }
    per_date();
    if (failing(per_date_source)) {
        latest();
    }
}

bool Discovery::failing(const std::string& source)
{
    if (m_day_not_begun.contains(source)) {
        return true;
    }
    auto empty = m_health.consecutive_empty(source);
    if (!empty) {
        spdlog::error("{}", empty.error().message);
        return true; // unknown health: walk the other source too
    }
    return *empty > 0;
}

bool Discovery::failing_latest(const Watched& watched)
{
    if (watched.section.sid2) {
        return failing(source_name("latest", watched.section));
    }
    return std::ranges::any_of(watched.subsections,
                               [&](const parsers::Section& sub) { return failing(source_name("latest", sub)); });
}

void Discovery::learn(const DiscoveryTask& task, const std::vector<parsers::Section>& subsections)
{
    for (auto& watched : m_sections) {
        if (watched.section.sid2 || !task.section || watched.section != *task.section) {
            continue;
        }
        for (const auto& sub : subsections) {
            if (sub.sid1 == watched.section.sid1
                && std::ranges::find(watched.subsections, sub) == watched.subsections.end()) {
                spdlog::info("section {}: sub-section {} learned from {}", parsers::section_text(watched.section),
                             parsers::section_text(sub), task.source);
                watched.subsections.push_back(sub);
            }
        }
    }
}

std::optional<DiscoveryTask> Discovery::page_done(DiscoveryTask task, const FetchResult& result)
{
    m_last_page_added = 0;
    if (result.error) {
        if (result.error->kind != FetchErrorKind::interrupted) {
            finish(task, result.url,
                   ListingFailure{ListingFailureKind::fetch, result.url,
                                  std::string(to_string(result.error->kind)) + ": " + result.error->message});
        }
        return std::nullopt;
    }
    auto step = advance(task.walk, result.url, parsers::parse_listing(result.body, result.final_url));
    if (!step) {
        finish(task, result.url, step.error());
        return std::nullopt;
    }
    learn(task, step->subsections);
    auto added = m_frontier.enqueue(step->refs, QueueSource::discovery, wall_now());
    if (!added) {
        spdlog::error("cannot queue discovered articles: {}", added.error().message);
        return std::nullopt;
    }
    m_last_page_added = *added;
    task.found += step->refs.size();
    task.added += *added;
    if (task.first_page.empty()) {
        task.first_page = step->refs;
    }
    stop_at_known(task.walk, *step, reached_known(task, *step, *added));
    if (step->end == WalkEnd::more && --task.page_budget > 0) {
        return task;
    }
    if (step->end == WalkEnd::repeated_cursor) {
        finish(task, result.url,
               ListingFailure{ListingFailureKind::cursor_stuck, result.url,
                              "the next cursor is the one requested (" + task.walk.state.cursor + ")"});
    } else {
        m_marks[mark_key(task)] = std::set<parsers::ArticleRef>(task.first_page.begin(), task.first_page.end());
        finish(task, result.url, std::nullopt);
    }
    return std::nullopt;
}

// The AiRS page stops at any known article (it only adds links). A complete list stops at the
// first page of its own previous complete walk: everything older was walked then. Without one
// (the first walk since start), at a page with nothing new.
bool Discovery::reached_known(const DiscoveryTask& task, const WalkStep& step, size_t added) const
{
    if (supplementary(task)) {
        return added < step.refs.size();
    }
    auto mark = m_marks.find(mark_key(task));
    if (mark == m_marks.end() || mark->second.empty()) {
        return added == 0;
    }
    return std::ranges::any_of(step.refs, [&](const parsers::ArticleRef& ref) { return mark->second.contains(ref); });
}

// See "A new day's list is empty until its first article" in discovery.hpp.
bool Discovery::day_not_begun(const DiscoveryTask& task, const ListingFailure& failure)
{
    if (failure.kind != ListingFailureKind::no_articles || task.walk.form != WalkForm::per_date
        || task.walk.date != m_last_poll_date || since_kst_midnight(m_last_poll) >= k_new_day_grace
        || m_marks.contains(mark_key(task))) {
        return false;
    }
    auto empty = m_health.consecutive_empty(task.source);
    return empty && *empty == 0;
}

void Discovery::finish(const DiscoveryTask& task, const std::string& url, std::optional<ListingFailure> failure)
{
    if (task.added > 0) {
        spdlog::info("{}: {} new of {} listed", task.source, task.added, task.found);
    }
    const bool not_begun = failure && day_not_begun(task, *failure);
    if (not_begun) {
        if (m_day_not_begun.insert(task.source).second) {
            spdlog::info("{}: the list of {} has no article yet (the day has just begun in Korea); "
                         "not counted as a stall",
                         task.source, task.walk.date);
        }
    } else {
        if (task.walk.date == m_last_poll_date) {
            m_day_not_begun.erase(task.source);
        }
        if (failure) {
            spdlog::warn("listing {} ({}) failed: {}: {}", task.source, failure->url, to_string(failure->kind),
                         failure->message);
        }
    }
    auto recorded =
        m_health.record(SourcePoll{task.source, url, task.found, task.added, failure, not_begun}, wall_now());
    if (!recorded) {
        spdlog::error("{}", recorded.error().message);
        m_storage_failed = true;
        return;
    }
    if (!failure || not_begun) {
        return;
    }
    auto empty = m_health.consecutive_empty(task.source);
    if (empty && *empty >= k_stall_polls) {
        spdlog::warn("discovery of {} has stalled: {} failed or empty polls in a row (last: {}); the other "
                     "complete source of the section is walked",
                     task.source, *empty, to_string(failure->kind));
    }
}

} // namespace sillok::daemon
