#include "parsers/article.hpp"

#include "parsers/article_regions.hpp"
#include "parsers/calendar_time.hpp"
#include "parsers/content.hpp"
#include "parsers/element_query.hpp"
#include "parsers/html.hpp"
#include "parsers/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace sillok::parsers {
namespace {

// What Naver's pages for deleted or withdrawn articles say, written without spaces because
// the pages space them differently ("노출 중단 된 기사", "노출 중단된 기사").
constexpr std::array<std::string_view, 9> k_gone_markers = {
    "페이지를찾을수없습니다", "기사를찾을수없습니다", "삭제된기사", "삭제되었거나", "존재하지않는", "노출중단",
    "서비스되지않는",         "서비스하지않는",       "기사가삭제"};
// An error page is short: past this much visible text, only its title and error boxes count.
constexpr std::size_t k_short_page_bytes = 4096;
// Every id, class token, meta property and rel value that the rules below look for once the
// page has an article body (#dic_area): the elements carrying them are all the rules read
// of an article page, so parse_regions can hand libxml2 those alone. A rule that reads a
// new mark must add it here. (Without #dic_area the page is read whole: the rules for
// error pages look at all of it.)
constexpr std::array<std::string_view, 16> k_region_marks = {"dic_area",
                                                             "title_area",
                                                             "media_end_head_headline",
                                                             "_ARTICLE_DATE_TIME",
                                                             "_ARTICLE_MODIFY_DATE_TIME",
                                                             "media_end_head_top_logo_img",
                                                             "byline_s",
                                                             "byline",
                                                             "media_end_head_journalist_name",
                                                             "media_end_categorize_item",
                                                             "media_end_head_origin_link",
                                                             "media_end_summary",
                                                             "og:url",
                                                             "og:title",
                                                             "og:article:author",
                                                             "canonical"};

std::unexpected<PageError> fail(PageErrorKind kind, std::string message)
{
    return std::unexpected(PageError{kind, std::move(message)});
}

std::string text_of(const xmlNode* node) { return collapse_white_space(raw_text(node)); }

std::string attribute_text(const xmlNode* node, const char* name)
{
    return collapse_white_space(attribute(node, name).value_or(""));
}

// Texts of every element with the class token name, empty ones left out, joined with ", ".
std::string joined_texts(const xmlNode* root, std::string_view name)
{
    std::string joined;
    for (const xmlNode* node : all_elements(root, [&](const xmlNode* e) { return has_class_token(e, name); })) {
        auto text = text_of(node);
        if (!text.empty()) {
            joined += (joined.empty() ? "" : ", ") + text;
        }
    }
    return joined;
}

// The first element of the document named name (any name when empty) with the class token
// class_name: //name[contains(concat(' ', normalize-space(@class), ' '), ' class_name ')].
const xmlNode* first_with_class(const xmlNode* root, std::string_view name, std::string_view class_name)
{
    return find_element(root, [&](const xmlNode* e) {
        return (name.empty() || is_element(e, name)) && has_class_token(e, class_name);
    });
}

// The first element of the document with the id: //*[@id='id'].
const xmlNode* first_with_id(const xmlNode* root, std::string_view id)
{
    return find_element(root, [&](const xmlNode* e) { return attribute_equals(e, "id", id); });
}

// //meta[@property='property']/@content
std::string meta_content(const xmlNode* root, std::string_view property)
{
    return attribute_text(
        find_element(
            root, [&](const xmlNode* e) { return is_element(e, "meta") && attribute_equals(e, "property", property); }),
        "content");
}

bool has_sports_or_entertainment_host(std::string_view url)
{
    auto parts = split_url(url);
    return parts && is_sports_or_entertainment_host(parts->host);
}

// Naver serves sports and entertainment articles under their own hosts; a page that names
// such an address as its own (og:url, canonical link) is one of them wherever it came from.
bool names_sports_or_entertainment_address(const xmlNode* root)
{
    return has_sports_or_entertainment_host(meta_content(root, "og:url"))
           || has_sports_or_entertainment_host(
               attribute_text(find_element(root,
                                           [](const xmlNode* e) {
                                               return is_element(e, "link") && attribute_equals(e, "rel", "canonical");
                                           }),
                              "href"));
}

bool has_gone_marker(std::string text)
{
    std::erase_if(text, [](unsigned char c) { return c == ' '; });
    return std::ranges::any_of(k_gone_markers,
                               [&](std::string_view marker) { return text.find(marker) != std::string::npos; });
}

// A deleted or unavailable article comes back as Naver's error page: no article body
// (#dic_area) and one of k_gone_markers in the page title, in an element of the error layout
// (class or id naming "error" / "err_"), or anywhere in a page that short. Headlines in a long
// page (a listing that mentions a deleted article) never count.
bool is_gone_page(const xmlNode* root)
{
    if (first_with_id(root, "dic_area") != nullptr) {
        return false;
    }
    if (has_gone_marker(text_of(select_first(root, "//head/title")))) {
        return true;
    }
    const std::string error_boxes = "//*[contains(@class, 'error') or contains(@id, 'error') "
                                    "or contains(@class, 'err_') or contains(@id, 'err_')]";
    for (const xmlNode* box : select_nodes(root, error_boxes)) {
        if (has_gone_marker(visible_text(box))) {
            return true;
        }
    }
    auto body_text = visible_text(select_first(root, "//body"));
    return body_text.size() <= k_short_page_bytes && has_gone_marker(std::move(body_text));
}

// Any of the marks of an article page: its body, headline, time stamp or og:type "article".
bool looks_like_article(const xmlNode* root)
{
    return first_with_id(root, "dic_area") != nullptr || first_with_id(root, "title_area") != nullptr
           || first_with_class(root, "", "media_end_head_headline") != nullptr
           || first_with_class(root, "", "_ARTICLE_DATE_TIME") != nullptr || meta_content(root, "og:type") == "article";
}

std::string title_of(const xmlNode* root)
{
    for (const xmlNode* headline :
         {first_with_id(root, "title_area"), first_with_class(root, "h2", "media_end_head_headline")}) {
        if (auto title = text_of(headline); !title.empty()) {
            return title;
        }
    }
    return meta_content(root, "og:title");
}

std::string publisher_of(const xmlNode* root)
{
    const xmlNode* logo = first_with_class(root, "img", "media_end_head_top_logo_img");
    for (const char* name : {"title", "alt"}) {
        if (auto publisher = attribute_text(logo, name); !publisher.empty()) {
            return publisher;
        }
    }
    auto author = meta_content(root, "og:article:author");
    return collapse_white_space(author.substr(0, author.find('|')));
}

std::string author_of(const xmlNode* root)
{
    for (std::string_view name : {"byline_s", "byline", "media_end_head_journalist_name"}) {
        if (auto author = joined_texts(root, name); !author.empty()) {
            return author;
        }
    }
    return {};
}

// "YYYY-MM-DD HH:MM:SS" (KST) to ISO 8601 with the +09:00 offset; nullopt unless the value
// is strictly a real time of that shape in the range parse_calendar_time accepts.
std::optional<std::string> kst_iso_time(const std::string& value)
{
    if (!parse_calendar_time(value, TimeShape::seconds)) {
        return std::nullopt;
    }
    return value.substr(0, 10) + "T" + value.substr(11) + "+09:00";
}

// The value of the first <span class="span_class ..." name="..."> ("" when none).
std::string time_attribute(const xmlNode* root, std::string_view span_class, const char* name)
{
    const xmlNode* span = find_element(root, [&](const xmlNode* e) {
        return is_element(e, "span") && has_class_token(e, span_class) && attribute(e, name).has_value();
    });
    return attribute_text(span, name);
}

std::expected<Article, PageError> article_of(const xmlNode* root, ArticleRef ref)
{
    Article article;
    article.ref = std::move(ref);
    article.title = title_of(root);
    const auto stated_time = time_attribute(root, "_ARTICLE_DATE_TIME", "data-date-time");
    auto published_at = kst_iso_time(stated_time);
    article.content = article_content(first_with_id(root, "dic_area"));
    std::vector<std::string> missing;
    if (article.title.empty()) {
        missing.emplace_back("title");
    }
    if (!published_at) {
        // A value that is there but not a real time is named, so the failure says why.
        missing.emplace_back(stated_time.empty()
                                 ? std::string("publication time (data-date-time)")
                                 : "publication time (data-date-time '" + quoted_for_message(stated_time) + "' "
                                       + calendar_time_rule(TimeShape::seconds) + ")");
    }
    if (article.content.empty()) {
        missing.emplace_back("body text (#dic_area)");
    }
    if (!missing.empty()) {
        std::string message = "article page without ";
        for (std::size_t i = 0; i < missing.size(); ++i) {
            message += (i == 0 ? "" : ", ") + missing[i];
        }
        return fail(PageErrorKind::incomplete, message);
    }
    article.published_at = *published_at;
    article.modified_at = kst_iso_time(time_attribute(root, "_ARTICLE_MODIFY_DATE_TIME", "data-modify-date-time"));
    article.publisher = publisher_of(root);
    article.author = author_of(root);
    article.category = joined_texts(root, "media_end_categorize_item");
    article.own_url = meta_content(root, "og:url");
    if (auto origin = attribute_text(first_with_class(root, "a", "media_end_head_origin_link"), "href");
        !origin.empty()) {
        article.original_url = std::move(origin);
    }
    return article;
}

// The rules, on a parsed page (the whole page, or its regions).
std::expected<Article, PageError> article_of_page(const xmlNode* root, std::string_view url)
{
    if (names_sports_or_entertainment_address(root)) {
        return fail(PageErrorKind::sports_or_entertainment, "the page names a sports or entertainment address");
    }
    auto ref = parse_url(url);
    if (!ref) {
        return fail(PageErrorKind::not_an_article, ref.error().message);
    }
    if (is_gone_page(root)) {
        return fail(PageErrorKind::gone, "Naver reports the article deleted or unavailable");
    }
    if (!looks_like_article(root)) {
        return fail(PageErrorKind::not_an_article, "the page has no article markup");
    }
    return article_of(root, std::move(*ref));
}

} // namespace

