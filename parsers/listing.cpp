#include "parsers/listing.hpp"

#include "parsers/html.hpp"
#include "parsers/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace sillok::parsers {
namespace {

constexpr std::string_view k_template_path = "/section/template/";
// The paging endpoint's JSON is two objects deep; deeper values are dropped while parsing,
// so hostile nesting costs neither stack nor memory.
constexpr int k_json_depth = 3;

enum class UrlKind { fragment, page };

std::unexpected<ListingError> fail(ListingErrorKind kind, std::string message)
{
    return std::unexpected(ListingError{kind, std::move(message)});
}

// A positive decimal number and nothing else (surrounding white space aside).
std::optional<int> positive_number(std::string_view text)
{
    text = trim_ascii(text);
    if (text.empty()) {
        return std::nullopt;
    }
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value <= 0) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string_view> query_value(std::string_view query, std::string_view key)
{
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == key) {
            return pair.substr(eq + 1);
        }
        query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    }
    return std::nullopt;
}

// True when text begins with a URL scheme ("https:", "javascript:", ...).
bool has_scheme(std::string_view text)
{
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || std::isalpha(static_cast<unsigned char>(text[0])) == 0) {
        return false;
    }
    return std::ranges::all_of(text.substr(0, colon), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.';
    });
}

// An href as an absolute URL, resolved against the page's URL; empty for a fragment-only link.
std::string resolve(std::string_view href, const UrlParts& base)
{
    href = trim_ascii(href);
    if (href.empty() || href.front() == '#') {
        return {};
    }
    if (has_scheme(href)) {
        return std::string(href);
    }
    const std::string scheme = base.scheme.empty() ? "https" : base.scheme;
    if (href.starts_with("//")) {
        return scheme + ":" + std::string(href);
    }
    const std::string origin = scheme + "://" + base.host;
    if (href.front() == '/') {
        return origin + std::string(href);
    }
    const std::string path = base.path.empty() ? "/" : base.path;
    if (href.front() == '?') {
        return origin + path + std::string(href);
    }
    return origin + path.substr(0, path.rfind('/') + 1) + std::string(href);
}

// Article refs of the a[href] elements below context, in document order, without repeats.
std::vector<ArticleRef> article_refs(const xmlNode* context, const UrlParts& base)
{
    std::vector<ArticleRef> refs;
    std::set<ArticleRef> seen;
    for (const xmlNode* link : select_nodes(context, ".//a[@href]")) {
        auto ref = parse_url(resolve(attribute(link, "href").value_or(""), base));
        if (ref && seen.insert(*ref).second) {
            refs.push_back(std::move(*ref));
        }
    }
    return refs;
}

void append_new(std::vector<ArticleRef>& refs, std::vector<ArticleRef> more)
{
    for (auto& ref : more) {
        if (std::ranges::find(refs, ref) == refs.end()) {
            refs.push_back(std::move(ref));
        }
    }
}

// The marks of an article page. Listings never carry them; article pages, which also link
// to many other articles, always carry at least one.
bool is_article_page(const xmlNode* root)
{
    const xmlNode* og_type = select_first(root, "//meta[@property='og:type']");
    if (ascii_lower(trim_ascii(attribute(og_type, "content").value_or(""))) == "article") {
        return true;
    }
    return select_first(root, "//*[@id='dic_area' or @id='newsct_article' or @id='articleBodyContents']") != nullptr;
}

// Modern paging: the first element carrying data-has-next (the wrapper div._PERSIST_META) also
// carries data-cursor, data-page-no, data-template and data-date; the articles of the list
// itself are inside it. Returns false when the page has no such element.
bool read_cursor_paging(const xmlNode* root, const UrlParts& base, Listing& listing)
{
    const xmlNode* meta = select_first(root, "//*[@data-has-next]");
    if (meta == nullptr) {
        return false;
    }
    listing.has_next = ascii_lower(trim_ascii(attribute(meta, "data-has-next").value_or(""))) == "true";
    auto cursor = std::string(trim_ascii(attribute(meta, "data-cursor").value_or("")));
    if (listing.has_next && !cursor.empty()) {
        listing.next_cursor = std::move(cursor);
    }
    listing.page = positive_number(attribute(meta, "data-page-no").value_or(""));
    listing.listed = article_refs(meta, base);
    if (auto name = std::string(trim_ascii(attribute(meta, "data-template").value_or(""))); !name.empty()) {
        listing.template_name = std::move(name);
    }
    listing.date = std::string(trim_ascii(attribute(meta, "data-date").value_or("")));
    return true;
}

