#include "daemon/comments/comment_walk.hpp"

#include "daemon/util/kst.hpp"
#include "parsers/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sillok::daemon {
namespace {

// Anything but RFC 3986's unreserved characters, percent-encoded (cursors are base-36 in
// every saved answer, but they come from outside).
std::string query_escaped(std::string_view text)
{
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                                || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 15]);
        }
    }
    return out;
}

} // namespace

std::optional<CommentsMode> parse_comments_mode(std::string_view text)
{
    for (auto mode : {CommentsMode::off, CommentsMode::counts, CommentsMode::all}) {
        if (to_string(mode) == text) {
            return mode;
        }
    }
    return std::nullopt;
}

std::string_view to_string(CommentsMode mode)
{
    switch (mode) {
    case CommentsMode::off:
        return "off";
    case CommentsMode::counts:
        return "counts";
    case CommentsMode::all:
        return "all";
    }
    return "off";
}

std::string comment_list_url(const parsers::ArticleRef& ref, int page_size, const std::optional<std::string>& next,
                             const std::optional<std::string>& parent)
{
    std::string url = "https://" + std::string(k_comment_host)
                      + "/commentBox/cbox/web_naver_list_jsonp.json?ticket=news&pool=cbox5&lang=ko&country=KR"
                        "&objectId=news"
                      + ref.oid + "%2C" + ref.aid + "&pageSize=" + std::to_string(page_size)
                      + "&indexSize=10&listType=OBJECT&sort=NEW&includeAllStatus=true";
    if (parent) {
        url += "&parentCommentNo=" + query_escaped(*parent);
    }
    if (next) {
        url += "&pageType=more&moreParam.direction=next&moreParam.next=" + query_escaped(*next);
    } else {
        url += "&page=1&initialize=true";
    }
    return url;
}

std::string comment_referer(const parsers::ArticleRef& ref) { return ref.canonical_url(); }

CommentWalk::CommentWalk(parsers::ArticleRef ref, CommentsMode mode, std::string taken_at)
    : m_ref(std::move(ref)), m_mode(mode)
{
    m_snapshot.taken_at = std::move(taken_at);
    m_snapshot.mode = std::string(to_string(mode));
    m_done = mode == CommentsMode::off;
}

FetchRequest CommentWalk::next_request(std::uint64_t tag) const
{
    const int size = m_mode == CommentsMode::counts ? k_count_page_size : k_comment_page_size;
    std::optional<std::string> parent;
    if (m_parent) {
        parent = m_parents[*m_parent].first;
    }
    return FetchRequest{comment_list_url(m_ref, size, m_cursor, parent), tag, comment_referer(m_ref)};
}

void CommentWalk::end(SnapshotOutcome outcome, std::string reason)
{
    m_snapshot.outcome = outcome;
    m_snapshot.reason = std::move(reason);
    m_snapshot.comments_seen = static_cast<std::int64_t>(m_numbers.size());
    m_done = true;
    if (outcome == SnapshotOutcome::failed || outcome == SnapshotOutcome::incomplete) {
        spdlog::warn("comments of {}: {}: {}", m_ref.id(), to_string(outcome), m_snapshot.reason);
    }
}

void CommentWalk::add_shortfall(std::string text)
{
    if (!m_shortfall.empty()) {
        m_shortfall += "; ";
    }
    m_shortfall += text;
}

// The list's pages have ended: complete so far when they listed as many top-level comments
// as the API's exposeCount says; then each comment's replies (mode all), whose pages end
// the same way against the comment's replyAllCount.
void CommentWalk::pages_ended(const std::string& url, std::string_view why)
{
    if (!m_parent) {
        const std::int64_t expected = m_snapshot.totals ? m_snapshot.totals->expose : 0;
        if (m_top_level < expected) {
            add_shortfall(std::string(why) + " after " + std::to_string(m_top_level) + " comments where the count says "
                          + std::to_string(expected) + " (" + parsers::quoted_for_message(url, 400) + ")");
        }
        std::set<std::string> parents;
        for (const auto& comment : m_listed) {
            if (comment.parent_no == comment.comment_no && comment.replies > 0
                && parents.insert(comment.comment_no).second) {
                m_parents.emplace_back(comment.comment_no, comment.replies);
            }
        }
    } else {
        const auto& [parent, expected] = m_parents[*m_parent];
        if (m_replies_seen < expected) {
            add_shortfall(std::string(why) + " after " + std::to_string(m_replies_seen) + " replies to " + parent
                          + " where it says " + std::to_string(expected) + " (" + parsers::quoted_for_message(url, 400)
                          + ")");
        }
    }
    next_parent();
}

