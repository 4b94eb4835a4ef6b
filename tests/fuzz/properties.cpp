#include "tests/fuzz/properties.hpp"

#include "daemon/archive/archive_format.hpp"
#include "parsers/content.hpp"
#include "parsers/html.hpp"
#include "parsers/text.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace sillok::fuzz {
namespace {

using Fields = std::vector<std::pair<std::string_view, std::string>>;

// The front matter's keys and values in FORMAT.md's order.
Fields expected_fields(const parsers::Article& article, const std::string& hash, std::string_view crawled_at)
{
    Fields fields = {
        {"id", article.ref.id()},
        {"title", article.title},
        {"category", article.category},
        {"publisher", article.publisher},
        {"author", article.author},
        {"published_at", article.published_at},
        {"crawled_at", std::string(crawled_at)},
        {"url", article.ref.canonical_url()},
        {"oid", article.ref.oid},
        {"aid", article.ref.aid},
        {"content_hash", hash},
    };
    if (article.modified_at) {
        fields.emplace_back("modified_at", *article.modified_at);
    }
    if (article.original_url) {
        fields.emplace_back("original_url", *article.original_url);
    }
    return fields;
}

YAML::Node load_yaml(std::string_view text)
{
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        require(false, "the front matter is not valid YAML", e.what());
    }
    return {};
}

void check_front_matter(std::string_view front, const Fields& fields)
{
    require(static_cast<std::size_t>(std::ranges::count(front, '\n')) == fields.size(),
            "the front matter does not hold one key a line", front);
    auto yaml = load_yaml(front);
    require(yaml.IsMap() && yaml.size() == fields.size(), "the front matter is not a map of the fields", front);
    std::size_t i = 0;
    for (const auto& entry : yaml) {
        const auto& [key, value] = fields[i++];
        require(entry.first.Scalar() == key, "a key differs", entry.first.Scalar());
        require(entry.second.IsScalar(), "a value is not a scalar", key);
        // "!" is the non-specific tag of a quoted scalar: no tag, anchor or alias got in.
        require(entry.second.Tag() == "!", "a value is not a plain quoted string", key);
        require(entry.second.Scalar() == value, "a value does not read back", key);
    }
}

// The content between the body's two rules: after the rule that follows the heading and
// byline lines, up to the last rule, which opens the footer.
std::string_view body_content(std::string_view body)
{
    require(body.starts_with("\n# "), "the body does not start with the title heading", body);
    auto title_end = body.find('\n', 3);
    require(title_end != std::string_view::npos && body.substr(title_end, 2) == "\n\n", "no byline line", body);
    auto byline_end = body.find('\n', title_end + 2);
    constexpr std::string_view k_rule = "\n\n---\n\n";
    require(byline_end != std::string_view::npos && body.substr(byline_end, k_rule.size()) == k_rule,
            "no rule after the byline", body);
    auto start = byline_end + k_rule.size();
    auto end = body.rfind(k_rule);
    require(end != std::string_view::npos && end >= start, "no rule before the footer", body);
    return body.substr(start, end - start);
}

bool digits(std::string_view text, std::size_t count)
{
    return text.size() == count && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

bool single_line(std::string_view text) { return text.find('\n') == std::string_view::npos; }

} // namespace

void require(bool ok, std::string_view what, std::string_view detail)
{
    if (ok) {
        return;
    }
    constexpr std::size_t k_shown = 2000;
    // fwrite: the detail may hold NUL bytes, which %s would stop at.
    std::fprintf(stderr, "property violated: %.*s\n", static_cast<int>(what.size()), what.data());
    std::fwrite(detail.data(), 1, std::min(detail.size(), k_shown), stderr);
    std::fputc('\n', stderr);
    std::abort();
}

void check_article_ref(const parsers::ArticleRef& ref)
{
    require(digits(ref.oid, 3), "the oid is not 3 digits", ref.oid);
    require(digits(ref.aid, 10), "the aid is not 10 digits", ref.aid);
    require(ref.id() == ref.oid + "_" + ref.aid, "id() is not oid_aid", ref.id());
    auto again = parsers::parse_url(ref.canonical_url());
    require(again.has_value() && *again == ref, "the canonical URL does not parse back", ref.canonical_url());
}

