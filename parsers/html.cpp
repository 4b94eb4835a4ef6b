#include "parsers/html.hpp"

#include "parsers/text.hpp"

#include <climits>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <cctype>

namespace sillok::parsers {
namespace {

constexpr int k_parse_options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET;

// libxml2 must be initialised once before threads use it concurrently.
void init_libxml2_once()
{
    static const bool k_initialised = [] {
        xmlInitParser();
        return true;
    }();
    (void)k_initialised;
}

// Frees a string libxml2 allocated, after copying it.
std::string take_xml_string(xmlChar* value)
{
    if (value == nullptr) {
        return {};
    }
    std::string out(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return out;
}

// True when the head of the page declares a charset other than UTF-8 (euc-kr, ks_c_5601-1987,
// cp949, ...) in a meta element.
bool declares_legacy_charset(std::string_view bytes)
{
    constexpr std::size_t k_head = 4096;
    std::string head(bytes.substr(0, k_head));
    for (auto& c : head) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto at = head.find("charset=");
    if (at == std::string::npos) {
        return false;
    }
    auto value = std::string_view(head).substr(at + 8);
    while (!value.empty() && (value.front() == '"' || value.front() == '\'' || value.front() == ' ')) {
        value.remove_prefix(1);
    }
    return !value.starts_with("utf-8") && !value.starts_with("utf8");
}

struct ParserContextDeleter {
    void operator()(htmlParserCtxt* p) const { htmlFreeParserCtxt(p); }
};
using ParserContext = std::unique_ptr<htmlParserCtxt, ParserContextDeleter>;

// True for a libxml2 report that means the tree is not the whole page: a limit was hit
// (depth, text node size, memory), the input could not be converted, or reading stopped.
// Ordinary HTML errors (a stray end tag, an unknown entity) are repaired by the parser and
// do not count.
bool cuts_the_page_short(const xmlError& error)
{
    return error.level == XML_ERR_FATAL || error.code == XML_ERR_NO_MEMORY || error.code == XML_ERR_INTERNAL_ERROR
           || error.domain == XML_FROM_I18N || error.domain == XML_FROM_IO || error.domain == XML_FROM_MEMORY;
}

// The first report that cut the page short, trimmed; empty while there is none.
struct ParseReports {
    std::string cut_short;
};

void ignore_generic_error(void* /*context*/, const char* /*format*/, ...) {}

// Reads the bytes into a tree with libxml2's limits lifted (XML_PARSE_HUGE, which its HTML
// parser honours for nesting depth and text node size), or names the limit that stopped it.
std::expected<HtmlDocument, std::string> read_whole(std::string_view bytes, const char* encoding, int options)
{
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
        return std::unexpected("the page is larger than the HTML parser reads (2 GiB)");
    }
    ParserContext ctxt{htmlCreateMemoryParserCtxt(bytes.data(), static_cast<int>(bytes.size()))};
    if (!ctxt) {
        return std::unexpected("the HTML parser could not start (out of memory)");
    }
    htmlCtxtUseOptions(ctxt.get(), options);
    ctxt->options |= XML_PARSE_HUGE;
    if (encoding != nullptr) {
        if (xmlCharEncodingHandler* handler = xmlFindCharEncodingHandler(encoding); handler != nullptr) {
            xmlSwitchToEncoding(ctxt.get(), handler);
        }
    }
    ParseReports reports;
    ctxt->_private = &reports;
    // Reports reach the context's own handler (user data: the context), whatever the
    // NOERROR option silences. The parameter type differs between libxml2 versions.
    ctxt->sax->serror = [](void* user_data, auto* error) {
        auto* context = static_cast<htmlParserCtxt*>(user_data);
        auto* into = context == nullptr ? nullptr : static_cast<ParseReports*>(context->_private);
        if (into == nullptr || error == nullptr || !into->cut_short.empty() || !cuts_the_page_short(*error)) {
            return;
        }
        std::string message = error->message == nullptr ? "unknown error" : error->message;
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
            message.pop_back();
        }
        into->cut_short = "the HTML parser stopped: " + message;
    };
    // Conversion errors go to libxml2's generic (per-thread) channel, not to the context:
    // they are silenced there and seen below in the input buffer's error.
    xmlSetGenericErrorFunc(nullptr, ignore_generic_error);
    htmlParseDocument(ctxt.get());
    HtmlDocument doc{ctxt->myDoc};
    ctxt->myDoc = nullptr;
    if (reports.cut_short.empty() && ctxt->input != nullptr && ctxt->input->buf != nullptr
        && ctxt->input->buf->error != 0) {
        reports.cut_short = "the HTML parser stopped: the page's bytes are not valid in the charset it declares";
    }
    if (!reports.cut_short.empty()) {
        return std::unexpected(std::move(reports.cut_short));
    }
    return doc;
}

} // namespace

