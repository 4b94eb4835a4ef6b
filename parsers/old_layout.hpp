#pragma once
// read_old_layout: one file written by the earlier Naver crawler (the layout of
// ../shared/seed-example.md) to an Article in sillok's terms. Written for exactly that
// layout, not for YAML in general: `key: value` lines in a fixed order, values unquoted
// except the title's, the author's page tabs and line breaks as indented continuation lines,
// HTML entities in every text, `**publisher** | date | category`, and the two footer lines.
// Pure: no I/O, no clock, no globals.
#include "parsers/article.hpp"

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace sillok::parsers {

struct OldArchiveFile {
    // Fields with entities decoded and white space collapsed; content with entities decoded
    // and, as sillok writes it, &, <, > as &amp;, &lt;, &gt; (the text itself stays as the old
    // crawler glued it). published_at is what the old file knows: a date ("2025-12-30") when
    // it says 00:00, which is all that crawler ever knew; "YYYY-MM-DDTHH:MM:00+09:00" for
    // another time; "" when it is empty.
    Article article;
    std::string crawled_at;       // the old UTC time in KST: "2025-12-30T15:09:55+09:00"
    std::string old_content_hash; // the old file's content_hash, as it states it
};

struct OldLayoutError {
    size_t line = 0; // 1-based line of the file; 0 when the error is not about one line
    std::string message;
};

std::expected<OldArchiveFile, OldLayoutError> read_old_layout(std::string_view file_text);

// Text with its HTML entities decoded by libxml2's HTML parser (named, decimal and hex
// references); a '<' is taken as the character, never as a tag.
std::string decode_entities(std::string_view text);

} // namespace sillok::parsers
