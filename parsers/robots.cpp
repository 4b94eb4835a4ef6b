#include "parsers/robots.hpp"

#include "parsers/text.hpp"

#include <algorithm>
#include <cctype>

namespace sillok::parsers {
namespace {

struct Group {
    std::vector<std::string> agents; // lower case
    std::vector<std::string> rules;
};

std::vector<Group> groups_of(std::string_view text)
{
    std::vector<Group> groups;
    bool in_agents = false; // consecutive user-agent lines open one group
    while (!text.empty()) {
        auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        line = trim_ascii(line.substr(0, line.find('#')));
        auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        auto key = ascii_lower(trim_ascii(line.substr(0, colon)));
        auto value = trim_ascii(line.substr(colon + 1));
        if (key == "user-agent") {
            if (!in_agents) {
                groups.emplace_back();
            }
            groups.back().agents.push_back(ascii_lower(value));
            in_agents = true;
        } else if ((key == "allow" || key == "disallow") && !groups.empty()) {
            groups.back().rules.push_back(std::string(key == "allow" ? "Allow: " : "Disallow: ") + std::string(value));
            in_agents = false;
        } else {
            in_agents = false;
        }
    }
    return groups;
}

} // namespace

std::vector<std::string> robots_rules(std::string_view robots_txt, std::string_view product_token)
{
    const auto groups = groups_of(robots_txt);
    const auto token = ascii_lower(product_token);
    auto collect = [&](auto matches) {
        std::vector<std::string> rules;
        for (const auto& group : groups) {
            if (std::ranges::any_of(group.agents, matches)) {
                rules.insert(rules.end(), group.rules.begin(), group.rules.end());
            }
        }
        return rules;
    };
    auto own = collect([&](const std::string& agent) { return !token.empty() && agent == token; });
    if (!own.empty()) {
        return own;
    }
    return collect([](const std::string& agent) { return agent == "*"; });
}

} // namespace sillok::parsers