void check_archive_round_trip(const parsers::Article& article, std::string_view crawled_at)
{
    const auto hash = daemon::content_hash(article.content);
    const auto file = daemon::render_archive_file(article, hash, crawled_at);
    require(file.starts_with("---\n"), "the file does not open with front matter", file);
    auto front_end = file.find("\n---\n", 3);
    require(front_end != std::string::npos, "the front matter is not closed", file);
    std::string_view text = file;
    check_front_matter(text.substr(4, front_end - 3), expected_fields(article, hash, crawled_at));

    const bool plain_heading = single_line(article.title) && single_line(article.publisher)
                               && single_line(article.category) && single_line(article.published_at)
                               && single_line(crawled_at) && single_line(article.ref.oid)
                               && single_line(article.ref.aid);
    if (plain_heading) {
        auto content = body_content(text.substr(front_end + 5));
        require(daemon::content_hash(content) == hash, "the body's content does not hash to content_hash", content);
    }
}

} // namespace sillok::fuzz

namespace sillok::fuzz {
namespace {

// text as HTML character references, one per code point (a U+FFFD for a bad byte).
std::string as_references(std::string_view text)
{
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char32_t cp = parsers::next_code_point(text, pos);
        out += "&#x";
        char hex[16];
        std::snprintf(hex, sizeof hex, "%X;", cp == 0 || cp > 0x10FFFF ? 0xFFFDu : static_cast<unsigned>(cp));
        out += hex;
    }
    return out;
}

// Occurrences of "](" not preceded by a backslash: the Markdown links and images.
std::size_t link_openings(std::string_view content)
{
    std::size_t count = 0;
    for (auto at = content.find("]("); at != std::string_view::npos; at = content.find("](", at + 2)) {
        count += at == 0 || content[at - 1] != '\\' ? 1 : 0;
    }
    return count;
}

} // namespace

void check_photo_markdown(std::string_view url, std::string_view caption)
{
    const std::string page = "<html><body><article id=\"dic_area\"><span class=\"end_photo_org\"><img data-src=\""
                             + as_references(url) + "\"><em class=\"img_desc\">" + as_references(caption)
                             + "</em></span></article></body></html>";
    auto doc = parsers::parse_html(page);
    require(doc.has_value() && *doc != nullptr, "a photo page did not parse", page);
    const auto content =
        parsers::article_content(parsers::select_first(parsers::root_element(doc->get()), "//*[@id='dic_area']"));
    // Only an http(s) address is written as an image; otherwise the caption alone is page
    // text, which may hold anything Markdown-like the page wrote.
    const auto address = parsers::collapse_white_space(url);
    std::string given_scheme(std::string_view(address).substr(0, address.find("://")));
    std::ranges::transform(given_scheme, given_scheme.begin(), [](char c) { return static_cast<char>(c | 0x20); });
    const bool web = address.find("://") != std::string::npos && (given_scheme == "http" || given_scheme == "https");
    if (!web || !content.starts_with("![")) {
        return;
    }
    require(link_openings(content) == 1, "the image's Markdown holds more than one link", content);
    const auto open = content.rfind("](");
    require(content.ends_with(")"), "the image does not end the content", content);
    const auto destination = std::string_view(content).substr(open + 2, content.size() - open - 3);
    require(destination.find_first_of(" ()<>\n\t") == std::string_view::npos,
            "the destination holds a character that ends a link", content);
    std::string scheme(destination.substr(0, destination.find("://")));
    std::ranges::transform(scheme, scheme.begin(), [](char c) { return static_cast<char>(c | 0x20); });
    require(destination.find("://") != std::string_view::npos && (scheme == "http" || scheme == "https"),
            "an image address that is not http(s)", content);
}

} // namespace sillok::fuzz
