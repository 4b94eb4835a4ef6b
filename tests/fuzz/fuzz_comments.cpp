// The comment API parser on hostile answers: it never crashes or hangs, and a page it returns
// is consistent: every comment number is ASCII digits (it names rows and lines of files),
// every time is ISO 8601 in KST, counts are not negative.
#include "parsers/comments.hpp"
#include "tests/fuzz/properties.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using sillok::fuzz::require;

bool digits(std::string_view text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

bool kst_time(std::string_view text) { return text.size() == 25 && text.ends_with("+09:00") && text[10] == 'T'; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    // Half the inputs are wrapped as Naver wraps them, so mutations reach the JSON reader.
    const std::string body = size % 2 == 0 ? std::string(input) : "_callback(" + std::string(input) + ");";
    auto page = sillok::parsers::parse_comment_page(body);
    if (!page) {
        require(!page.error().message.empty(), "a failure without a message");
        return 0;
    }
    for (const auto& comment : page->comments) {
        require(digits(comment.comment_no), "a comment number that is not digits", comment.comment_no);
        require(digits(comment.parent_no), "a parent number that is not digits", comment.parent_no);
        require(kst_time(comment.posted_at), "posted_at is not a KST time", comment.posted_at);
        require(comment.modified_at.empty() || kst_time(comment.modified_at), "modified_at is not a KST time",
                comment.modified_at);
    }
    const auto& t = page->totals;
    require(t.comment >= 0 && t.reply >= 0 && t.expose >= 0 && t.total >= 0, "a negative total");
    require(!page->next || !page->next->empty(), "an empty next cursor");
    return 0;
}
