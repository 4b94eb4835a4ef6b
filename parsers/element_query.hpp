#pragma once
// The article rules' queries as plain walks of the tree, with XPath's meaning: "//" (every
// element of the document, in document order), @name = 'value', and the class-token test
// contains(concat(' ', normalize-space(@class), ' '), ' name '). A walk costs a fraction of
// compiling and evaluating an XPath expression, which dominated the cost of a small document.
#include <libxml/tree.h>

#include <string_view>
#include <vector>

namespace sillok::parsers {

// True for an element whose class attribute, split at XPath white space (space, tab, CR,
// LF; not form feed, unlike has_class), holds the token name.
bool has_class_token(const xmlNode* node, std::string_view name);
// True for an element whose attribute name has exactly value.
bool attribute_equals(const xmlNode* node, const char* name, std::string_view value);

// Calls visit(element) for every element of node's document in document order, until
// visit returns true; returns that element, or null.
template <typename Visit>
const xmlNode* find_element(const xmlNode* node, Visit visit)
{
    if (node == nullptr || node->doc == nullptr) {
        return nullptr;
    }
    const auto* document = reinterpret_cast<const xmlNode*>(node->doc);
    const xmlNode* at = node->doc->children;
    while (at != nullptr) {
        if (at->type == XML_ELEMENT_NODE) {
            if (visit(at)) {
                return at;
            }
            if (at->children != nullptr) {
                at = at->children;
                continue;
            }
        }
        while (at->next == nullptr) {
            at = at->parent;
            if (at == nullptr || at == document) {
                return nullptr;
            }
        }
        at = at->next;
    }
    return nullptr;
}

// Every element of node's document for which test holds, in document order.
template <typename Test>
std::vector<const xmlNode*> all_elements(const xmlNode* node, Test test)
{
    std::vector<const xmlNode*> found;
    find_element(node, [&](const xmlNode* element) {
        if (test(element)) {
            found.push_back(element);
        }
        return false;
    });
    return found;
}

} // namespace sillok::parsers
