#include "parsers/article_regions.hpp"

#include "parsers/byte_search.hpp"
#include "parsers/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace sillok::parsers {
namespace {

using Why = std::string_view;
constexpr auto k_npos = std::string_view::npos;

// A comment after each region in the small document: parsed alone, its body must hold
// exactly region, comment, region, comment, ... or a region did not end where the scan says.
constexpr std::string_view k_region_end = "sillok-region-end";
// Regions larger than this share of the page (1/4) save too little to be worth it.
constexpr std::size_t k_max_region_share = 4;

// Elements without content in libxml2's HTML 4 table: their start tag is the whole element.
constexpr std::array<std::string_view, 17> k_void_elements = {"area",  "base",  "basefont", "br",    "col",     "embed",
                                                              "frame", "hr",    "img",      "input", "isindex", "link",
                                                              "meta",  "param", "source",   "track", "wbr"};

struct Span {
    std::size_t begin;
    std::size_t end; // one past the last byte
};

struct Region {
    Span span;
    std::string name; // lower case, as libxml2 names elements
};

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_name_char(char c) { return is_ascii_alpha(c) || (c >= '0' && c <= '9') || c == '-'; }

// Characters that continue a class token, id or property value: a mark next to one is part
// of a longer word, not the mark.
bool is_token_char(char c) { return is_name_char(c) || c == '_' || c == ':'; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// True when text at offset at starts with lower_prefix, ASCII case ignored.
bool starts_with_ci(std::string_view text, std::size_t at, std::string_view lower_prefix)
{
    if (at > text.size() || text.size() - at < lower_prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
        if (ascii_lower(text[at + i]) != lower_prefix[i]) {
            return false;
        }
    }
    return true;
}

struct StartTag {
    std::string name;
    std::size_t end = 0; // one past its '>'
    bool self_closing = false;
};

// The plain start tag whose '<' is at lt: a name, attributes whose values are quoted only
// right after '=', then '>'. Nullopt for anything else.
std::optional<StartTag> start_tag_at(std::string_view page, std::size_t lt)
{
    std::size_t pos = lt + 1;
    if (pos >= page.size() || !is_ascii_alpha(page[pos])) {
        return std::nullopt;
    }
    StartTag tag;
    while (pos < page.size() && is_name_char(page[pos])) {
        tag.name.push_back(ascii_lower(page[pos++]));
    }
    char previous = ' ';
    while (pos < page.size()) {
        const char c = page[pos];
        if (c == '>') {
            tag.end = pos + 1;
            tag.self_closing = previous == '/';
            return tag;
        }
        if (c == '<') {
            return std::nullopt;
        }
        if (c == '"' || c == '\'') {
            const auto close = page.find(c, pos + 1);
            if (previous != '=' || close == k_npos) {
                return std::nullopt;
            }
            pos = close + 1;
            previous = c;
            continue;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
            previous = c;
        }
        ++pos;
    }
    return std::nullopt;
}

// The first "</name" at or after from (libxml2 ends a script at "</script" whatever follows).
std::size_t find_end_tag(std::string_view page, std::string_view lower_name, std::size_t from)
{
    for (auto at = page.find("</", from); at != k_npos; at = page.find("</", at + 2)) {
        if (starts_with_ci(page, at + 2, lower_name)) {
            return at;
        }
    }
    return k_npos;
}

// Where the comment, script or style starting at lt ends (a script's end tag is not part
// of it); 0 when lt starts ordinary markup; an error for markup the scan does not follow.
std::expected<std::size_t, Why> raw_text_end(std::string_view page, std::size_t lt)
{
    if (page.substr(lt).starts_with("<!--")) {
        const auto end = page.find("-->", lt + 4);
        if (end == k_npos) {
            return std::unexpected(Why{"an unterminated comment"});
        }
        if (page.substr(lt + 4, end - lt - 4).find("--!>") != k_npos) {
            return std::unexpected(Why{"a comment closed by --!>"});
        }
        return end + 3;
    }
    if (starts_with_ci(page, lt, "<!doctype")) {
        return 0;
    }
    if (starts_with_ci(page, lt, "<!") || starts_with_ci(page, lt, "<?")) {
        return std::unexpected(Why{"<! or <? markup"});
    }
    for (std::string_view name : {"script", "style"}) {
        if (starts_with_ci(page, lt + 1, name) && lt + 1 + name.size() < page.size()
            && !is_name_char(page[lt + 1 + name.size()])) {
            const auto tag = start_tag_at(page, lt);
            const auto end = tag ? find_end_tag(page, name, tag->end) : k_npos;
            if (end == k_npos) {
                return std::unexpected(Why{"a script or style without its end tag"});
            }
            return end;
        }
    }
    return 0;
}

// The comments, scripts and styles of the page in order: their bytes are not markup.
std::expected<std::vector<Span>, Why> raw_text_spans(std::string_view page)
{
    std::vector<Span> spans;
    for (auto lt = page.find('<'); lt != k_npos; lt = page.find('<', lt + 1)) {
        auto end = raw_text_end(page, lt);
        if (!end) {
            return std::unexpected(end.error());
        }
        if (*end != 0) {
            spans.push_back({lt, *end});
            lt = *end - 1;
        }
    }
    return spans;
}

bool in_spans(const std::vector<Span>& spans, std::size_t at)
{
    auto after = std::ranges::upper_bound(spans, at, {}, &Span::begin);
    return after != spans.begin() && at < std::prev(after)->end;
}

// One past the end tag that closes the element whose start tag is tag, counting nested
// elements of the same name outside comments and scripts; nullopt when there is none.
std::optional<std::size_t> element_end(std::string_view page, const StartTag& tag, const std::vector<Span>& spans)
{
    if (tag.self_closing || std::ranges::find(k_void_elements, tag.name) != k_void_elements.end()) {
        return tag.end;
    }
    auto span = std::ranges::lower_bound(spans, tag.end, {}, &Span::begin);
    int depth = 1;
    for (auto lt = page.find('<', tag.end); lt != k_npos; lt = page.find('<', lt + 1)) {
        if (span != spans.end() && span->begin == lt) {
            lt = span->end - 1;
            ++span;
            continue;
        }
        const bool closing = lt + 1 < page.size() && page[lt + 1] == '/';
        const auto name_at = lt + (closing ? 2 : 1);
        const auto after = name_at + tag.name.size();
        if (!starts_with_ci(page, name_at, tag.name) || (after < page.size() && is_name_char(page[after]))) {
            continue;
        }
        if (!closing) {
            ++depth;
        } else if (--depth == 0) {
            const auto gt = page.find('>', after);
            return gt == k_npos ? std::nullopt : std::optional(gt + 1);
        }
    }
    return std::nullopt;
}

std::optional<unsigned long> digit_value(char c, unsigned long base)
{
    unsigned long value = 16;
    if (c >= '0' && c <= '9') {
        value = static_cast<unsigned long>(c - '0');
    } else if (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') {
        value = static_cast<unsigned long>(ascii_lower(c) - 'a' + 10);
    }
    return value < base ? std::optional(value) : std::nullopt;
}

// A character reference could spell a mark that the byte scan does not see; references to
// anything but letters, digits and the mark punctuation cannot.
std::optional<Why> hides_marks_in_references(std::string_view page)
{
    for (auto at = page.find("&#"); at != k_npos; at = page.find("&#", at + 2)) {
        std::size_t pos = at + 2;
        const bool hex = pos < page.size() && (page[pos] == 'x' || page[pos] == 'X');
        pos += hex ? 1 : 0;
        unsigned long value = 0;
        const std::size_t digits_at = pos;
        while (pos < page.size() && pos - digits_at < 8) {
            const auto digit = digit_value(page[pos], hex ? 16 : 10);
            if (!digit) {
                break;
            }
            value = value * (hex ? 16 : 10) + *digit;
            ++pos;
        }
        if (pos == digits_at) {
            continue;
        }
        if (pos >= page.size() || page[pos] != ';') {
            return Why{"a character reference without ';'"};
        }
        if (value < 0x80 && is_token_char(static_cast<char>(value))) {
            return Why{"a character reference to a letter, digit or mark punctuation"};
        }
    }
    return std::nullopt;
}

// True when the '<' at lt is not inside another tag: the last '<' before it was closed.
bool starts_outside_tags(std::string_view page, std::size_t lt)
{
    if (lt == 0) {
        return true;
    }
    const auto previous_lt = page.rfind('<', lt - 1);
    const auto previous_gt = page.rfind('>', lt - 1);
    return previous_lt == k_npos || (previous_gt != k_npos && previous_gt > previous_lt);
}

// The shortest prefix of mark (at least 3 bytes) that it shares with another mark, or mark
// itself: the page is searched once per such key, not once per mark.
std::string_view search_key(std::string_view mark, std::span<const std::string_view> marks)
{
    std::string_view key = mark;
    for (std::string_view other : marks) {
        std::size_t common = 0;
        while (common < mark.size() && common < other.size() && mark[common] == other[common]) {
            ++common;
        }
        if (other != mark && common >= 3 && common < key.size()) {
            key = mark.substr(0, common);
        }
    }
    return key;
}

// Every occurrence of a mark in page, not next to a character that would make it part of a
// longer word: its offset and length, in no particular order.
std::vector<Span> mark_occurrences(std::string_view page, std::span<const std::string_view> marks)
{
    std::vector<std::string_view> keys;
    for (std::string_view mark : marks) {
        if (auto key = search_key(mark, marks); std::ranges::find(keys, key) == keys.end()) {
            keys.push_back(key);
        }
    }
    std::vector<Span> found;
    for (const auto [at, key_index] : find_all(page, keys)) {
        const std::string_view key = keys[key_index];
        for (std::string_view mark : marks) {
            const auto after = at + mark.size();
            if (mark.starts_with(key) && page.substr(at, mark.size()) == mark
                && !(at > 0 && is_token_char(page[at - 1])) && !(after < page.size() && is_token_char(page[after]))) {
                found.push_back({at, after});
            }
        }
    }
    return found;
}

// The regions holding every occurrence of the marks, in page order, nested ones dropped.
std::expected<std::vector<Region>, Why> find_regions(std::string_view page, std::span<const std::string_view> marks,
                                                     const std::vector<Span>& spans)
{
    std::vector<Region> regions;
    std::vector<std::size_t> loose; // occurrences not in a start tag: must lie inside a region
    for (const auto [at, after] : mark_occurrences(page, marks)) {
        const auto lt = page.rfind('<', at);
        std::optional<StartTag> tag;
        if (lt != k_npos && !in_spans(spans, at) && !in_spans(spans, lt) && starts_outside_tags(page, lt)) {
            tag = start_tag_at(page, lt);
        }
        if (!tag || tag->end <= at) {
            loose.push_back(at);
            continue;
        }
        const auto end = element_end(page, *tag, spans);
        if (!end) {
            return std::unexpected(Why{"a region without its end tag"});
        }
        regions.push_back(Region{{lt, *end}, std::move(tag->name)});
    }
    std::ranges::sort(regions, {}, [](const Region& r) { return r.span.begin; });
    std::vector<Region> outermost;
    for (auto& region : regions) {
        if (!outermost.empty() && region.span.begin < outermost.back().span.end) {
            if (region.span.end > outermost.back().span.end) {
                return std::unexpected(Why{"overlapping regions"});
            }
            continue;
        }
        outermost.push_back(std::move(region));
    }
    for (auto at : loose) {
        const auto inside =
            std::ranges::any_of(outermost, [&](const Region& r) { return r.span.begin < at && at < r.span.end; });
        if (!inside) {
            return std::unexpected(Why{"a mark outside any region's start tag (text, script, comment)"});
        }
    }
    return outermost;
}

// True when body holds exactly each region's element followed by its end comment.
bool regions_parsed_alone(const xmlNode* body, const std::vector<Region>& regions)
{
    const xmlNode* node = body == nullptr ? nullptr : body->children;
    for (const auto& region : regions) {
        if (!is_element(node, region.name)) {
            return false;
        }
        node = node->next;
        if (node == nullptr || node->type != XML_COMMENT_NODE || node->content == nullptr
            || reinterpret_cast<const char*>(node->content) != k_region_end) {
            return false;
        }
        node = node->next;
    }
    return node == nullptr;
}

const xmlNode* body_of(const xmlDoc* doc)
{
    for (const xmlNode* node = root_element(doc) == nullptr ? nullptr : root_element(doc)->children; node != nullptr;
         node = node->next) {
        if (is_element(node, "body")) {
            return node;
        }
    }
    return nullptr;
}

} // namespace

std::expected<HtmlDocument, std::string_view> parse_regions(std::string_view page,
                                                            std::span<const std::string_view> marks)
{
    if (std::ranges::any_of(marks, [](std::string_view mark) { return mark.empty(); })) {
        return std::unexpected(Why{"an empty mark"});
    }
    if (page.empty() || !is_valid_utf8(page)) {
        return std::unexpected(Why{"not UTF-8"});
    }
    // libxml2 ends the whole page's parse at a NUL byte that follows markup, and reads
    // nothing after it; the regions alone would read on.
    if (page.find('\0') != std::string_view::npos) {
        return std::unexpected(Why{"a NUL byte"});
    }
    if (auto why = hides_marks_in_references(page)) {
        return std::unexpected(*why);
    }
    auto spans = raw_text_spans(page);
    if (!spans) {
        return std::unexpected(spans.error());
    }
    auto regions = find_regions(page, marks, *spans);
    if (!regions) {
        return std::unexpected(regions.error());
    }
    std::string small = "<html><head></head><body>";
    for (const auto& region : *regions) {
        small.append(page.substr(region.span.begin, region.span.end - region.span.begin));
        small.append("<!--").append(k_region_end).append("-->");
    }
    small.append("</body></html>");
    if (small.size() * k_max_region_share > page.size()) {
        return std::unexpected(Why{"the regions are a large part of the page"});
    }
    HtmlParseReport report;
    auto doc = parse_utf8_html_reporting(small, report);
    if (report.stopped) {
        return std::unexpected(Why{"libxml2 stopped in a region (a limit)"});
    }
    if (report.misnested) {
        return std::unexpected(Why{"a region's end tags would close elements around it"});
    }
    if (!regions_parsed_alone(body_of(doc.get()), *regions)) {
        return std::unexpected(Why{"a region's element does not end at its end tag"});
    }
    return doc;
}

} // namespace sillok::parsers
