#pragma once
// One snapshot of an article's comments: the requests to the comment API (apis.naver.com,
// JSONP, paged by the `more` cursor) and the stop rules, without the network itself; and
// the FetchFeed that walks many articles' comments through the one Fetcher (each request on
// the shared per-host budget).
#include "daemon/comments/comment_ledger.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/comments.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

enum class CommentsMode { off, counts, all };
std::optional<CommentsMode> parse_comments_mode(std::string_view text);
std::string_view to_string(CommentsMode mode);

inline constexpr std::string_view k_comment_host = "apis.naver.com";
// The most the API serves a page (N2H4 and every public scraper ask for 100).
inline constexpr int k_comment_page_size = 100;
// `counts` asks for one comment: the totals come with any page.
inline constexpr int k_count_page_size = 1;
// A walk ends after this many pages (1,000,000 comments) as incomplete: no article has had
// as many, and a cursor that moves forever must not hold the crawl.
inline constexpr std::int64_t k_max_comment_pages = 10000;

// The list request: ticket=news, pool=cbox5, lang=ko, country=KR, objectId=news{oid},{aid}
// (the comma as %2C), pageSize, sort=NEW, includeAllStatus=true (deleted comments listed
// too); after the first page pageType=more&moreParam.direction=next&moreParam.next=CURSOR.
// With parent, the replies to that comment (parentCommentNo=, as public scrapers list them).
std::string comment_list_url(const parsers::ArticleRef& ref, int page_size,
                             const std::optional<std::string>& next = std::nullopt,
                             const std::optional<std::string>& parent = std::nullopt);
// The Referer the API expects: the article's own page.
std::string comment_referer(const parsers::ArticleRef& ref);

class CommentWalk {
public:
    CommentWalk(parsers::ArticleRef ref, CommentsMode mode, std::string taken_at);

    [[nodiscard]] bool done() const { return m_done; }
    // The next page's request; only while not done.
    [[nodiscard]] FetchRequest next_request(std::uint64_t tag) const;
    // One page's answer: parsed, its comments kept, the walk continued or ended.
    void page_fetched(FetchResult&& result);

    [[nodiscard]] const parsers::ArticleRef& ref() const { return m_ref; }
    [[nodiscard]] CommentsMode mode() const { return m_mode; }
    // The snapshot as walked so far (outcome final once done).
    [[nodiscard]] const CommentSnapshot& snapshot() const { return m_snapshot; }
    [[nodiscard]] const std::vector<parsers::Comment>& listed() const { return m_listed; }
    // Each page's raw answer (for WARC and the fetch rows) and the comment numbers it held.
    struct Page {
        FetchResult fetched;
        std::vector<std::string> numbers;
    };
    [[nodiscard]] std::vector<Page>& pages() { return m_pages; }

private:
    void end(SnapshotOutcome outcome, std::string reason = {});
    // The pages of the list (or of the current parent's replies) have ended, for `why`.
    void pages_ended(const std::string& url, std::string_view why);
    // The next parent whose replies are to be walked, or the end of the walk.
    void next_parent();
    void add_shortfall(std::string text);

    parsers::ArticleRef m_ref;
    CommentsMode m_mode;
    std::optional<std::string> m_cursor; // the cursor the next page is asked with
    CommentSnapshot m_snapshot;
    std::vector<parsers::Comment> m_listed;
    std::set<std::string> m_numbers;
    std::int64_t m_top_level = 0; // distinct top-level comments listed
    // The replies phase (mode all): the comments with replies, the one walked now, how many
    // replies it has listed so far.
    std::vector<std::pair<std::string, std::int64_t>> m_parents;
    std::optional<std::size_t> m_parent;
    std::int64_t m_replies_seen = 0;
    std::string m_shortfall; // why the snapshot is incomplete, when it is
    std::vector<Page> m_pages;
    bool m_done = false;
};

// Walks the comments of the given articles, a few at a time, each walk one request after
// another (the cursor of a page names the next). A finished walk goes to `finished` on the
// loop's thread.
class CommentFeed final : public FetchFeed {
public:
    using Finished = std::function<void(CommentWalk&)>;
    // stop_requested: the walks end (the unfinished ones record nothing) once it is true.
    CommentFeed(std::vector<parsers::ArticleRef> refs, CommentsMode mode, Finished finished,
                std::function<bool()> stop_requested, std::size_t parallel = 4);

    std::vector<FetchRequest> take(std::size_t room) override;
    void done(FetchResult&& result) override;
    [[nodiscard]] bool exhausted() const override;
    [[nodiscard]] bool stopping() const override { return m_stop_requested && m_stop_requested(); }

private:
    struct Active {
        std::unique_ptr<CommentWalk> walk;
        bool in_flight = false;
    };

    std::deque<parsers::ArticleRef> m_pending;
    CommentsMode m_mode;
    Finished m_finished;
    std::function<bool()> m_stop_requested;
    std::size_t m_parallel;
    std::vector<Active> m_active; // slot index = request tag
};

} // namespace sillok::daemon
