// The article parser on hostile pages: mutated real pages, and pages built deeply nested or
// enormous. It never crashes, and every article it returns keeps FORMAT.md's field rules
// and renders to an archive file that reads back (properties.hpp). A page read from its
// regions gives what the whole page gives.
#include "daemon/archive/archive_format.hpp"
#include "parsers/article.hpp"
#include "parsers/text.hpp"
#include "tests/fuzz/properties.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using sillok::fuzz::require;

constexpr std::string_view k_url = "https://n.news.naver.com/mnews/article/003/0012577249";
constexpr std::string_view k_crawled_at = "2026-01-01T09:00:00+09:00";
constexpr std::size_t k_max_repeats = 100'000;
constexpr std::size_t k_max_fragment = 64;

// An input that starts with a NUL byte (no saved page does) describes a page instead of
// being one: a repeat count, an opening and a closing fragment, and the inner page, which
// becomes opening * count + inner + closing * count: up to 100,000 levels deep or ~13 MB.
std::string page_of(const std::uint8_t* data, std::size_t size)
{
    if (size == 0 || data[0] != 0) {
        return std::string(reinterpret_cast<const char*>(data), size);
    }
    FuzzedDataProvider input(data + 1, size - 1);
    const auto repeats = input.ConsumeIntegralInRange<std::size_t>(1, k_max_repeats);
    const auto opening = input.ConsumeRandomLengthString(k_max_fragment);
    const auto closing = input.ConsumeRandomLengthString(k_max_fragment);
    const auto inner = input.ConsumeRemainingBytesAsString();
    std::string page;
    page.reserve(repeats * (opening.size() + closing.size()) + inner.size());
    for (std::size_t i = 0; i < repeats; ++i) {
        page += opening;
    }
    page += inner;
    for (std::size_t i = 0; i < repeats; ++i) {
        page += closing;
    }
    return page;
}

// "YYYY-MM-DDTHH:MM:SS+09:00", which archive_relative_path relies on.
bool kst_time(std::string_view text)
{
    constexpr std::string_view k_shape = "dddd-dd-ddTdd:dd:dd+09:00";
    if (text.size() != k_shape.size()) {
        return false;
    }
    for (std::size_t i = 0; i < k_shape.size(); ++i) {
        const bool ok = k_shape[i] == 'd' ? text[i] >= '0' && text[i] <= '9' : text[i] == k_shape[i];
        if (!ok) {
            return false;
        }
    }
    return true;
}

// FORMAT.md: every field is UTF-8 with its white space collapsed to single spaces and trimmed.
void check_field(std::string_view name, const std::string& value)
{
    require(sillok::parsers::is_valid_utf8(value), "a field is not UTF-8", name);
    require(sillok::parsers::collapse_white_space(value) == value, "a field's white space is not collapsed", name);
}

void check_article(const sillok::parsers::Article& article)
{
    require(!article.title.empty() && !article.content.empty(), "an article without title or content");
    check_field("title", article.title);
    check_field("category", article.category);
    check_field("publisher", article.publisher);
    check_field("author", article.author);
    if (article.original_url) {
        check_field("original_url", *article.original_url);
    }
    require(sillok::parsers::is_valid_utf8(article.content), "the content is not UTF-8");
    require(kst_time(article.published_at), "published_at is malformed", article.published_at);
    require(!article.modified_at || kst_time(*article.modified_at), "modified_at is malformed");
    const auto path = sillok::daemon::archive_relative_path(article);
    require(path
                == article.published_at.substr(0, 4) + "/" + article.published_at.substr(5, 2) + "/"
                       + article.published_at.substr(8, 2) + "/003_0012577249.md",
            "the archive path is not <YYYY>/<MM>/<DD>/<id>.md", path);
    sillok::fuzz::check_archive_round_trip(article, k_crawled_at);
}

} // namespace

// parse_article's shortcut: a result read from the page's regions is the result of the
// whole page, which a reference to the letter 'A' after the page's end sends to the
// whole-page parse without changing it.
void check_same_as_whole_page(const std::string& page, const sillok::parsers::ExtractStats& stats,
                              const std::expected<sillok::parsers::Article, sillok::parsers::PageError>& article)
{
    if (stats.whole_page) {
        return;
    }
    sillok::parsers::ExtractStats whole_stats;
    auto whole = sillok::parsers::parse_article(page + "&#65;", k_url, &whole_stats);
    require(whole_stats.whole_page, "a page with a reference to a letter was read from its regions");
    require(whole.has_value() == article.has_value(), "regions and whole page disagree on success");
    if (!article) {
        require(whole.error().kind == article.error().kind, "regions and whole page give other errors",
                whole.error().message);
        return;
    }
    require(whole->title == article->title && whole->category == article->category
                && whole->publisher == article->publisher && whole->author == article->author
                && whole->published_at == article->published_at && whole->modified_at == article->modified_at
                && whole->original_url == article->original_url && whole->content == article->content,
            "regions and whole page give other fields");
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto page = page_of(data, size);
    sillok::parsers::ExtractStats stats;
    auto article = sillok::parsers::parse_article(page, k_url, &stats);
    if (article) {
        check_article(*article);
    }
    check_same_as_whole_page(page, stats, article);
    return 0;
}