void CommentWalk::next_parent()
{
    const std::size_t next = m_parent ? *m_parent + 1 : 0;
    m_cursor.reset();
    m_replies_seen = 0;
    if (m_mode != CommentsMode::all || next >= m_parents.size()) {
        m_parent.reset();
        if (m_shortfall.empty()) {
            end(SnapshotOutcome::complete);
        } else {
            end(SnapshotOutcome::incomplete, m_shortfall);
        }
        return;
    }
    m_parent = next;
}

void CommentWalk::page_fetched(FetchResult&& result)
{
    const std::string url = result.url;
    const bool first = m_pages.empty();
    Page& page = m_pages.emplace_back(Page{std::move(result), {}});
    const auto fail_with = [&](std::string what) {
        if (first) {
            end(SnapshotOutcome::failed, what + " (" + parsers::quoted_for_message(url, 400) + ")");
            return;
        }
        // A later page: what was listed stands, the snapshot is incomplete.
        add_shortfall(what + " (" + parsers::quoted_for_message(url, 400) + ")");
        if (m_parent) {
            next_parent();
        } else {
            end(SnapshotOutcome::incomplete, m_shortfall);
        }
    };
    if (page.fetched.error) {
        fail_with("fetch " + std::string(to_string(page.fetched.error->kind)) + ": " + page.fetched.error->message);
        return;
    }
    auto parsed = parsers::parse_comment_page(page.fetched.body);
    if (!parsed) {
        fail_with(std::string(parsers::to_string(parsed.error().kind)) + ": " + parsed.error().message);
        return;
    }
    ++m_snapshot.pages;
    if (first) {
        m_snapshot.totals = parsed->totals;
        m_snapshot.exposure = parsed->exposure;
    }
    std::size_t fresh = 0;
    for (auto& comment : parsed->comments) {
        page.numbers.push_back(comment.comment_no);
        if (m_numbers.insert(comment.comment_no).second) {
            ++fresh;
            if (comment.parent_no == comment.comment_no) {
                ++m_top_level;
            } else if (m_parent && comment.parent_no == m_parents[*m_parent].first) {
                ++m_replies_seen;
            }
        }
        if (m_mode == CommentsMode::all) {
            m_listed.push_back(std::move(comment));
        }
    }
    if (!m_parent && !parsed->open()) {
        end(SnapshotOutcome::closed);
        return;
    }
    if (m_mode == CommentsMode::counts) {
        end(SnapshotOutcome::complete);
        return;
    }
    const auto served = parsed->comments.size();
    if (served == 0 || served < static_cast<std::size_t>(k_comment_page_size) || !parsed->next) {
        pages_ended(url, "the pages ended");
        return;
    }
    if (parsed->next == m_cursor || fresh == 0) {
        pages_ended(url, "the cursor did not move");
        return;
    }
    if (m_snapshot.pages >= k_max_comment_pages) {
        end(SnapshotOutcome::incomplete, "stopped after " + std::to_string(k_max_comment_pages) + " pages ("
                                             + parsers::quoted_for_message(url, 400) + ")");
        return;
    }
    m_cursor = parsed->next;
}

CommentFeed::CommentFeed(std::vector<parsers::ArticleRef> refs, CommentsMode mode, Finished finished,
                         std::function<bool()> stop_requested, std::size_t parallel)
    : m_pending(refs.begin(), refs.end()), m_mode(mode), m_finished(std::move(finished)),
      m_stop_requested(std::move(stop_requested)), m_parallel(std::max<std::size_t>(parallel, 1))
{
    m_active.resize(m_parallel);
    if (mode == CommentsMode::off) {
        m_pending.clear();
    }
}

std::vector<FetchRequest> CommentFeed::take(std::size_t room)
{
    std::vector<FetchRequest> requests;
    for (std::size_t slot = 0; slot < m_active.size() && requests.size() < room; ++slot) {
        auto& active = m_active[slot];
        if (!active.walk && !m_pending.empty()) {
            active.walk = std::make_unique<CommentWalk>(m_pending.front(), m_mode, kst_iso(wall_now()));
            m_pending.pop_front();
        }
        if (active.walk && !active.in_flight) {
            requests.push_back(active.walk->next_request(slot));
            active.in_flight = true;
        }
    }
    return requests;
}

void CommentFeed::done(FetchResult&& result)
{
    auto& active = m_active.at(result.tag);
    active.in_flight = false;
    if (stopping() && result.error && result.error->kind == FetchErrorKind::interrupted) {
        active.walk.reset(); // a walk cut short by a stop records nothing: the next run walks again
        return;
    }
    active.walk->page_fetched(std::move(result));
    if (active.walk->done()) {
        m_finished(*active.walk);
        active.walk.reset();
    } else if (stopping()) {
        active.walk.reset();
    }
}

bool CommentFeed::exhausted() const
{
    if (stopping()) {
        return true;
    }
    if (!m_pending.empty()) {
        return false;
    }
    return std::ranges::none_of(m_active, [](const Active& a) { return a.walk != nullptr; });
}

} // namespace sillok::daemon
