#include "parsers/listing_urls.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace sillok::parsers {
namespace {

constexpr std::string_view k_news_origin = "https://news.naver.com";
constexpr int k_first_sid1 = 100;
constexpr int k_last_sid1 = 105;

// Characters other than RFC 3986's unreserved ones, percent-encoded.
std::string query_escaped(std::string_view text)
{
    constexpr std::string_view k_hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += k_hex[c >> 4U];
            out += k_hex[c & 0x0fU];
        }
    }
    return out;
}

// Section ids are written with three digits, as Naver does ("059" would stay "059").
std::string three_digits(int id)
{
    auto text = std::to_string(id);
    return text.size() < 3 ? std::string(3 - text.size(), '0') + text : text;
}

std::optional<int> three_digit_id(std::string_view text)
{
    if (text.size() != 3 || !std::ranges::all_of(text, [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return std::nullopt;
    }
    return (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
}

} // namespace

std::expected<Section, std::string> parse_section(std::string_view text)
{
    for (int sid1 = k_first_sid1; sid1 <= k_last_sid1; ++sid1) {
        if (section_name(std::to_string(sid1)) == text) { // a main section by its name: 경제
            return Section{sid1, std::nullopt};
        }
    }
    const auto slash = text.find('/');
    const auto sid1_text = text.substr(0, slash);
    const auto sid1 = three_digit_id(sid1_text);
    if (!sid1 || *sid1 < k_first_sid1 || *sid1 > k_last_sid1) {
        return std::unexpected("section '" + std::string(text)
                               + "': sid1 must be one of 100..105 "
                                 "(정치, 경제, 사회, 생활/문화, 세계, IT/과학)");
    }
    Section section{*sid1, std::nullopt};
    if (slash != std::string_view::npos) {
        auto sid2 = text.substr(slash + 1);
        bool well_formed = sid2.size() == 3 && std::ranges::all_of(sid2, [](char c) {
                               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
                           });
        if (!well_formed) {
            return std::unexpected("section '" + std::string(text)
                                   + "': sid2 must be three digits or letters, e.g. 101/259 or 102/59b");
        }
        section.sid2 = std::string(sid2);
    }
    return section;
}

std::string section_text(const Section& section)
{
    return three_digits(section.sid1) + (section.sid2 ? "/" + *section.sid2 : "");
}

std::string section_home_url(int sid1) { return std::string(k_news_origin) + "/section/" + three_digits(sid1); }

std::string breaking_news_url(const Section& section)
{
    if (!section.sid2) {
        return section_home_url(section.sid1);
    }
    return std::string(k_news_origin) + "/breakingnews/section/" + three_digits(section.sid1) + "/" + *section.sid2;
}

std::string latest_fragment_url(const Section& section, int page_no, std::string_view date_yyyymmdd,
                                std::string_view cursor, std::string_view template_name)
{
    return std::string(k_news_origin) + "/section/template/" + query_escaped(template_name)
           + "?sid=" + three_digits(section.sid1) + "&sid2=" + (section.sid2 ? *section.sid2 : "") + "&cluid=&pageNo="
           + std::to_string(page_no) + "&date=" + query_escaped(date_yyyymmdd) + "&next=" + query_escaped(cursor);
}

std::string legacy_list_url(const Section& section, std::string_view date_yyyymmdd, int page)
{
    std::string url = std::string(k_news_origin) + "/main/list.naver?mode=";
    url += section.sid2 ? "LS2D&mid=shm" : "LSD&mid=sec";
    url += "&sid1=" + three_digits(section.sid1);
    if (section.sid2) {
        url += "&sid2=" + *section.sid2;
    }
    return url + "&date=" + query_escaped(date_yyyymmdd) + "&page=" + std::to_string(page);
}

std::string press_list_url(std::string_view oid, std::string_view date_yyyymmdd, int page)
{
    return std::string(k_news_origin) + "/main/list.naver?mode=LPOD&mid=sec&oid=" + query_escaped(oid)
           + "&date=" + query_escaped(date_yyyymmdd) + "&page=" + std::to_string(page);
}

std::optional<std::string_view> section_name(std::string_view sid1)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> k_names{{
        {"100", "정치"},
        {"101", "경제"},
        {"102", "사회"},
        {"103", "생활/문화"},
        {"104", "세계"},
        {"105", "IT/과학"},
    }};
    for (const auto& [sid, name] : k_names) {
        if (sid == sid1) {
            return name;
        }
    }
    return std::nullopt;
}

} // namespace sillok::parsers
