#include "daemon/search/search_tokens.hpp"

#include "parsers/text.hpp"

#include <cstdint>

namespace sillok::daemon {
namespace {

enum class CharClass { separator, word, cjk };

struct Decoded {
    uint32_t code = 0;
    size_t length = 1;
    bool valid = false;
};

Decoded decode(std::string_view text, size_t pos)
{
    size_t next = pos;
    auto code = static_cast<uint32_t>(parsers::next_code_point(text, next));
    // A byte that starts no well-formed sequence is read as itself: one byte, not ASCII.
    return {code, next - pos, code < 0x80 || next - pos > 1};
}

// Full-width ASCII as ASCII, Latin capitals in lower case.
uint32_t normalise(uint32_t code)
{
    if (code >= 0xFF01 && code <= 0xFF5E) {
        code -= 0xFEE0;
    }
    if ((code >= 'A' && code <= 'Z') || (code >= 0xC0 && code <= 0xDE && code != 0xD7)) {
        code += 0x20;
    }
    return code;
}

bool in(uint32_t code, uint32_t first, uint32_t last) { return code >= first && code <= last; }

CharClass classify(uint32_t code)
{
    if (code < 0x80) {
        return (in(code, '0', '9') || in(code, 'a', 'z')) ? CharClass::word : CharClass::separator;
    }
    if (in(code, 0xAC00, 0xD7A3) || in(code, 0x1100, 0x11FF) || in(code, 0x3130, 0x318F) || in(code, 0xA960, 0xA97F)
        || in(code, 0xD7B0, 0xD7FF) || in(code, 0x3400, 0x4DBF) || in(code, 0x4E00, 0x9FFF) || in(code, 0xF900, 0xFAFF)
        || in(code, 0x20000, 0x3FFFF) || in(code, 0x3040, 0x30FF) || in(code, 0x31F0, 0x31FF)) {
        return CharClass::cjk;
    }
    // Latin-1 letters; symbols, punctuation, spaces and private use elsewhere separate.
    if (code < 0x100) {
        return code >= 0xC0 && code != 0xD7 && code != 0xF7 ? CharClass::word : CharClass::separator;
    }
    if (in(code, 0x2000, 0x2BFF) || in(code, 0x3000, 0x303F) || in(code, 0xE000, 0xF8FF) || in(code, 0xFE00, 0xFE6F)
        || in(code, 0xFF00, 0xFFFF) || code >= 0x1F000) {
        return CharClass::separator;
    }
    return CharClass::word;
}

void append_utf8(std::string& out, uint32_t code)
{
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

struct Char {
    uint32_t code;
    size_t start;
    size_t end;
};

} // namespace

void tokenize_for_search(std::string_view text, SearchTokenSink& sink)
{
    std::string token;
    std::string pair;
    // The run being read: a word run is gathered into token; a CJK run emits a pair for every
    // character after its first.
    CharClass run = CharClass::separator;
    size_t run_start = 0;
    size_t run_length = 0;
    Char previous{0, 0, 0};
    auto finish = [&]() -> bool {
        bool go_on = true;
        if (run == CharClass::word) {
            go_on = sink.emit(token, run_start, previous.end);
        } else if (run == CharClass::cjk && run_length == 1) {
            token.clear();
            append_utf8(token, previous.code);
            go_on = sink.emit(token, previous.start, previous.end);
        }
        token.clear();
        run = CharClass::separator;
        run_length = 0;
        return go_on;
    };
    for (size_t pos = 0; pos < text.size();) {
        auto decoded = decode(text, pos);
        uint32_t code = decoded.valid ? normalise(decoded.code) : 0;
        auto kind = decoded.valid ? classify(code) : CharClass::separator;
        Char current{code, pos, pos + decoded.length};
        pos += decoded.length;
        if (kind != run && run != CharClass::separator && !finish()) {
            return;
        }
        if (kind == CharClass::separator) {
            continue;
        }
        if (run == CharClass::separator) {
            run = kind;
            run_start = current.start;
        }
        ++run_length;
        if (kind == CharClass::word) {
            append_utf8(token, code);
        } else if (run_length > 1) {
            pair.clear();
            append_utf8(pair, previous.code);
            append_utf8(pair, code);
            if (!sink.emit(pair, previous.start, current.end)) {
                return;
            }
        }
        previous = current;
    }
    if (run != CharClass::separator) {
        finish();
    }
}

std::vector<SearchToken> search_tokens(std::string_view text)
{
    struct Collect : SearchTokenSink {
        std::vector<SearchToken> tokens;
        bool emit(std::string_view token, size_t start, size_t end) override
        {
            // One character of three or four bytes that is a token by itself: a lone CJK character.
            auto code = decode(token, 0);
            bool lone =
                code.valid && code.length == token.size() && code.length >= 3 && classify(code.code) == CharClass::cjk;
            tokens.push_back(SearchToken{std::string(token), start, end, lone});
            return true;
        }
    } collect;
    tokenize_for_search(text, collect);
    return std::move(collect.tokens);
}

} // namespace sillok::daemon
