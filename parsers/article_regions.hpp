#pragma once
// The regions of a page that the article rules read, found by a byte scan and parsed alone:
// parse_article's shortcut past the rest of the page (navigation, comments, recommendations).
#include "parsers/html.hpp"

#include <expected>
#include <span>
#include <string_view>

namespace sillok::parsers {

// Builds one small document from the elements of page that carry any of marks (ids, class
// tokens, meta properties or rel values the rules look for), in page order, so that every
// query of the rules finds in it the same elements, with the same content, as in the whole
// page. Each mark occurrence must sit in the attributes of an element's start tag, outside
// scripts and comments; the element ends at its matching end tag. The error (a static
// string) says why the page must be parsed whole instead:
// - a mark is empty; the page is not UTF-8, holds a NUL byte (where libxml2 stops reading
//   the whole page), or has a construct the scan does not follow (an unterminated comment
//   or script, "<!" or "<?" markup, a character reference that spells a letter);
// - a mark sits in text, a script, a comment or a malformed tag, or two regions overlap;
// - a region has no matching end tag, or libxml2 reads it differently alone (an end tag
//   that would close elements around it, an element closed before its end tag, a limit);
// - the regions are too large a part of the page to save anything.
std::expected<HtmlDocument, std::string_view> parse_regions(std::string_view page,
                                                            std::span<const std::string_view> marks);

} // namespace sillok::parsers
