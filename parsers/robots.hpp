#pragma once
// robots.txt (RFC 9309): the rules of the group that applies to a crawler. Pure.
#include <string>
#include <string_view>
#include <vector>

namespace sillok::parsers {

// The Allow/Disallow lines ("Disallow: /") of the group whose User-agent matches
// `product_token` (case-insensitive, e.g. "sillok"), or else of the "*" group; several
// groups for the same agent are merged, as RFC 9309 says. Empty when no group applies.
std::vector<std::string> robots_rules(std::string_view robots_txt, std::string_view product_token);

} // namespace sillok::parsers
