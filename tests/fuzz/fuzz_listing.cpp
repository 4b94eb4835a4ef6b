// The listing parser on hostile pages, served from each kind of listing URL: it never
// crashes, and what it returns holds well-formed, distinct refs (properties.hpp) and
// consistent paging.
#include "parsers/listing.hpp"
#include "tests/fuzz/properties.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace {

using sillok::fuzz::require;

// The listings the saved pages came from, and the paging endpoint.
constexpr std::string_view k_section_home = "https://news.naver.com/section/100";
constexpr std::string_view k_legacy_list =
    "https://news.naver.com/main/list.naver?mode=LS2D&mid=shm&sid1=100&sid2=265&date=20200919&page=1";
constexpr std::string_view k_news_home = "https://news.naver.com/";
constexpr std::string_view k_fragment = "https://news.naver.com/section/template/SECTION_ARTICLE_LIST_FOR_LATEST"
                                        "?sid=100&sid2=265&cluid=&pageNo=2&date=&next=cursor";
constexpr std::string_view k_fragment_template = "SECTION_ARTICLE_LIST_FOR_LATEST";

// The URL the body is served from, picked by the input's length (so each saved page is tried
// as each kind of listing as mutations change its length). For the paging endpoint the
// input is either its JSON or the HTML inside it.
struct Served {
    std::string_view url;
    std::string body;
};

Served served(std::string_view input)
{
    switch (input.size() % 5) {
    case 0:
        return {k_section_home, std::string(input)};
    case 1:
        return {k_legacy_list, std::string(input)};
    case 2:
        return {k_news_home, std::string(input)};
    case 3:
        return {k_fragment, std::string(input)};
    default: {
        const nlohmann::json json = {{"renderedComponent", {{k_fragment_template, input}}}};
        return {k_fragment, json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    }
    }
}

void check_listing(const sillok::parsers::Listing& listing)
{
    std::set<sillok::parsers::ArticleRef> refs;
    for (const auto& ref : listing.refs) {
        sillok::fuzz::check_article_ref(ref);
        require(refs.insert(ref).second, "a ref is listed twice", ref.id());
    }
    for (const auto& ref : listing.listed) {
        require(refs.contains(ref), "a listed ref is missing from refs", ref.id());
    }
    require(!listing.next_cursor || (listing.has_next && !listing.next_cursor->empty()),
            "a next cursor without has_next, or an empty one");
    require(!listing.page || !listing.next_page || *listing.next_page > *listing.page,
            "the next page is not past the current one");
}

// Deep nesting: the body again inside as many <div>s as its first two bytes say (up to
// 65,535): a listing nested past libxml2's default depth is read whole or refused, never
// a crash or a stack overflow.
std::string nested(std::string_view body)
{
    if (body.size() < 2) {
        return std::string(body);
    }
    const auto depth =
        static_cast<std::size_t>(static_cast<unsigned char>(body[0])) * 256 + static_cast<unsigned char>(body[1]);
    std::string out;
    out.reserve(body.size() + depth * 11);
    for (std::size_t i = 0; i < depth; ++i) {
        out += "<div>";
    }
    out += body;
    for (std::size_t i = 0; i < depth; ++i) {
        out += "</div>";
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto [url, body] = served({reinterpret_cast<const char*>(data), size});
    auto listing = sillok::parsers::parse_listing(body, url);
    if (listing) {
        check_listing(*listing);
    }
    if (url != k_fragment && size % 2 == 0) {
        auto deep = sillok::parsers::parse_listing(nested(body), url);
        if (deep) {
            check_listing(*deep);
        }
    }
    return 0;
}