// Legacy paging: div.paging holds the current page as <strong> and links to other pages
// (?...&page=N), "다음" (a.next) being the first page of the next group.
void read_page_paging(const xmlNode* root, const UrlParts& base, Listing& listing)
{
    const xmlNode* paging = select_first(root, "//div[" + class_test("paging") + "]");
    if (paging == nullptr) {
        return;
    }
    listing.page = positive_number(raw_text(select_first(paging, ".//strong")));
    if (!listing.page) {
        return;
    }
    for (const xmlNode* link : select_nodes(paging, ".//a[@href]")) {
        auto target = split_url(resolve(attribute(link, "href").value_or(""), base));
        auto number = target ? positive_number(query_value(target->query, "page").value_or("")) : std::nullopt;
        if (number && *number > *listing.page && (!listing.next_page || *number < *listing.next_page)) {
            listing.next_page = number;
        }
    }
    listing.has_next = listing.next_page.has_value();
}

// The per-date list's own articles (ul.type06_headline, ul.type06) and its page numbers.
void read_legacy_list(const xmlNode* root, const UrlParts& base, Listing& listing)
{
    auto lists = select_nodes(root, "//ul[" + class_test("type06_headline") + " or " + class_test("type06") + "]");
    for (const xmlNode* list : lists) {
        append_new(listing.listed, article_refs(list, base));
    }
    read_page_paging(root, base, listing);
}

// A sub-section named by a menu link: /breakingnews/section/{sid1}/{sid2}, or a list.naver /
// main.naver link whose query holds sid1 and sid2.
std::optional<Section> linked_subsection(const UrlParts& target)
{
    constexpr std::string_view k_breaking = "/breakingnews/section/";
    std::string text;
    if (target.path.starts_with(k_breaking)) {
        text = target.path.substr(k_breaking.size());
    } else if (target.path.starts_with("/main/")) {
        auto sid1 = query_value(target.query, "sid1");
        auto sid2 = query_value(target.query, "sid2");
        if (!sid1 || !sid2) {
            return std::nullopt;
        }
        text = std::string(*sid1) + "/" + std::string(*sid2);
    }
    if (text.ends_with('/')) {
        text.pop_back();
    }
    auto section = parse_section(text);
    if (!section || !section->sid2) {
        return std::nullopt;
    }
    return *section;
}

void read_subsections(const xmlNode* root, const UrlParts& base, Listing& listing)
{
    for (const xmlNode* link : select_nodes(root, "//a[@href]")) {
        auto target = split_url(resolve(attribute(link, "href").value_or(""), base));
        if (!target || !is_news_host(target->host)) {
            continue;
        }
        auto section = linked_subsection(*target);
        if (section && std::ranges::find(listing.subsections, *section) == listing.subsections.end()) {
            listing.subsections.push_back(std::move(*section));
        }
    }
}

std::expected<Listing, ListingError> html_listing(std::string_view body, const UrlParts& base)
{
    auto doc = parse_html(body);
    if (!doc) {
        return fail(ListingErrorKind::malformed, doc.error());
    }
    const xmlNode* root = root_element(doc->get());
    if (root == nullptr) {
        return fail(ListingErrorKind::malformed, "the listing's body is empty or holds no HTML");
    }
    if (is_article_page(root)) {
        return fail(ListingErrorKind::not_a_listing, "the body is an article page, not a listing");
    }
    Listing listing;
    listing.refs = article_refs(root, base);
    if (!read_cursor_paging(root, base, listing)) {
        read_legacy_list(root, base, listing);
    }
    read_subsections(root, base, listing);
    return listing;
}

