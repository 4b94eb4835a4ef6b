#pragma once
// A short passage of a text around the first place a query's words are found, with every
// place marked. No I/O.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

// A query term as the index reads it: its tokens in order, the last one a prefix or not.
struct TermTokens {
    std::vector<std::string> tokens;
    bool prefix = false;
};

// Up to about `width` characters of text around the first match (the start of the text when
// nothing matches), each match between open and close, "…" where the text was cut. Line
// breaks and control characters in the text become spaces.
std::string make_snippet(std::string_view text, const std::vector<TermTokens>& terms, std::string_view open,
                         std::string_view close, size_t width = 80);

} // namespace sillok::daemon
