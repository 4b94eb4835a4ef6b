#pragma once
// A readable diff of two article contents: by paragraph, then by word inside a changed
// paragraph, and by character where words do not fit (Korean attaches particles to words:
// "정부는" -> "정부가" is one character, not one word).
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

enum class DiffOp { same, removed, added, changed };
std::string_view to_string(DiffOp op);

struct DiffPart {
    DiffOp op = DiffOp::same; // same, removed or added
    std::string text;
};

struct ParagraphDiff {
    DiffOp op = DiffOp::same;
    std::string text;            // same, removed, added: the paragraph
    std::vector<DiffPart> parts; // changed: the paragraph as runs kept, removed and added
};

// Paragraphs are separated by blank lines ("\n\n"); paragraphs of `before` and `after`
// are matched by a longest common subsequence, and a removed paragraph followed by an added
// one that shares at least half its text is one changed paragraph.
std::vector<ParagraphDiff> diff_paragraphs(std::string_view before, std::string_view after);

// Words and the spaces between them; a replaced run of words whose characters are at least
// half shared is diffed by character (UTF-8 code points) instead.
std::vector<DiffPart> diff_inline(std::string_view before, std::string_view after);

} // namespace sillok::daemon
