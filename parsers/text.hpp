#pragma once
// Plain-text rules shared by the page parsers: UTF-8 decoding, what counts as white space,
// and collapsing white space the way FORMAT.md asks for every field.
#include <cstddef>
#include <string>
#include <string_view>

namespace sillok::parsers {

// True when bytes are well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// bytes with every ill-formed sequence replaced by U+FFFD (one per bad byte).
std::string to_valid_utf8(std::string_view bytes);

// Untrusted text as a message may quote it: control characters (C0, DEL, C1), backslashes
// and bytes that are not UTF-8 written as \xNN (a backslash as \\), and text past max_bytes
// cut, saying how long it was. Nothing in it can move a terminal's cursor, set its title or
// start a new log line.
std::string quoted_for_message(std::string_view untrusted, std::size_t max_bytes = 200);

// The code point that starts at pos, advancing pos past it. A byte that does not start a
// well-formed sequence decodes as itself (so callers never loop forever on bad input).
char32_t next_code_point(std::string_view text, std::size_t& pos);

// White space for FORMAT.md: ASCII white space and separators, no-break spaces, the Unicode
// space separators (U+2000..U+200A, U+3000, ...), line and paragraph separators, and the
// zero-width characters U+200B, U+200C, U+200D and U+FEFF.
bool is_white_space(char32_t cp);

// Every run of white space becomes one ' ', and the result is trimmed.
std::string collapse_white_space(std::string_view text);

// text without leading and trailing ASCII white space (space, \t, \r, \n, \f, \v): for
// protocol values (URLs, attributes, robots.txt lines), not page text.
std::string_view trim_ascii(std::string_view text);

// text with ASCII letters in lower case (host names, schemes, keys); other bytes unchanged.
std::string ascii_lower(std::string_view text);

// The Markdown body's only escapes (FORMAT.md): &, <, > as &amp;, &lt;, &gt;.
std::string escape_body(std::string_view text);
// The body's escapes undone: the plain content, as content_hash hashes it.
std::string unescape_body(std::string_view written_content);

} // namespace sillok::parsers