// The rendered HTML of the paging endpoint's JSON: {"renderedComponent": {"NAME": "<html>"}},
// NAME being the template of the URL. Should Naver rename the key, every string member of
// renderedComponent is taken instead, in document order.
std::expected<std::string, ListingError> rendered_html(std::string_view body, std::string_view template_name)
{
    using Json = nlohmann::ordered_json;
    auto keep_shallow = [](int depth, Json::parse_event_t /*event*/, Json& /*value*/) { return depth <= k_json_depth; };
    const Json json = Json::parse(body.begin(), body.end(), keep_shallow, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
        return fail(ListingErrorKind::malformed, "the paging endpoint's body is not a JSON object");
    }
    auto component = json.find("renderedComponent");
    if (component == json.end() || !component->is_object()) {
        return fail(ListingErrorKind::missing_component, "the paging endpoint's JSON has no renderedComponent object");
    }
    if (auto named = component->find(template_name); named != component->end() && named->is_string()) {
        if (trim_ascii(named->get_ref<const std::string&>()).empty()) {
            return fail(ListingErrorKind::empty_shell,
                        "the paging endpoint answered an empty shell (no HTML in " + std::string(template_name) + ")");
        }
        return named->get<std::string>();
    }
    std::string html;
    bool found = false;
    for (const auto& member : *component) {
        if (member.is_string()) {
            html += member.get_ref<const std::string&>();
            found = true;
        }
    }
    if (!found || trim_ascii(html).empty()) {
        return fail(ListingErrorKind::empty_shell,
                    "the paging endpoint answered an empty shell (no HTML in renderedComponent)");
    }
    return html;
}

std::expected<Listing, ListingError> fragment_listing(std::string_view body, const UrlParts& base)
{
    std::string_view name;
    if (base.path.starts_with(k_template_path)) {
        name = std::string_view(base.path).substr(k_template_path.size());
        name = name.substr(0, name.find('/'));
    }
    auto html = rendered_html(body, name);
    if (!html) {
        return std::unexpected(html.error());
    }
    Listing listing;
    auto doc = parse_html(*html);
    if (!doc) {
        return fail(ListingErrorKind::malformed, doc.error());
    }
    if (const xmlNode* root = root_element(doc->get()); root != nullptr) {
        listing.refs = article_refs(root, base);
        read_cursor_paging(root, base, listing);
        // The fragment is the list: everything in it is listed, wrapper or not.
        listing.listed = listing.refs;
    }
    return listing;
}

std::expected<UrlKind, ListingError> url_kind(std::string_view url, const std::expected<UrlParts, UrlError>& parts)
{
    if (!parts) {
        return fail(ListingErrorKind::not_a_listing, "not a listing URL: " + parts.error().message);
    }
    if (!is_news_host(parts->host)) {
        return fail(ListingErrorKind::not_a_listing, "'" + std::string(url) + "' is not a Naver News page");
    }
    if (parse_url(url)) {
        return fail(ListingErrorKind::not_a_listing, "'" + std::string(url) + "' is an article, not a listing");
    }
    if (parts->path.starts_with(k_template_path) && parts->path.size() > k_template_path.size()) {
        return UrlKind::fragment;
    }
    return UrlKind::page;
}

} // namespace

std::expected<Listing, ListingError> parse_listing(std::string_view body, std::string_view url)
{
    const auto parts = split_url(url);
    auto kind = url_kind(url, parts);
    if (!kind) {
        return std::unexpected(kind.error());
    }
    // The paging endpoint answers JSON; every other listing is an HTML page.
    if (*kind == UrlKind::fragment || trim_ascii(body).starts_with('{')) {
        return fragment_listing(body, *parts);
    }
    return html_listing(body, *parts);
}

std::string_view to_string(ListingErrorKind kind)
{
    switch (kind) {
    case ListingErrorKind::not_a_listing:
        return "not_a_listing";
    case ListingErrorKind::malformed:
        return "malformed";
    case ListingErrorKind::missing_component:
        return "missing_component";
    case ListingErrorKind::empty_shell:
        return "empty_shell";
    }
    return "unknown";
}

} // namespace sillok::parsers