std::expected<Article, PageError> parse_article(std::string_view html, std::string_view url, ExtractStats* stats)
{
    ExtractStats ignored;
    ExtractStats& how = stats != nullptr ? *stats : ignored;
    how = {};
    if (has_sports_or_entertainment_host(url)) {
        return fail(PageErrorKind::sports_or_entertainment, "served from " + std::string(url));
    }
#ifdef SILLOK_TEST_RULES_CHANGE
    // The tests' build with changed rules also fails on marked pages (reparse --failed tests).
    if (html.find("sillok-rules-test-reject") != std::string_view::npos) {
        return fail(PageErrorKind::incomplete, "marked page refused by the rules test build");
    }
#endif
    auto regions = parse_regions(html, k_region_marks);
    if (regions && first_with_id(root_element(regions->get()), "dic_area") != nullptr) {
        return article_of_page(root_element(regions->get()), url);
    }
    how = {true, regions ? "no article body (#dic_area)" : regions.error()};
    auto doc = parse_html(html);
    if (!doc) {
        return fail(PageErrorKind::parser_limit, doc.error());
    }
    const xmlNode* root = root_element(doc->get());
    if (root == nullptr) {
        return fail(PageErrorKind::not_an_article, "empty or unreadable page");
    }
    return article_of_page(root, url);
}

std::string_view to_string(PageErrorKind kind)
{
    switch (kind) {
    case PageErrorKind::gone:
        return "gone";
    case PageErrorKind::sports_or_entertainment:
        return "sports_or_entertainment";
    case PageErrorKind::not_an_article:
        return "not_an_article";
    case PageErrorKind::incomplete:
        return "incomplete";
    case PageErrorKind::parser_limit:
        return "parser_limit";
    }
    return "unknown";
}

} // namespace sillok::parsers
