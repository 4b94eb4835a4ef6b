#include "daemon/comments/comments_file.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace sillok::daemon {

std::string comments_file_path(std::string_view article_path, const parsers::ArticleRef& ref)
{
    const auto folder = std::filesystem::path(article_path).parent_path();
    return (folder / (ref.oid + "_" + ref.aid + ".comments.jsonl")).generic_string();
}

std::string render_comments_file(const std::vector<StoredComment>& comments)
{
    std::string out;
    for (const auto& c : comments) {
        nlohmann::ordered_json line;
        line["comment_no"] = c.comment_no;
        line["parent_no"] = c.parent_no;
        line["author"] = c.author;
        line["text"] = c.text;
        line["posted_at"] = c.posted_at;
        line["modified_at"] =
            c.modified_at.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.modified_at);
        line["likes"] = c.likes;
        line["dislikes"] = c.dislikes;
        line["replies"] = c.replies;
        line["state"] = std::string(parsers::to_string(c.state));
        line["first_seen"] = c.first_seen;
        line["last_seen"] = c.last_seen;
        if (c.author_id) {
            line["author_id"] = *c.author_id;
        }
        if (c.profile_image) {
            line["profile_image"] = *c.profile_image;
        }
        // Text read from the API is valid UTF-8 (the parser refuses anything else); replace
        // keeps a line whole even so.
        out += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        out += '\n';
    }
    return out;
}

} // namespace sillok::daemon
