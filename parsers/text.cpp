#include "parsers/text.hpp"

#include <cstdint>
#include <cstring>
#include <optional>

namespace sillok::parsers {
namespace {

// Decodes one well-formed UTF-8 sequence at pos, or nothing when the bytes there are not one.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t& pos)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(pos);
    if (lead < 0x80) {
        ++pos;
        return lead;
    }
    std::size_t length = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2, cp = lead & 0x1fU, min = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3, cp = lead & 0x0fU, min = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4, cp = lead & 0x07U, min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (pos + length > text.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const unsigned char next = byte(pos + i);
        if ((next & 0xc0U) != 0x80) {
            return std::nullopt;
        }
        cp = (cp << 6U) | (next & 0x3fU);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return std::nullopt;
    }
    pos += length;
    return cp;
}

// True when the eight bytes at p are all ASCII.
bool ascii_word(const unsigned char* p)
{
    constexpr std::uint64_t k_high_bits = 0x8080808080808080ULL;
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    return (word & k_high_bits) == 0;
}

bool is_continuation(unsigned char byte) { return (byte & 0xc0U) == 0x80; }

} // namespace

// The same judgement as decode_utf8's, without decoding: every page goes through it, and
// Korean text is three-byte sequences back to back.
bool is_valid_utf8(std::string_view bytes)
{
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* const end = p + bytes.size();
    while (p < end) {
        if (end - p >= 8 && ascii_word(p)) {
            p += 8;
            continue;
        }
        const unsigned char lead = *p;
        const auto left = end - p;
        if (lead < 0x80) {
            p += 1;
        } else if (lead >= 0xc2 && lead <= 0xdf) {
            if (left < 2 || !is_continuation(p[1])) {
                return false;
            }
            p += 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            // E0 needs A0..BF next (no overlong forms), ED needs 80..9F (no surrogates).
            if (left < 3 || !is_continuation(p[1]) || !is_continuation(p[2]) || (lead == 0xe0 && p[1] < 0xa0)
                || (lead == 0xed && p[1] > 0x9f)) {
                return false;
            }
            p += 3;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            // F0 needs 90..BF next (no overlong forms), F4 needs 80..8F (nothing past U+10FFFF).
            if (left < 4 || !is_continuation(p[1]) || !is_continuation(p[2]) || !is_continuation(p[3])
                || (lead == 0xf0 && p[1] < 0x90) || (lead == 0xf4 && p[1] > 0x8f)) {
                return false;
            }
            p += 4;
        } else {
            return false;
        }
    }
    return true;
}

std::string to_valid_utf8(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::size_t start = pos;
        if (decode_utf8(bytes, pos)) {
            out.append(bytes.substr(start, pos - start));
        } else {
            out.append("\xEF\xBF\xBD");
            pos = start + 1;
        }
    }
    return out;
}

char32_t next_code_point(std::string_view text, std::size_t& pos)
{
    if (auto cp = decode_utf8(text, pos)) {
        return *cp;
    }
    return static_cast<unsigned char>(text[pos++]);
}

bool is_white_space(char32_t cp)
{
    switch (cp) {
    case 0x20:
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
    case 0x200b:
    case 0x200c:
    case 0x200d:
    case 0xfeff:
        return true;
    default:
        // TAB, LF, VT, FF, CR; the information separators U+001C..U+001F; U+2000..U+200A.
        return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f) || (cp >= 0x2000 && cp <= 0x200a);
    }
}

std::string collapse_white_space(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t start = pos;
        if (is_white_space(next_code_point(text, pos))) {
            pending_space = true;
            continue;
        }
        if (pending_space && !out.empty()) {
            out.push_back(' ');
        }
        pending_space = false;
        out.append(text.substr(start, pos - start));
    }
    return out;
}

std::string quoted_for_message(std::string_view untrusted, std::size_t max_bytes)
{
    std::string out;
    auto escape = [&out](unsigned char byte) {
        constexpr std::string_view k_hex = "0123456789abcdef";
        out += "\\x";
        out += k_hex[byte >> 4];
        out += k_hex[byte & 0x0f];
    };
    std::size_t pos = 0;
    while (pos < untrusted.size() && pos < max_bytes) {
        const std::size_t start = pos;
        const char32_t cp = next_code_point(untrusted, pos);
        const bool bad = pos - start == 1 && cp >= 0x80;
        if (bad || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            for (std::size_t i = start; i < pos; ++i) {
                escape(static_cast<unsigned char>(untrusted[i]));
            }
        } else if (cp == '\\') {
            out += "\\\\";
        } else {
            out.append(untrusted.substr(start, pos - start));
        }
    }
    if (pos < untrusted.size()) {
        out += "... (" + std::to_string(untrusted.size()) + " bytes)";
    }
    return out;
}

std::string_view trim_ascii(std::string_view text)
{
    constexpr std::string_view k_space = " \t\r\n\f\v";
    auto first = text.find_first_not_of(k_space);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(k_space) - first + 1);
}

std::string ascii_lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string escape_body(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

std::string unescape_body(std::string_view written_content)
{
    std::string plain;
    plain.reserve(written_content.size());
    for (size_t i = 0; i < written_content.size(); ++i) {
        auto rest = written_content.substr(i);
        if (rest.starts_with("&amp;")) {
            plain.push_back('&');
            i += 4;
        } else if (rest.starts_with("&lt;")) {
            plain.push_back('<');
            i += 3;
        } else if (rest.starts_with("&gt;")) {
            plain.push_back('>');
            i += 3;
        } else {
            plain.push_back(written_content[i]);
        }
    }
    return plain;
}

} // namespace sillok::parsers
