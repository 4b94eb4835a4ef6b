#include "daemon/archive/front_matter.hpp"

#include "daemon/archive/archive_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace sillok::daemon {
namespace {

constexpr std::string_view k_rule = "---";

// Decodes the UTF-8 sequence at text[i] and moves i past it; nullopt when it is not valid
// UTF-8 (overlong, a surrogate, beyond U+10FFFF, truncated).
std::optional<char32_t> decode_utf8(std::string_view text, size_t& i)
{
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char lead = byte(i);
    size_t length = lead < 0x80             ? 1
                    : (lead & 0xe0) == 0xc0 ? 2
                    : (lead & 0xf0) == 0xe0 ? 3
                    : (lead & 0xf8) == 0xf0 ? 4
                                            : 0;
    if (length == 0 || i + length > text.size()) {
        return std::nullopt;
    }
    auto code = static_cast<char32_t>(length == 1 ? lead : lead & (0x7f >> length));
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) {
            return std::nullopt;
        }
        code = (code << 6) | static_cast<char32_t>(byte(i + k) & 0x3f);
    }
    constexpr char32_t k_smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < k_smallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return std::nullopt;
    }
    i += length;
    return code;
}

void append_utf8(std::string& out, char32_t code)
{
    auto put = [&](char32_t bits) { out.push_back(static_cast<char>(bits)); };
    if (code < 0x80) {
        put(code);
    } else if (code < 0x800) {
        put(0xc0 | (code >> 6));
        put(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        put(0xe0 | (code >> 12));
        put(0x80 | ((code >> 6) & 0x3f));
        put(0x80 | (code & 0x3f));
    } else {
        put(0xf0 | (code >> 18));
        put(0x80 | ((code >> 12) & 0x3f));
        put(0x80 | ((code >> 6) & 0x3f));
        put(0x80 | (code & 0x3f));
    }
}

// YAML 1.2's printable characters (c-printable) without the line breaks, which cannot be
// inside one line, and without the byte order mark, which a document may not contain.
bool printable_in_line(char32_t code)
{
    return code == 0x09 || (code >= 0x20 && code <= 0x7e) || code == 0x85 || (code >= 0xa0 && code <= 0xd7ff)
           || (code >= 0xe000 && code <= 0xfffd && code != 0xfeff) || (code >= 0x10000 && code <= 0x10ffff);
}

// The character of a one-letter escape (\n, \t, ...), or nullopt when the letter is no escape.
std::optional<char32_t> simple_escape(char letter)
{
    switch (letter) {
    case '0':
        return U'\0';
    case 'a':
        return U'\a';
    case 'b':
        return U'\b';
    case 't':
    case '\t':
        return U'\t';
    case 'n':
        return U'\n';
    case 'v':
        return U'\v';
    case 'f':
        return U'\f';
    case 'r':
        return U'\r';
    case 'e':
        return U'\x1b';
    case ' ':
        return U' ';
    case '"':
        return U'"';
    case '/':
        return U'/';
    case '\\':
        return U'\\';
    case 'N':
        return U'\x85';
    case '_':
        return U'\xa0';
    case 'L':
        return U'\u2028';
    case 'P':
        return U'\u2029';
    default:
        return std::nullopt;
    }
}

// The code point of a \x, \u or \U escape whose digits start at text[i]; moves i past them.
std::expected<char32_t, std::string> hex_escape(std::string_view text, size_t& i, size_t digits)
{
    if (i + digits > text.size()) {
        return std::unexpected(fmt::format("escape needs {} hex digits", digits));
    }
    char32_t code = 0;
    for (size_t k = 0; k < digits; ++k) {
        char c = text[i + k];
        int value = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (value < 0) {
            return std::unexpected(
                fmt::format("escape needs {} hex digits, found '{}'", digits, text.substr(i, digits)));
        }
        code = code * 16 + static_cast<char32_t>(value);
    }
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return std::unexpected(fmt::format("escape \\{} is not a character", text.substr(i, digits)));
    }
    i += digits;
    return code;
}

