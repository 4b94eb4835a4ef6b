#pragma once
// A stand-in for Naver's comment API (apis.naver.com/commentBox/cbox/web_naver_list_jsonp.json)
// on a NaverStandIn, built on the saved answers: the answer's frame is the saved 2022 answer,
// its items are the saved answers' items (renumbered and redated so that a board can hold
// any number), paged by the `more` cursor as Naver pages them: morePage.next names the last
// comment served, and a request with moreParam.next=CURSOR gets the comments after it.
#include "tests/support/https_server.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sillok::test {

struct CommentBoard {
    std::vector<nlohmann::json> items; // newest first, as the API lists them
    // The replies to a comment (by its number), listed for parentCommentNo=, newest first.
    std::map<std::string, std::vector<nlohmann::json>> replies;
    std::string status = "COMMENT_ON"; // exposureConfig.status
    bool refuse = false;               // success false, code "3999"
    // count.comment and exposeCount claimed; default: the top-level items.
    std::optional<std::int64_t> claimed;
    // Only the first this many items are ever served (the pages end early).
    std::size_t served_limit = std::numeric_limits<std::size_t>::max();
    // When set, the handler waits this long before answering a page after the first.
    std::chrono::milliseconds later_pages_delay{0};
};

// n items made of the saved answers' items, newest first: item i has commentNo
// 750015397515755651 - 1000 * i (a JSON string, as in 2022) and was posted i minutes before
// `newest` (KST wall time "YYYY-MM-DDTHH:MM:SS").
std::vector<nlohmann::json> saved_comment_items(std::size_t n, const std::string& newest);
// The number item i of saved_comment_items gets.
std::string saved_comment_number(std::size_t i);

class CommentsStandIn {
public:
    explicit CommentsStandIn(NaverStandIn& server);
    // The board of article oid/aid (objectId news{oid},{aid}); replaces an earlier one.
    void set(const std::string& oid, const std::string& aid, CommentBoard board);
    // Changes the board in place (between two crawls).
    template <typename F>
    void edit(const std::string& oid, const std::string& aid, F&& change)
    {
        std::lock_guard lock(m_mutex);
        change(m_boards.at("news" + oid + "," + aid));
    }

private:
    void answer(const httplib::Request& request, httplib::Response& response);

    NaverStandIn& m_server;
    nlohmann::json m_frame; // the saved 2022 answer
    std::mutex m_mutex;
    std::map<std::string, CommentBoard> m_boards;
};

} // namespace sillok::test
