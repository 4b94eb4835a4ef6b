#include "parsers/old_layout.hpp"

#include "parsers/calendar_time.hpp"
#include "parsers/html.hpp"
#include "parsers/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <optional>
#include <vector>

namespace sillok::parsers {
namespace {

// The old crawler's keys, in the order it always wrote them.
constexpr std::array<std::string_view, 11> k_keys = {"id",     "title",        "category",    "publisher",
                                                     "author", "published_at", "crawled_at",  "url",
                                                     "oid",    "aid",          "content_hash"};

constexpr std::string_view k_footer = "\n\n---\n\n*Crawled at: ";

struct Field {
    std::string_view key;
    std::string value; // continuation lines joined with '\n'
    size_t line = 0;
};

std::unexpected<OldLayoutError> fail(size_t line, std::string message)
{
    return std::unexpected(OldLayoutError{line, std::move(message)});
}

bool all_digits(std::string_view text, size_t size)
{
    return text.size() == size && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

// Where the key of a "key: value" line ends (a lower-case key, then ": " or the line's end);
// npos for any other line.
size_t key_end(std::string_view line)
{
    auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos || (colon + 1 < line.size() && line[colon + 1] != ' ')) {
        return std::string_view::npos;
    }
    bool key = std::ranges::all_of(line.substr(0, colon), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    return key ? colon : std::string_view::npos;
}

// "key: value" lines; any other line continues the value before it (the old crawler wrote
// the author's page text with its tabs and line breaks as it came).
std::expected<std::vector<Field>, OldLayoutError> split_fields(std::string_view front)
{
    std::vector<Field> fields;
    size_t line_number = 2;
    for (size_t pos = 0; pos < front.size(); ++line_number) {
        auto end = std::min(front.find('\n', pos), front.size());
        auto line = front.substr(pos, end - pos);
        pos = end + 1;
        auto colon = key_end(line);
        if (colon == std::string_view::npos) {
            if (fields.empty()) {
                return fail(line_number, "not a 'key: value' line");
            }
            fields.back().value.append("\n").append(line);
            continue;
        }
        auto value = line.substr(std::min(colon + 2, line.size()));
        fields.push_back(Field{line.substr(0, colon), std::string(value), line_number});
    }
    return fields;
}

std::expected<std::vector<Field>, OldLayoutError> read_fields(std::string_view front)
{
    auto fields = split_fields(front);
    if (!fields) {
        return fields;
    }
    for (size_t i = 0; i < k_keys.size(); ++i) {
        if (i >= fields->size()) {
            return fail(0, "the front matter ends before '" + std::string(k_keys[i]) + "'");
        }
        if ((*fields)[i].key != k_keys[i]) {
            return fail((*fields)[i].line,
                        "expected '" + std::string(k_keys[i]) + "', found '" + std::string((*fields)[i].key) + "'");
        }
    }
    if (fields->size() > k_keys.size()) {
        return fail((*fields)[k_keys.size()].line,
                    "unexpected key '" + std::string((*fields)[k_keys.size()].key) + "'");
    }
    return fields;
}

// "2025-12-30T15:09:55+09:00"; the time point is already shifted to KST.
std::string iso_kst(std::chrono::sys_seconds local)
{
    auto day = std::chrono::floor<std::chrono::days>(local);
    std::chrono::year_month_day date{day};
    std::chrono::hh_mm_ss time{local - day};
    std::array<char, 32> out{};
    std::snprintf(out.data(), out.size(), "%04d-%02u-%02uT%02d:%02d:%02d+09:00", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return out.data();
}

// The old published_at is the page's date (Korean) with a time that is 00:00 whenever the
// crawler did not know it: such a value is a date, not midnight.
std::expected<std::string, OldLayoutError> published_at(const Field& field)
{
    if (field.value.empty()) {
        return std::string{};
    }
    auto at = parse_calendar_time(field.value, TimeShape::minutes);
    if (!at) {
        return fail(field.line,
                    "published_at '" + quoted_for_message(field.value) + "' " + calendar_time_rule(TimeShape::minutes));
    }
    if (field.value.ends_with(" 00:00")) {
        return field.value.substr(0, 10);
    }
    return iso_kst(*at);
}

// The old crawled_at is UTC without a zone.
std::expected<std::string, OldLayoutError> crawled_at(const Field& field)
{
    auto at = parse_calendar_time(field.value, TimeShape::seconds);
    if (!at) {
        return fail(field.line,
                    "crawled_at '" + quoted_for_message(field.value) + "' " + calendar_time_rule(TimeShape::seconds));
    }
    return iso_kst(*at + std::chrono::hours(9));
}

std::string field_text(std::string_view value) { return collapse_white_space(decode_entities(value)); }

// The body: "\n# title\n\n**publisher** | date | category\n\n---\n\n" content
// "\n\n---\n\n*Crawled at: ...*\n*Source: [원문 보기](url)*\n". Returns the content.
std::expected<std::string_view, OldLayoutError> body_content(std::string_view body, std::string_view url,
                                                             size_t first_line)
{
    if (!body.starts_with("\n# ")) {
        return fail(first_line, "the body does not start with a '# title' line");
    }
    auto byline = body.find("\n\n**", 3);
    auto title_end = body.find('\n', 3);
    if (byline == std::string_view::npos || byline != title_end) {
        return fail(first_line + 1, "no '**publisher** | date | category' line after the title");
    }
    auto byline_end = body.find('\n', byline + 2);
    auto byline_line = body.substr(byline + 2, byline_end - byline - 2);
    if (byline_end == std::string_view::npos || byline_line.find("** | ") == std::string_view::npos
        || !body.substr(byline_end).starts_with("\n\n---\n\n")) {
        return fail(first_line + 3, "no '**publisher** | date | category' line and rule after the title");
    }
    auto content_start = byline_end + 7;
    auto footer = body.rfind(k_footer);
    if (footer == std::string_view::npos || footer + 2 < content_start) {
        return fail(0, "no '*Crawled at: ...*' footer after the content");
    }
    auto footer_text = body.substr(footer + k_footer.size());
    auto expected_source = "*\n*Source: [원문 보기](" + std::string(url) + ")*\n";
    auto stamp_end = footer_text.find('*');
    if (stamp_end == std::string_view::npos || footer_text.substr(stamp_end) != expected_source) {
        return fail(0, "the footer is not '*Crawled at: ...*' and '*Source: [원문 보기](<url>)*'");
    }
    return body.substr(content_start, footer < content_start ? 0 : footer - content_start);
}

struct Identity {
    ArticleRef ref;
    std::string url;
};

std::expected<Identity, OldLayoutError> identity(const std::vector<Field>& fields)
{
    const auto& id = fields[0];
    const auto& url = fields[7];
    const auto& oid = fields[8];
    const auto& aid = fields[9];
    if (!all_digits(oid.value, 3)) {
        return fail(oid.line, "oid is not 3 digits: '" + quoted_for_message(oid.value) + "'");
    }
    if (!all_digits(aid.value, 10)) {
        return fail(aid.line, "aid is not 10 digits: '" + quoted_for_message(aid.value) + "'");
    }
    ArticleRef ref{oid.value, aid.value};
    if (id.value != ref.id()) {
        return fail(id.line, "id '" + quoted_for_message(id.value) + "' is not oid_aid ('" + ref.id() + "')");
    }
    if (url.value != ref.canonical_url()) {
        return fail(url.line, "url '" + quoted_for_message(url.value) + "' is not the article's canonical URL");
    }
    return Identity{ref, url.value};
}

bool is_lower_hex_hash(std::string_view text)
{
    return text.size() == 64
           && std::ranges::all_of(text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string unquoted_title(std::string_view value)
{
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        return std::string(value.substr(1, value.size() - 2));
    }
    return std::string(value);
}

} // namespace

std::string decode_entities(std::string_view text)
{
    // Every text goes through libxml2, entities or not: it drops the control characters that
    // XML does not allow (C0 but tab, line feed and carriage return), as it does from every
    // crawled page, so that an old file cannot bring in what a crawl would not.
    // The old crawler escaped every '<' it wrote, so a raw one is the character itself.
    std::string markup = "<p>";
    markup.reserve(text.size() + 16);
    for (char c : text) {
        c == '<' ? markup.append("&lt;") : markup.append(1, c);
    }
    markup += "</p>";
    auto doc = parse_html(markup);
    // A field of a file under adopt's size cap never reaches libxml2's limits; were it
    // refused, the text is kept as written rather than cut, the same controls dropped.
    if (doc) {
        return raw_text(root_element(doc->get()));
    }
    std::string kept;
    std::ranges::copy_if(text, std::back_inserter(kept), [](char c) {
        return static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r';
    });
    return kept;
}

std::expected<OldArchiveFile, OldLayoutError> read_old_layout(std::string_view file_text)
{
    if (!is_valid_utf8(file_text)) {
        return fail(0, "not UTF-8 text");
    }
    if (file_text.find('\0') != std::string_view::npos) {
        return fail(0, "not text: it holds a NUL byte");
    }
    if (!file_text.starts_with("---\n")) {
        return fail(1, "no front matter: the file does not begin with a '---' line");
    }
    auto close = file_text.find("\n---\n", 3);
    if (close == std::string_view::npos) {
        return fail(0, "the front matter has no closing '---' line");
    }
    auto front = file_text.substr(4, close + 1 - std::min<size_t>(close + 1, 4));
    auto fields = read_fields(front);
    if (!fields) {
        return std::unexpected(fields.error());
    }
    const auto& f = *fields;
    if (!f[1].value.starts_with('"') || !f[1].value.ends_with('"') || f[1].value.size() < 2) {
        return fail(f[1].line, "title is not in double quotes");
    }
    auto who = identity(f);
    if (!who) {
        return std::unexpected(who.error());
    }
    if (!is_lower_hex_hash(f[10].value)) {
        return fail(f[10].line, "content_hash is not 64 lowercase hex digits");
    }
    auto published = published_at(f[5]);
    auto crawled = published ? crawled_at(f[6]) : std::unexpected(published.error());
    if (!crawled) {
        return std::unexpected(crawled.error());
    }
    // The old crawler read the page's date off the page: it cannot be later than the crawl's
    // own (Korean) day.
    if (!published->empty() && published->substr(0, 10) > crawled->substr(0, 10)) {
        return fail(f[5].line, "published_at '" + quoted_for_message(f[5].value)
                                   + "' is later than the day of crawled_at (" + *crawled + ")");
    }
    auto front_lines = static_cast<size_t>(std::ranges::count(front, '\n'));
    auto content = body_content(file_text.substr(close + 5), who->url, front_lines + 3);
    if (!content) {
        return std::unexpected(content.error());
    }
    OldArchiveFile old;
    old.article.ref = who->ref;
    old.article.title = field_text(unquoted_title(f[1].value));
    old.article.category = field_text(f[2].value);
    old.article.publisher = field_text(f[3].value);
    old.article.author = field_text(f[4].value);
    old.article.published_at = std::move(*published);
    old.article.content = escape_body(decode_entities(*content));
    old.crawled_at = std::move(*crawled);
    old.old_content_hash = f[10].value;
    return old;
}

} // namespace sillok::parsers
