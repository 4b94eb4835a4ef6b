#pragma once
// The article body (#dic_area) as Markdown, by FORMAT.md's "Content" rules.
#include <libxml/tree.h>

#include <string>

namespace sillok::parsers {

// The Markdown content of an article body element: the summary blockquote first, then
// paragraphs separated by one blank line, single <br> as line breaks, photos as
// ![caption](url) paragraphs. No line has leading or trailing white space, there are no
// leading, trailing or doubled blank lines. Page text has &, < and > written as &amp;,
// &lt;, &gt; (the Markdown syntax "> ", "![", "](" is not escaped) and ']' in captions as "\]".
// Empty when the body shows no text and no photo.
std::string article_content(const xmlNode* body);

// The text a reader sees below a node, white space collapsed and trimmed: script, style and
// the other ignored elements contribute nothing; <br> and block boundaries separate words.
std::string visible_text(const xmlNode* node);

} // namespace sillok::parsers