std::expected<HtmlDocument, std::string> parse_html(std::string_view bytes)
{
    init_libxml2_once();
    if (bytes.empty()) {
        return HtmlDocument{};
    }
    // A declared charset must not override bytes that are already UTF-8: the page's
    // declaration is ignored then, which is what HTML_PARSE_IGNORE_ENC does. Bytes that are
    // not UTF-8 are decoded by the declared charset (legacy EUC-KR/CP949 pages), unless the
    // page declares UTF-8 or nothing: then a stray bad byte becomes U+FFFD instead of
    // switching libxml2 to Latin-1 for the rest of the page.
    std::string repaired;
    if (!is_valid_utf8(bytes)) {
        if (declares_legacy_charset(bytes)) {
            return read_whole(bytes, nullptr, k_parse_options);
        }
        repaired = to_valid_utf8(bytes);
        bytes = repaired;
    }
    return read_whole(bytes, "UTF-8", k_parse_options | HTML_PARSE_IGNORE_ENC);
}

HtmlDocument parse_utf8_html_reporting(std::string_view utf8, HtmlParseReport& report)
{
    init_libxml2_once();
    report = {};
    if (utf8.empty() || utf8.size() > static_cast<std::size_t>(INT_MAX)) {
        return nullptr;
    }
    HtmlParserContext ctxt{htmlNewParserCtxt()};
    if (!ctxt) {
        report.stopped = true;
        return nullptr;
    }
    // A structured handler on this context alone sees every error, NOERROR or not.
    ctxt->_private = &report;
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    // (The error's pointer type differs between libxml2 versions, hence the generic lambda.)
    ctxt->sax->serror = [](void* user_data, auto* error) {
        auto* parser = static_cast<htmlParserCtxt*>(user_data);
        auto& seen = *static_cast<HtmlParseReport*>(parser->_private);
        if (error->code == XML_ERR_TAG_NAME_MISMATCH || error->code == XML_HTML_STRUCURE_ERROR) {
            seen.misnested = true;
        }
        if (error->level == XML_ERR_FATAL || error->code == XML_ERR_NO_MEMORY
            || error->code == XML_ERR_INTERNAL_ERROR) {
            seen.stopped = true;
        }
    };
    HtmlDocument doc{htmlCtxtReadMemory(ctxt.get(), utf8.data(), static_cast<int>(utf8.size()), nullptr, "UTF-8",
                                        k_parse_options | HTML_PARSE_IGNORE_ENC)};
    report.stopped = report.stopped || ctxt->disableSAX != 0 || ctxt->_private != &report;
    return doc;
}

std::vector<xmlNode*> select_nodes(const xmlNode* context, const std::string& xpath)
{
    std::vector<xmlNode*> nodes;
    if (context == nullptr || context->doc == nullptr) {
        return nodes;
    }
    XPathContext ctx{xmlXPathNewContext(context->doc)};
    if (!ctx) {
        return nodes;
    }
    ctx->node = const_cast<xmlNode*>(context);
    // A bad expression selects nothing, without libxml2 printing to stderr. (The handler's
    // parameter type differs between libxml2 versions, hence the generic lambda.)
    ctx->error = [](void* /*user_data*/, auto* /*error*/) {};
    XPathObject result{xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath.c_str()), ctx.get())};
    if (!result || result->type != XPATH_NODESET || result->nodesetval == nullptr) {
        return nodes;
    }
    const xmlNodeSet* set = result->nodesetval;
    nodes.reserve(static_cast<std::size_t>(set->nodeNr));
    for (int i = 0; i < set->nodeNr; ++i) {
        nodes.push_back(set->nodeTab[i]);
    }
    return nodes;
}

xmlNode* select_first(const xmlNode* context, const std::string& xpath)
{
    auto nodes = select_nodes(context, xpath);
    return nodes.empty() ? nullptr : nodes.front();
}

std::string class_test(std::string_view name)
{
    return "contains(concat(' ', normalize-space(@class), ' '), ' " + std::string(name) + " ')";
}

xmlNode* root_element(const xmlDoc* doc) { return doc == nullptr ? nullptr : xmlDocGetRootElement(doc); }

bool is_element(const xmlNode* node, std::string_view name)
{
    return node != nullptr && node->type == XML_ELEMENT_NODE && node->name != nullptr
           && name == reinterpret_cast<const char*>(node->name);
}

bool has_class(const xmlNode* node, std::string_view name)
{
    if (node == nullptr || node->type != XML_ELEMENT_NODE) {
        return false;
    }
    auto classes = attribute(node, "class");
    if (!classes) {
        return false;
    }
    // Tokens are separated by ASCII white space, as in HTML's class attribute.
    std::string_view rest = *classes;
    constexpr std::string_view k_separators = " \t\r\n\f";
    while (!rest.empty()) {
        auto start = rest.find_first_not_of(k_separators);
        if (start == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(start);
        auto end = rest.find_first_of(k_separators);
        if (rest.substr(0, end) == name) {
            return true;
        }
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    return false;
}

std::optional<std::string> attribute(const xmlNode* node, const char* name)
{
    if (node == nullptr || node->type != XML_ELEMENT_NODE) {
        return std::nullopt;
    }
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    if (value == nullptr) {
        return std::nullopt;
    }
    return take_xml_string(value);
}

std::string raw_text(const xmlNode* node)
{
    return node == nullptr ? std::string{} : take_xml_string(xmlNodeGetContent(node));
}

} // namespace sillok::parsers
