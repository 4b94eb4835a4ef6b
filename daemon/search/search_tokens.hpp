#pragma once
// Korean as it is written, for the search index: how text is cut into the tokens the index
// holds, the same for the archive's text and for a query.
//   - Full-width ASCII (Ａ, ５, ＡＩ) is read as ASCII, and Latin letters in lower case.
//   - A run of Hangul, Hanja or kana is cut into overlapping two-character tokens
//     (반도체산업 → 반도 도체 체산 산업), so that a word of two syllables or more is found
//     inside the agglutinated forms around it (정부 in 정부는, 정부가, 정부·여당); a run of one
//     character (尹 대통령, 美·中) is one token of one character.
//   - A run of Latin letters and digits (ai, 5g, 2024) is one token.
//   - Everything else (spaces, punctuation, symbols, invalid UTF-8) separates tokens.
// No I/O: used by the index engine's tokenizer and by the search command alike.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct SearchToken {
    std::string text; // normalised
    size_t start = 0; // byte range in the text it was read from
    size_t end = 0;
    bool lone_cjk = false; // one Hangul/Hanja character alone (found only where it stands alone)
};

// Calls emit(token, start, end) for each token in order; stops early when emit returns
// false. The token is valid during the call only.
class SearchTokenSink {
public:
    virtual ~SearchTokenSink() = default;
    virtual bool emit(std::string_view token, size_t start, size_t end) = 0;
};
void tokenize_for_search(std::string_view text, SearchTokenSink& sink);

std::vector<SearchToken> search_tokens(std::string_view text);

} // namespace sillok::daemon