bool valid_key(std::string_view key)
{
    return !key.empty() && std::ranges::all_of(key, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::string_view trim_blanks(std::string_view text)
{
    auto begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) {
        return {};
    }
    return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

} // namespace

const std::string* FrontMatter::find(std::string_view key) const
{
    auto it = std::ranges::find(fields, key, &FrontMatterField::key);
    return it == fields.end() ? nullptr : &it->value;
}

std::optional<std::string> FrontMatter::value(std::string_view key) const
{
    const auto* found = find(key);
    return found != nullptr ? std::optional<std::string>(*found) : std::nullopt;
}

std::expected<std::string, std::string> yaml_unquote(std::string_view scalar)
{
    if (!scalar.starts_with('"')) {
        return std::unexpected("not a double-quoted value");
    }
    std::string out;
    size_t i = 1;
    while (i < scalar.size()) {
        char c = scalar[i];
        if (c == '"') {
            if (i + 1 != scalar.size()) {
                return std::unexpected("text after the closing quote");
            }
            return out;
        }
        if (c != '\\') {
            auto code = decode_utf8(scalar, i);
            if (!code) {
                return std::unexpected("invalid UTF-8");
            }
            if (!printable_in_line(*code)) {
                return std::unexpected(
                    fmt::format("raw character U+{:04X} must be escaped", static_cast<uint32_t>(*code)));
            }
            append_utf8(out, *code);
            continue;
        }
        if (++i == scalar.size()) {
            break;
        }
        char letter = scalar[i++];
        if (auto code = simple_escape(letter)) {
            append_utf8(out, *code);
            continue;
        }
        size_t digits = letter == 'x' ? 2 : letter == 'u' ? 4 : letter == 'U' ? 8 : 0;
        if (digits == 0) {
            return std::unexpected(fmt::format("invalid escape '\\{}'", letter));
        }
        auto code = hex_escape(scalar, i, digits);
        if (!code) {
            return std::unexpected(code.error());
        }
        append_utf8(out, *code);
    }
    return std::unexpected("no closing quote");
}

std::expected<FrontMatter, FrontMatterError> parse_front_matter(std::string_view text, size_t first_line)
{
    FrontMatter front;
    size_t line_number = first_line;
    for (size_t pos = 0; pos < text.size(); ++line_number) {
        auto end = std::min(text.find('\n', pos), text.size());
        auto line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line[0] == ' ' || line[0] == '\t') {
            // Older crawlers wrote the page's tabs and line breaks into the author field.
            if (front.fields.empty()) {
                return std::unexpected(FrontMatterError{line_number, "indented or blank line before the first key"});
            }
            auto& last = front.fields.back();
            if (!front.is_legacy()) {
                front.legacy = fmt::format("the value of '{}' runs over several lines", last.key);
            }
            last.value.append("\n").append(line);
            continue;
        }
        auto colon = line.find(':');
        auto key = line.substr(0, colon);
        auto rest = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        if (colon == std::string_view::npos || !valid_key(key)
            || (!rest.empty() && rest[0] != ' ' && rest[0] != '\t')) {
            return std::unexpected(FrontMatterError{line_number, "not a 'key: value' line"});
        }
        if (front.find(key) != nullptr) {
            return std::unexpected(FrontMatterError{line_number, fmt::format("key '{}' appears twice", key)});
        }
        auto value = rest.substr(std::min(rest.find_first_not_of(" \t"), rest.size()));
        if (value.starts_with('"')) {
            auto unquoted = yaml_unquote(trim_blanks(value));
            if (!unquoted) {
                return std::unexpected(
                    FrontMatterError{line_number, fmt::format("value of '{}': {}", key, unquoted.error())});
            }
            front.fields.push_back({std::string(key), std::move(*unquoted)});
            continue;
        }
        if (!front.is_legacy()) {
            front.legacy = fmt::format("the value of '{}' is not double-quoted", key);
        }
        front.fields.push_back({std::string(key), std::string(value)});
    }
    return front;
}

std::optional<std::string_view> written_content(std::string_view body)
{
    auto first = std::string_view::npos;
    auto last = std::string_view::npos;
    for (size_t pos = 0; pos < body.size();) {
        auto end = body.find('\n', pos);
        if (end == std::string_view::npos) {
            break;
        }
        if (body.substr(pos, end - pos) == k_rule) {
            first = std::min(first, pos);
            last = pos;
        }
        pos = end + 1;
    }
    if (first == last) {
        return std::nullopt;
    }
    auto start = first + k_rule.size() + 1;
    auto between = body.substr(start, last - start);
    if (between.size() < 3 || !between.starts_with('\n') || !between.ends_with("\n\n")) {
        return std::nullopt;
    }
    return between.substr(1, between.size() - 3);
}

std::expected<ArchiveFileText, FrontMatterError> read_archive_file(std::string_view file_text)
{
    if (!file_text.starts_with("---\n")) {
        return std::unexpected(FrontMatterError{1, "no front matter: the file does not begin with a '---' line"});
    }
    auto close = file_text.find("\n---\n", 3);
    if (close == std::string_view::npos) {
        return std::unexpected(FrontMatterError{0, "the front matter has no closing '---' line"});
    }
    auto front = parse_front_matter(file_text.substr(4, close + 1 - std::min<size_t>(close + 1, 4)));
    if (!front) {
        return std::unexpected(front.error());
    }
    return ArchiveFileText{std::move(*front), written_content(file_text.substr(close + 5))};
}

std::optional<ArchiveFileText> read_intact_file(std::string_view file_text, std::string_view hash)
{
    auto parsed = read_archive_file(file_text);
    if (!parsed || parsed->front_matter.is_legacy() || !parsed->content) {
        return std::nullopt;
    }
    const auto* stated = parsed->front_matter.find("content_hash");
    if (stated == nullptr || *stated != hash || content_hash(*parsed->content) != hash) {
        return std::nullopt;
    }
    return std::move(*parsed);
}

std::optional<std::string> read_file_bytes(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        return std::nullopt;
    }
    return std::move(buffer).str();
}

} // namespace sillok::daemon
