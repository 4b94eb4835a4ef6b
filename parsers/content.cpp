#include "parsers/content.hpp"

#include "parsers/html.hpp"
#include "parsers/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace sillok::parsers {
namespace {

// Elements that contribute nothing to the content (FORMAT.md "Content").
constexpr std::array<std::string_view, 6> k_ignored_elements = {"script", "style",  "noscript",
                                                                "iframe", "button", "video"};
// Elements that start and end a paragraph; every other element is inline.
constexpr std::array<std::string_view, 10> k_block_elements = {"p",  "div", "table", "ul", "ol",
                                                               "li", "h2",  "h3",    "h4", "blockquote"};
// Table cells are inline, but a cell never runs into its neighbour: where the page puts no
// white space between two cells, their texts are still separate words.
constexpr std::array<std::string_view, 2> k_cell_elements = {"td", "th"};

bool is_named(const xmlNode* node, const auto& names)
{
    return std::ranges::any_of(names, [&](std::string_view name) { return is_element(node, name); });
}

bool is_text(const xmlNode* node) { return node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE; }

std::string_view text_of(const xmlNode* node)
{
    return node->content == nullptr ? std::string_view{} : reinterpret_cast<const char*>(node->content);
}

// Ignored elements and video players (div.vod_player_wrap), with everything in them.
bool is_ignored(const xmlNode* node)
{
    return is_named(node, k_ignored_elements) || has_class(node, "vod_player_wrap");
}

// Visits the nodes below root in document order without recursion, because saved pages can
// nest elements arbitrarily deep. enter(node) says whether to visit node's children; every
// node entered that way is then left with leave(node), after its children.
template <typename Visitor>
void walk(const xmlNode* root, Visitor& visitor)
{
    const xmlNode* node = root->children;
    while (node != nullptr) {
        if (visitor.enter(node)) {
            if (node->children != nullptr) {
                node = node->children;
                continue;
            }
            visitor.leave(node);
        }
        while (node->next == nullptr) {
            node = node->parent;
            if (node == nullptr || node == root) {
                return;
            }
            visitor.leave(node);
        }
        node = node->next;
    }
}

// The text a reader sees below a node, white space collapsed: ignored elements contribute
// nothing, and <br> and block boundaries separate words.
class TextCollector {
public:
    bool enter(const xmlNode* node)
    {
        if (is_text(node)) {
            m_text.append(text_of(node));
            return false;
        }
        if (node->type != XML_ELEMENT_NODE || is_ignored(node)) {
            return false;
        }
        if (is_element(node, "br") || is_named(node, k_block_elements) || is_named(node, k_cell_elements)) {
            m_text.push_back(' ');
        }
        return true;
    }
    void leave(const xmlNode* node)
    {
        if (is_named(node, k_block_elements)) {
            m_text.push_back(' ');
        }
    }
    [[nodiscard]] std::string text() const { return collapse_white_space(m_text); }

private:
    std::string m_text;
};

// Page text in the Markdown body: &, < and > as entities, so that no page text becomes live
// HTML (FORMAT.md). Markdown syntax written by the builder itself is not escaped.
void append_escaped(std::string& to, std::string_view text)
{
    for (char c : text) {
        switch (c) {
        case '&':
            to += "&amp;";
            break;
        case '<':
            to += "&lt;";
            break;
        case '>':
            to += "&gt;";
            break;
        default:
            to.push_back(c);
        }
    }
}

std::string escaped(std::string_view text)
{
    std::string out;
    append_escaped(out, text);
    return out;
}

struct Photo {
    std::string caption; // white space collapsed, not yet escaped
    std::string url;
};

// True for an http or https address (any letter case), the only images written.
bool is_web_address(std::string_view url)
{
    auto colon = url.find("://");
    if (colon == std::string_view::npos) {
        return false;
    }
    std::string scheme(url.substr(0, colon));
    std::ranges::transform(scheme, scheme.begin(),
                           [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return scheme == "http" || scheme == "https";
}

// The address as a Markdown link destination: characters that could end it or open HTML
// (white space, parentheses, angle brackets), backslashes, quotes and control characters
// are percent-encoded, so the address stays one link whatever the page put in it.
std::string link_destination(std::string_view url)
{
    constexpr std::string_view k_encoded = " ()<>[]\\\"'`";
    std::string out;
    for (char c : url) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f || k_encoded.find(c) != std::string_view::npos) {
            constexpr std::string_view k_hex = "0123456789ABCDEF";
            out += '%';
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0x0f];
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// The image's address: data-src (lazy loading) else src. Inline data: placeholders are not
// addresses of the photo, so they do not count; nor does anything but an http(s) address.
std::optional<std::string> image_url(const xmlNode* img)
{
    for (const char* name : {"data-src", "src"}) {
        auto value = attribute(img, name);
        if (!value) {
            continue;
        }
        auto url = collapse_white_space(*value);
        if (url.empty() || !is_web_address(url)) {
            continue;
        }
        return link_destination(url);
    }
    return std::nullopt;
}

std::string photo_markdown(const Photo& photo)
{
    std::string caption;
    for (char c : escaped(photo.caption)) {
        if (c == ']' || c == '\\') {
            caption.push_back('\\');
        }
        caption.push_back(c);
    }
    return "![" + caption + "](" + escaped(photo.url) + ")";
}

void append_words(std::string& to, std::string_view words)
{
    if (!to.empty() && !words.empty()) {
        to.push_back(' ');
    }
    to.append(words);
}

// The photos of a photo container (span.end_photo_org) or of a 2022 photo table
// (table.nbd_table). Each image with an address is a photo; a caption belongs to the photo
// before it, or to the next one when no photo came yet. In a container the captions are
// the em.img_desc texts; in a table every text is caption text, one row at a time.
class PhotoCollector {
public:
    explicit PhotoCollector(bool text_is_caption) : m_text_is_caption(text_is_caption) {}

    bool enter(const xmlNode* node)
    {
        if (is_text(node)) {
            if (m_text_is_caption) {
                m_row.append(text_of(node));
            }
            return false;
        }
        if (node->type != XML_ELEMENT_NODE || is_ignored(node)) {
            return false;
        }
        if (is_element(node, "img")) {
            if (auto url = image_url(node)) {
                m_photos.push_back(Photo{std::exchange(m_pending_caption, {}), *url});
            }
            return false;
        }
        if (!m_text_is_caption && has_class(node, "img_desc")) {
            add_caption(visible_text(node));
            return false;
        }
        if (is_element(node, "br") || is_named(node, k_cell_elements)) {
            m_row.push_back(' ');
        }
        if (is_element(node, "tr")) {
            end_row();
        }
        return true;
    }
    void leave(const xmlNode* node)
    {
        if (is_element(node, "tr")) {
            end_row();
        }
    }
    std::vector<Photo>& photos()
    {
        end_row();
        return m_photos;
    }
    // Caption text that no photo took (a container whose image is missing or a video).
    [[nodiscard]] const std::string& orphan_caption() const { return m_pending_caption; }

private:
    void end_row() { add_caption(collapse_white_space(std::exchange(m_row, {}))); }
    void add_caption(const std::string& text)
    {
        append_words(m_photos.empty() ? m_pending_caption : m_photos.back().caption, text);
    }

    bool m_text_is_caption;
    std::vector<Photo> m_photos;
    std::string m_pending_caption;
    std::string m_row;
};

// Collects lines and paragraphs. Text is collapsed as it arrives; <br>s are counted and
// resolved when the next visible text comes, so white space between them does not matter:
// one is a line break, two or more end the paragraph.
class MarkdownBuilder {
public:
    void text(std::string_view raw)
    {
        std::size_t pos = 0;
        while (pos < raw.size()) {
            const std::size_t start = pos;
            if (is_white_space(next_code_point(raw, pos))) {
                m_pending_space = true;
                continue;
            }
            resolve_breaks();
            if (m_pending_space && !m_line.empty()) {
                m_line.push_back(' ');
            }
            m_pending_space = false;
            append_escaped(m_line, raw.substr(start, pos - start));
            m_uncaptioned_photo.reset();
        }
    }
    void line_break()
    {
        ++m_pending_breaks;
        m_pending_space = false;
    }
    // Separates the words on either side, as white space in the page would.
    void word_break() { m_pending_space = true; }
    void end_paragraph()
    {
        end_line();
        if (!m_lines.empty()) {
            std::string paragraph = m_lines.front();
            for (std::size_t i = 1; i < m_lines.size(); ++i) {
                paragraph += '\n' + m_lines[i];
            }
            m_blocks.push_back(std::move(paragraph));
            m_lines.clear();
        }
        m_pending_breaks = 0;
    }
    void photo(const Photo& photo)
    {
        end_paragraph();
        m_blocks.push_back(photo_markdown(photo));
        m_uncaptioned_photo.reset();
        if (photo.caption.empty()) {
            m_uncaptioned_photo = photo;
        }
    }
    // A caption outside any photo container: it captions the photo just before it when that
    // one has none and no text came between; otherwise it is a paragraph of its own.
    void caption(const std::string& text)
    {
        if (text.empty()) {
            return;
        }
        if (m_uncaptioned_photo && m_lines.empty() && m_line.empty()) {
            m_uncaptioned_photo->caption = text;
            m_blocks.back() = photo_markdown(*m_uncaptioned_photo);
        } else {
            end_paragraph();
            m_blocks.push_back(escaped(text));
        }
        m_uncaptioned_photo.reset();
    }
    std::vector<std::string> blocks() &&
    {
        end_paragraph();
        return std::move(m_blocks);
    }

private:
    void end_line()
    {
        if (!m_line.empty()) {
            m_lines.push_back(std::exchange(m_line, {}));
        }
        m_pending_space = false;
    }
    void resolve_breaks()
    {
        if (m_pending_breaks == 1) {
            end_line();
        } else if (m_pending_breaks > 1) {
            end_paragraph();
        }
        m_pending_breaks = 0;
    }

    std::vector<std::string> m_blocks;
    std::vector<std::string> m_lines;
    std::string m_line;
    bool m_pending_space = false;
    int m_pending_breaks = 0;
    std::optional<Photo> m_uncaptioned_photo; // the last block, while it is a photo without caption
};

// Walks the body (or the summary) into a MarkdownBuilder.
class BodyVisitor {
public:
    explicit BodyVisitor(MarkdownBuilder& out) : m_out(out) {}

    bool enter(const xmlNode* node)
    {
        if (is_text(node)) {
            m_out.text(text_of(node));
            return false;
        }
        // The summary is not part of the running text: article_content puts it first.
        if (node->type != XML_ELEMENT_NODE || is_ignored(node) || has_class(node, "media_end_summary")) {
            return false;
        }
        if (is_element(node, "br")) {
            m_out.line_break();
            return false;
        }
        if (is_element(node, "img")) {
            if (auto url = image_url(node)) {
                m_out.photo(Photo{{}, *url});
            }
            return false;
        }
        if (has_class(node, "img_desc")) {
            m_out.caption(visible_text(node));
            return false;
        }
        if (has_class(node, "end_photo_org") || (is_element(node, "table") && has_class(node, "nbd_table"))) {
            if (emit_photos(node)) {
                return false;
            }
        }
        if (is_named(node, k_block_elements)) {
            m_out.end_paragraph();
        } else if (is_named(node, k_cell_elements)) {
            m_out.word_break();
        }
        return true;
    }
    void leave(const xmlNode* node)
    {
        if (is_named(node, k_block_elements)) {
            m_out.end_paragraph();
        }
    }

private:
    // Emits the photos of a container or photo table; false for a table without photos,
    // which is then an ordinary table.
    bool emit_photos(const xmlNode* node)
    {
        const bool table = is_element(node, "table");
        PhotoCollector collector(table);
        walk(node, collector);
        auto& photos = collector.photos();
        if (photos.empty() && table) {
            return false;
        }
        for (const auto& photo : photos) {
            m_out.photo(photo);
        }
        if (photos.empty()) {
            m_out.caption(collector.orphan_caption());
        }
        return true;
    }

    MarkdownBuilder& m_out;
};

std::vector<std::string> blocks_of(const xmlNode* node)
{
    MarkdownBuilder builder;
    BodyVisitor visitor(builder);
    walk(node, visitor);
    return std::move(builder).blocks();
}

// Every summary's lines, in page order, as one blockquote.
std::string summary_blockquote(const xmlNode* body)
{
    std::string quote;
    const auto summary_test = class_test("media_end_summary");
    const auto xpath = ".//*[" + summary_test + "][not(ancestor::*[" + summary_test + "])]";
    for (const xmlNode* summary : select_nodes(body, xpath)) {
        for (const auto& block : blocks_of(summary)) {
            std::string_view rest = block;
            while (!rest.empty()) {
                const auto end = rest.find('\n');
                quote += (quote.empty() ? "> " : "\n> ") + std::string(rest.substr(0, end));
                rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
            }
        }
    }
    return quote;
}

} // namespace

std::string visible_text(const xmlNode* node)
{
    if (node == nullptr) {
        return {};
    }
    TextCollector collector;
    walk(node, collector);
    return collector.text();
}

std::string article_content(const xmlNode* body)
{
    if (body == nullptr) {
        return {};
    }
    std::string content = summary_blockquote(body);
    for (const auto& block : blocks_of(body)) {
        if (!content.empty()) {
            content += "\n\n";
        }
        content += block;
    }
#ifdef SILLOK_TEST_RULES_CHANGE
    content += "\n\n(rules test build)"; // a deliberate change of rules, for the reparse tests
#endif
    return content;
}

} // namespace sillok::parsers
