#include "daemon/history/text_diff.hpp"

#include <algorithm>
#include <cstdint>

namespace sillok::daemon {
namespace {

using Tokens = std::vector<std::string_view>;

// Beyond this many cells, the longest common subsequence is not computed: everything
// between the common prefix and suffix counts as replaced.
constexpr size_t k_max_table_cells = size_t{16} << 20;

// An edit script from a to b: same, removed (from a) and added (from b), in order.
struct Step {
    DiffOp op;
    std::string_view token;
};

std::vector<Step> edit_script(const Tokens& a, const Tokens& b)
{
    size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
        ++prefix;
    }
    size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix
           && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
        ++suffix;
    }
    size_t n = a.size() - prefix - suffix;
    size_t m = b.size() - prefix - suffix;
    std::vector<Step> steps;
    for (size_t i = 0; i < prefix; ++i) {
        steps.push_back({DiffOp::same, a[i]});
    }
    if ((n + 1) * (m + 1) > k_max_table_cells) {
        for (size_t i = 0; i < n; ++i) {
            steps.push_back({DiffOp::removed, a[prefix + i]});
        }
        for (size_t j = 0; j < m; ++j) {
            steps.push_back({DiffOp::added, b[prefix + j]});
        }
    } else {
        // lcs[i][j]: the longest common subsequence of a[i..] and b[j..] (middle parts).
        std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
        auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
        for (size_t i = n; i-- > 0;) {
            for (size_t j = m; j-- > 0;) {
                at(i, j) = a[prefix + i] == b[prefix + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
            }
        }
        size_t i = 0;
        size_t j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
                steps.push_back({DiffOp::same, a[prefix + i++]});
                ++j;
            } else if (j < m && (i == n || at(i, j + 1) > at(i + 1, j))) {
                steps.push_back({DiffOp::added, b[prefix + j++]});
            } else {
                steps.push_back({DiffOp::removed, a[prefix + i++]});
            }
        }
    }
    for (size_t i = a.size() - suffix; i < a.size(); ++i) {
        steps.push_back({DiffOp::same, a[i]});
    }
    return steps;
}

Tokens split_paragraphs(std::string_view text)
{
    Tokens out;
    while (!text.empty()) {
        auto end = text.find("\n\n");
        out.push_back(text.substr(0, end));
        if (end == std::string_view::npos) {
            break;
        }
        text.remove_prefix(end + 2);
    }
    return out;
}

// Runs of white space and runs of anything else.
Tokens split_words(std::string_view text)
{
    Tokens out;
    auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t'; };
    size_t start = 0;
    for (size_t i = 1; i <= text.size(); ++i) {
        if (i == text.size() || is_space(text[i]) != is_space(text[start])) {
            out.push_back(text.substr(start, i - start));
            start = i;
        }
    }
    return out;
}

Tokens split_characters(std::string_view text)
{
    Tokens out;
    size_t start = 0;
    for (size_t i = 1; i <= text.size(); ++i) {
        bool continuation = i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
        if (!continuation) {
            out.push_back(text.substr(start, i - start));
            start = i;
        }
    }
    return out;
}

void append(std::vector<DiffPart>& parts, DiffOp op, std::string_view text)
{
    if (text.empty()) {
        return;
    }
    if (!parts.empty() && parts.back().op == op) {
        parts.back().text += text;
    } else {
        parts.push_back({op, std::string(text)});
    }
}

size_t shared_length(const std::vector<DiffPart>& parts)
{
    size_t shared = 0;
    for (const auto& part : parts) {
        shared += part.op == DiffOp::same ? part.text.size() : 0;
    }
    return shared;
}

// A removed text and an added one, by character when that keeps at least half of them.
void append_replacement(std::vector<DiffPart>& parts, const std::string& removed, const std::string& added)
{
    if (!removed.empty() && !added.empty()) {
        std::vector<DiffPart> by_character;
        for (const auto& step : edit_script(split_characters(removed), split_characters(added))) {
            append(by_character, step.op, step.token);
        }
        if (shared_length(by_character) * 2 >= std::max(removed.size(), added.size())) {
            for (const auto& part : by_character) {
                append(parts, part.op, part.text);
            }
            return;
        }
    }
    append(parts, DiffOp::removed, removed);
    append(parts, DiffOp::added, added);
}

} // namespace

std::string_view to_string(DiffOp op)
{
    switch (op) {
    case DiffOp::same:
        return "same";
    case DiffOp::removed:
        return "removed";
    case DiffOp::added:
        return "added";
    case DiffOp::changed:
        return "changed";
    }
    return "same";
}

std::vector<DiffPart> diff_inline(std::string_view before, std::string_view after)
{
    std::vector<DiffPart> parts;
    std::string removed;
    std::string added;
    for (const auto& step : edit_script(split_words(before), split_words(after))) {
        if (step.op == DiffOp::same) {
            append_replacement(parts, removed, added);
            removed.clear();
            added.clear();
            append(parts, DiffOp::same, step.token);
        } else {
            (step.op == DiffOp::removed ? removed : added) += step.token;
        }
    }
    append_replacement(parts, removed, added);
    return parts;
}

namespace {

// Removed and added paragraphs between two kept ones: pairs that share enough become changed.
void append_paragraphs(std::vector<ParagraphDiff>& out, const Tokens& removed, const Tokens& added)
{
    size_t paired = std::min(removed.size(), added.size());
    for (size_t i = 0; i < paired; ++i) {
        auto parts = diff_inline(removed[i], added[i]);
        if (shared_length(parts) * 2 >= std::max(removed[i].size(), added[i].size())) {
            out.push_back({DiffOp::changed, {}, std::move(parts)});
        } else {
            out.push_back({DiffOp::removed, std::string(removed[i]), {}});
            out.push_back({DiffOp::added, std::string(added[i]), {}});
        }
    }
    for (size_t i = paired; i < removed.size(); ++i) {
        out.push_back({DiffOp::removed, std::string(removed[i]), {}});
    }
    for (size_t i = paired; i < added.size(); ++i) {
        out.push_back({DiffOp::added, std::string(added[i]), {}});
    }
}

} // namespace

std::vector<ParagraphDiff> diff_paragraphs(std::string_view before, std::string_view after)
{
    std::vector<ParagraphDiff> out;
    Tokens removed;
    Tokens added;
    for (const auto& step : edit_script(split_paragraphs(before), split_paragraphs(after))) {
        if (step.op == DiffOp::same) {
            append_paragraphs(out, removed, added);
            removed.clear();
            added.clear();
            out.push_back({DiffOp::same, std::string(step.token), {}});
        } else {
            (step.op == DiffOp::removed ? removed : added).push_back(step.token);
        }
    }
    append_paragraphs(out, removed, added);
    return out;
}

} // namespace sillok::daemon
