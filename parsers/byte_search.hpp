#pragma once
// Several byte strings found in one pass over a text: the region scan's search for the
// marks of an article page, which are found in the page's 150 KB to 1 MB.
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace sillok::parsers {

struct NeedleAt {
    std::size_t offset; // where in the text the needle starts
    std::size_t needle; // its index in needles
};

// Every occurrence of every needle in text, overlapping ones too, in order of offset (at one
// offset, in order of needle). An empty needle is never found.
std::vector<NeedleAt> find_all(std::string_view text, std::span<const std::string_view> needles);

} // namespace sillok::parsers
