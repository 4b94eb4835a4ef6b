#pragma once
// libxml2 for the page parsers: RAII owners for its handles, the one way pages are parsed,
// and small queries (XPath, classes, attributes, text).
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::parsers {

struct XmlDocDeleter {
    void operator()(xmlDoc* p) const { xmlFreeDoc(p); }
};
struct XPathContextDeleter {
    void operator()(xmlXPathContext* p) const { xmlXPathFreeContext(p); }
};
struct XPathObjectDeleter {
    void operator()(xmlXPathObject* p) const { xmlXPathFreeObject(p); }
};
struct HtmlParserContextDeleter {
    void operator()(htmlParserCtxt* p) const { htmlFreeParserCtxt(p); }
};

using HtmlDocument = std::unique_ptr<xmlDoc, XmlDocDeleter>;
using XPathContext = std::unique_ptr<xmlXPathContext, XPathContextDeleter>;
using XPathObject = std::unique_ptr<xmlXPathObject, XPathObjectDeleter>;
using HtmlParserContext = std::unique_ptr<htmlParserCtxt, HtmlParserContextDeleter>;

// Parses page bytes leniently, never touching the network. Bytes that are well-formed UTF-8
// are read as UTF-8 whatever the page declares (Naver serves UTF-8 under euc-kr declarations);
// other bytes are decoded by the charset the page declares. The document is null when
// libxml2 builds no tree (e.g. empty input).
// Pages are read whole: libxml2's size and depth limits are lifted (its "huge" mode), and a
// page that still hits one of its limits, or that it stops reading part-way (an encoding it
// cannot convert), is an error naming that limit, never a document cut short.
std::expected<HtmlDocument, std::string> parse_html(std::string_view bytes);

// What libxml2 reported while parse_utf8_html_reporting read its bytes.
struct HtmlParseReport {
    // An end tag that closed elements on the way or had no element open to close, or a
    // misplaced html/head/body tag: elements outside these bytes could have changed the tree.
    bool misnested = false;
    // libxml2 stopped before the end (a limit, memory): the tree may be cut short.
    bool stopped = false;
};

// Parses bytes that are well-formed UTF-8 exactly as parse_html does, and reports what the
// page's regions (parsers/article_regions.hpp) must be checked for. Null when no tree.
HtmlDocument parse_utf8_html_reporting(std::string_view utf8, HtmlParseReport& report);

// Nodes matching an XPath expression evaluated with context as the context node, in
// document order. An invalid expression yields no nodes.
std::vector<xmlNode*> select_nodes(const xmlNode* context, const std::string& xpath);
// The first such node, or null.
xmlNode* select_first(const xmlNode* context, const std::string& xpath);

// XPath predicate body that is true when @class holds the token name:
// contains(concat(' ', normalize-space(@class), ' '), ' name ').
std::string class_test(std::string_view name);

// The root element of a document, or null.
xmlNode* root_element(const xmlDoc* doc);

// True for an element node whose (lower-case, as libxml2's HTML parser reports) name is name.
bool is_element(const xmlNode* node, std::string_view name);
// True for an element node whose class attribute holds the token name.
bool has_class(const xmlNode* node, std::string_view name);
// The attribute's value (entities decoded), or nullopt when the element lacks it.
std::optional<std::string> attribute(const xmlNode* node, const char* name);
// All text below the node, entities decoded, white space as in the page.
std::string raw_text(const xmlNode* node);

} // namespace sillok::parsers
