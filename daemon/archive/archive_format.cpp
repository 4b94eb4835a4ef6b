#include "daemon/archive/archive_format.hpp"

#include "daemon/util/digest.hpp"
#include "parsers/text.hpp"

#include <fmt/format.h>

namespace sillok::daemon {
namespace {

constexpr size_t k_version_hash_prefix = 12;

// "2024-05-30T11:40:08+09:00" -> "2024-05-30 11:40" (length 16) or "... 11:40:08" (19).
std::string display_time(std::string_view iso, size_t length)
{
    std::string text(iso.substr(0, length));
    if (text.size() > 10 && text[10] == 'T') {
        text[10] = ' ';
    }
    return text;
}

void append_field(std::string& out, std::string_view key, std::string_view value)
{
    out.append(key).append(": ").append(yaml_quote(value)).push_back('\n');
}

} // namespace

// Escapes what YAML does not allow raw in a double-quoted scalar, and what a reader could
// take for a line break: C0 and C1 controls, DEL, U+2028/U+2029, the byte order mark and
// the non-characters U+FFFE/U+FFFF. Ill-formed UTF-8 becomes U+FFFD.
std::string yaml_quote(std::string_view text)
{
    auto valid = parsers::to_valid_utf8(text);
    std::string out = "\"";
    size_t pos = 0;
    while (pos < valid.size()) {
        size_t start = pos;
        char32_t code = parsers::next_code_point(valid, pos);
        bool escape = code < 0x20 || code == 0x7f || (code >= 0x80 && code <= 0x9f) || code == 0x2028 || code == 0x2029
                      || code == 0xfeff || code == 0xfffe || code == 0xffff;
        if (code == '"' || code == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(code));
        } else if (escape) {
            out += fmt::format("\\u{:04X}", static_cast<uint32_t>(code));
        } else {
            out.append(valid, start, pos - start);
        }
    }
    out.push_back('"');
    return out;
}

std::string content_hash(std::string_view written_content) { return sha256_hex(unescape_body(written_content)); }

std::string render_archive_file(const parsers::Article& article, std::string_view content_hash,
                                std::string_view crawled_at)
{
    std::string out = "---\n";
    append_field(out, "id", article.ref.id());
    append_field(out, "title", article.title);
    append_field(out, "category", article.category);
    append_field(out, "publisher", article.publisher);
    append_field(out, "author", article.author);
    append_field(out, "published_at", article.published_at);
    append_field(out, "crawled_at", crawled_at);
    append_field(out, "url", article.ref.canonical_url());
    append_field(out, "oid", article.ref.oid);
    append_field(out, "aid", article.ref.aid);
    append_field(out, "content_hash", content_hash);
    if (article.modified_at) {
        append_field(out, "modified_at", *article.modified_at);
    }
    if (article.original_url) {
        append_field(out, "original_url", *article.original_url);
    }
    out += "---\n\n";
    out += "# " + escape_body(article.title) + "\n\n";
    out += "**" + escape_body(article.publisher) + "** | " + display_time(article.published_at, 16) + " | "
           + escape_body(article.category) + "\n\n";
    out += "---\n\n";
    out += article.content + "\n\n";
    out += "---\n\n";
    out += "*Crawled at: " + display_time(crawled_at, 19) + "*\n";
    out += "*Source: [원문 보기](" + escape_body(article.ref.canonical_url()) + ")*\n";
    return out;
}

std::string archive_relative_path(const parsers::Article& article)
{
    const auto& at = article.published_at; // validated by the parser: YYYY-MM-DDTHH:MM:SS+09:00
    return at.substr(0, 4) + "/" + at.substr(5, 2) + "/" + at.substr(8, 2) + "/" + article.ref.id() + ".md";
}

std::string version_relative_path(std::string_view current_path, std::string_view hash)
{
    std::string path(current_path);
    if (path.ends_with(".md")) {
        path.resize(path.size() - 3);
    }
    return path + "." + std::string(hash.substr(0, k_version_hash_prefix)) + ".md";
}

std::optional<std::string> front_matter_hash(std::string_view text)
{
    if (!text.starts_with("---\n")) {
        return std::nullopt;
    }
    auto end = text.find("\n---\n", 3);
    auto front = text.substr(0, end);
    constexpr std::string_view k_key = "\ncontent_hash:";
    auto pos = front.find(k_key);
    if (pos == std::string_view::npos) {
        return std::nullopt;
    }
    auto line = front.substr(pos + k_key.size());
    line = line.substr(0, line.find('\n'));
    std::string value;
    for (char c : line) {
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
            value.push_back(c);
        }
    }
    if (value.size() != 64) {
        return std::nullopt;
    }
    return value;
}

} // namespace sillok::daemon
