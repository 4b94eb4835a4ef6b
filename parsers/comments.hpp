#pragma once
// parse_comment_page: one answer of Naver's comment API (apis.naver.com/commentBox/cbox/
// web_naver_list_jsonp.json) to a typed page of comments, or a typed failure. The answer is
// JSONP: `name({...});` (Naver names the callback `_callback` when none is asked), with or
// without the trailing `;`. Any other shape is a failure, never "no comments".
// Pure: no I/O, no clock, no globals.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::parsers {

enum class CommentState {
    visible,
    deleted, // deleted (by its writer or a moderator)
    blind,   // blind, blindReport or userBlind: withheld after reports or by its writer
    hidden,  // hiddenByCleanbot, visible false or secret: not shown to readers
};

std::string_view to_string(CommentState state);
std::optional<CommentState> comment_state_from(std::string_view text);

struct Comment {
    // Exactly as served: a JSON string is taken as is (digits only), a JSON integer as its
    // decimal digits (never through a double).
    std::string comment_no;
    // parentCommentNo, the same way; equal to comment_no for a top-level comment.
    std::string parent_no;
    int reply_level = 1;
    std::string text;          // contents
    std::string author;        // userName, masked as served ("retr****")
    std::string posted_at;     // regTime as ISO 8601 in KST: "2022-02-18T22:31:11+09:00"
    std::string modified_at;   // modTime, the same way (empty when absent)
    std::int64_t likes = 0;    // sympathyCount
    std::int64_t dislikes = 0; // antipathyCount
    std::int64_t replies = 0;  // replyAllCount (replyCount when absent)
    CommentState state = CommentState::visible;
    bool best = false;
    // Writer identifiers; the caller keeps them only when told to (comments_author_ids).
    std::string user_id_no;    // userIdNo
    std::string profile_image; // userProfileImage
};

struct CommentTotals {
    std::int64_t comment = 0;            // count.comment
    std::int64_t reply = 0;              // count.reply
    std::int64_t expose = 0;             // count.exposeCount
    std::int64_t deleted_by_user = 0;    // count.delCommentByUser
    std::int64_t deleted_by_monitor = 0; // count.delCommentByMon
    std::int64_t blind_comments = 0;     // count.blindCommentByUser
    std::int64_t blind_replies = 0;      // count.blindReplyByUser
    std::int64_t total = 0;              // count.total
};

struct CommentPage {
    std::vector<Comment> comments;       // result.commentList, in served order
    CommentTotals totals;                // result.count
    std::optional<std::string> next;     // result.morePage.next (null or absent: none)
    std::optional<std::string> end;      // result.morePage.end
    std::string exposure = "COMMENT_ON"; // result.exposureConfig.status
    std::string sort;                    // result.sort, the order answered (may differ from asked)

    // Comments are open to readers (exposureConfig.status COMMENT_ON); a closed article's
    // comments are an outcome, not a failure.
    bool open() const { return exposure == "COMMENT_ON"; }
};

enum class CommentErrorKind {
    no_wrapper, // not `name( ... )` with an optional `;` and nothing after it
    not_json,   // the wrapper holds no JSON value (or NaN, raw control bytes, bad UTF-8 ...)
    too_deep,   // nested deeper than any answer of this API
    refused,    // success false, or a code other than "1000" (the API's own refusal)
    no_result,  // success and code fine but no result object
    bad_shape,  // a field of the wrong type or out of range (a number beyond 64 bits, ...)
};

std::string_view to_string(CommentErrorKind kind);

struct CommentError {
    CommentErrorKind kind;
    std::string message; // what was found (text from the answer quoted and cut short)
};

// The deepest nesting accepted: the answers nest 5 deep ({result:{commentList:[{...}]}}
// and a few objects below); 64 leaves room for Naver's additions and none for a stack bomb.
inline constexpr int k_comment_json_depth = 64;

std::expected<CommentPage, CommentError> parse_comment_page(std::string_view body);

// "2022-02-18T22:31:11+0900" (or "+09:00", any offset) to the same instant written in KST:
// "2022-02-18T22:31:11+09:00"; nullopt unless exactly that shape and a real time.
std::optional<std::string> comment_time_kst(std::string_view text);

} // namespace sillok::parsers
