#include "daemon/search/snippet.hpp"

#include "daemon/search/search_tokens.hpp"

#include <algorithm>
#include <utility>

namespace sillok::daemon {
namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u; }

// The text, with each run of control characters (line breaks) as one space.
void append_plain(std::string& out, std::string_view text)
{
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7F) {
            out += c;
        } else if (!out.ends_with(' ')) {
            out += ' '; // a line break between paragraphs is one space
        }
    }
}

// pos moved by count characters (negative: back), within the text.
size_t walk(std::string_view text, size_t pos, long count)
{
    for (; count < 0 && pos > 0; ++count) {
        do {
            --pos;
        } while (pos > 0 && continuation(text[pos]));
    }
    for (; count > 0 && pos < text.size(); --count) {
        do {
            ++pos;
        } while (pos < text.size() && continuation(text[pos]));
    }
    return pos;
}

} // namespace

std::string make_snippet(std::string_view text, const std::vector<TermTokens>& terms, std::string_view open,
                         std::string_view close, size_t width)
{
    auto tokens = search_tokens(text);
    std::vector<std::pair<size_t, size_t>> ranges;
    for (const auto& term : terms) {
        const auto& wanted = term.tokens;
        if (wanted.empty() || wanted.size() > tokens.size()) {
            continue;
        }
        for (size_t i = 0; i + wanted.size() <= tokens.size(); ++i) {
            bool same = true;
            for (size_t k = 0; k < wanted.size() && same; ++k) {
                const auto& token = tokens[i + k].text;
                same = (term.prefix && k + 1 == wanted.size()) ? token.starts_with(wanted[k]) : token == wanted[k];
            }
            if (same) {
                ranges.emplace_back(tokens[i].start, tokens[i + wanted.size() - 1].end);
            }
        }
    }
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<size_t, size_t>> merged;
    for (const auto& range : ranges) {
        if (!merged.empty() && range.first <= merged.back().second) {
            merged.back().second = std::max(merged.back().second, range.second);
        } else {
            merged.push_back(range);
        }
    }
    size_t begin = merged.empty() ? 0 : walk(text, merged.front().first, -static_cast<long>(width / 4));
    size_t end = walk(text, begin, static_cast<long>(width));
    std::string out = begin > 0 ? "…" : "";
    size_t pos = begin;
    for (const auto& [from, to] : merged) {
        if (from >= end) {
            break;
        }
        if (to <= pos) {
            continue;
        }
        size_t mark_from = std::max(from, pos);
        size_t mark_to = to; // a match is never cut
        append_plain(out, text.substr(pos, mark_from - pos));
        out += open;
        append_plain(out, text.substr(mark_from, mark_to - mark_from));
        out += close;
        pos = mark_to;
        end = std::max(end, pos);
    }
    if (pos < end) {
        append_plain(out, text.substr(pos, end - pos));
    }
    if (end < text.size()) {
        out += "…";
    }
    return out;
}

} // namespace sillok::daemon
