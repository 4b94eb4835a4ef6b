#pragma once
// The comments file beside an article: `<oid>_<aid>.comments.jsonl` in the article's folder,
// one JSON object a line, oldest first, replies after their parent (order_threads).
#include "daemon/comments/comment_ledger.hpp"
#include "parsers/article_ref.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

// The file's path relative to the archive, beside the article's file (relative too).
std::string comments_file_path(std::string_view article_path, const parsers::ArticleRef& ref);

// The file's bytes: per comment comment_no, parent_no (strings exactly as served), author,
// text, posted_at, modified_at (ISO 8601, +09:00; null when not served), likes, dislikes,
// replies, state, first_seen, last_seen; author_id and profile_image only when the ledger
// holds them (comments_author_ids). Comments in the order given.
std::string render_comments_file(const std::vector<StoredComment>& comments);

} // namespace sillok::daemon
