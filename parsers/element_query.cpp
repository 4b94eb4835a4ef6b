#include "parsers/element_query.hpp"

#include "parsers/html.hpp"

namespace sillok::parsers {

bool has_class_token(const xmlNode* node, std::string_view name)
{
    auto classes = attribute(node, "class");
    if (!classes) {
        return false;
    }
    constexpr std::string_view k_xpath_white_space = " \t\r\n";
    std::string_view rest = *classes;
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(k_xpath_white_space);
        if (start == std::string_view::npos) {
            return false;
        }
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(k_xpath_white_space);
        if (rest.substr(0, end) == name) {
            return true;
        }
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    return false;
}

bool attribute_equals(const xmlNode* node, const char* name, std::string_view value)
{
    auto actual = attribute(node, name);
    return actual && *actual == value;
}

} // namespace sillok::parsers
