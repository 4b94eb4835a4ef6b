#include "parsers/search_query.hpp"

#include "parsers/text.hpp"

#include <array>
#include <optional>
#include <utility>

namespace sillok::parsers {
namespace {

// The length of a separator at pos (ASCII whitespace, a control byte, U+3000 IDEOGRAPHIC
// SPACE, U+00A0 NO-BREAK SPACE), or 0.
size_t separator_length(std::string_view text, size_t pos)
{
    auto c = static_cast<unsigned char>(text[pos]);
    if (c <= 0x20 || c == 0x7F) {
        return 1;
    }
    if (text.substr(pos).starts_with("\xE3\x80\x80")) {
        return 3;
    }
    if (text.substr(pos).starts_with("\xC2\xA0")) {
        return 2;
    }
    return 0;
}

struct Item {
    bool is_or = false;
    bool negated = false;
    SearchTerm term;
};

constexpr std::array<std::pair<std::string_view, SearchField>, 3> k_fields = {
    {{"title:", SearchField::title}, {"byline:", SearchField::byline}, {"press:", SearchField::press}}};

std::optional<std::pair<size_t, SearchField>> field_at(std::string_view text, size_t pos)
{
    for (const auto& [name, field] : k_fields) {
        if (text.size() - pos >= name.size()) {
            bool same = true;
            for (size_t i = 0; i < name.size() && same; ++i) {
                char c = text[pos + i];
                same = (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) == name[i];
            }
            if (same) {
                return std::pair{name.size(), field};
            }
        }
    }
    return std::nullopt;
}

std::unexpected<SearchQueryError> error_at(size_t position, std::string message)
{
    return std::unexpected(SearchQueryError{position, std::move(message)});
}

bool only_separators(std::string_view text)
{
    for (size_t pos = 0; pos < text.size();) {
        auto length = separator_length(text, pos);
        if (length == 0) {
            return false;
        }
        pos += length;
    }
    return true;
}

std::string_view field_name(SearchField field)
{
    switch (field) {
    case SearchField::title:
        return "title";
    case SearchField::byline:
        return "byline";
    case SearchField::press:
        return "press";
    case SearchField::any:
        break;
    }
    return "";
}

std::string term_expression(const SearchTerm& term)
{
    std::string out;
    if (term.field != SearchField::any) {
        out += field_name(term.field);
        out += " : ";
    }
    out += fts5_string(term.text);
    if (term.prefix) {
        out += " *";
    }
    return out;
}

std::string clause_expression(const SearchClause& clause)
{
    if (clause.alternatives.size() == 1) {
        return term_expression(clause.alternatives.front());
    }
    std::string out = "(";
    for (size_t i = 0; i < clause.alternatives.size(); ++i) {
        out += (i == 0 ? "" : " OR ") + term_expression(clause.alternatives[i]);
    }
    return out + ")";
}

} // namespace

std::expected<SearchQuery, SearchQueryError> parse_search_query(std::string_view query)
{
    if (query.size() > k_max_query_bytes) {
        return error_at(k_max_query_bytes, "the query is longer than " + std::to_string(k_max_query_bytes) + " bytes");
    }
    for (size_t pos = 0; pos < query.size();) {
        size_t at = pos;
        // A byte that starts no well-formed sequence is read as itself: one byte, not ASCII.
        if (next_code_point(query, pos) >= 0x80 && pos == at + 1) {
            return error_at(at, "the query is not valid UTF-8");
        }
    }
    std::vector<Item> items;
    size_t pos = 0;
    auto at_separator = [&](size_t at) { return at >= query.size() || separator_length(query, at) > 0; };
    while (pos < query.size()) {
        if (auto length = separator_length(query, pos); length > 0) {
            pos += length;
            continue;
        }
        const size_t start = pos;
        Item item;
        if (query[pos] == '-') {
            item.negated = true;
            ++pos;
            if (at_separator(pos)) {
                return error_at(start, "'-' with no word after it (write -word to exclude a word)");
            }
        }
        if (auto field = field_at(query, pos)) {
            item.term.field = field->second;
            pos += field->first;
            if (at_separator(pos)) {
                return error_at(start, std::string(field_name(field->second)) + ": with no word after it");
            }
        }
        item.term.position = pos;
        if (query[pos] == '"') {
            auto close = query.find('"', pos + 1);
            if (close == std::string_view::npos) {
                return error_at(pos, "a quote that is not closed");
            }
            item.term.text = std::string(query.substr(pos + 1, close - pos - 1));
            item.term.phrase = true;
            if (only_separators(item.term.text)) {
                return error_at(pos, "an empty phrase");
            }
            pos = close + 1;
            if (pos < query.size() && query[pos] == '*') {
                item.term.prefix = true;
                ++pos;
            }
            if (!at_separator(pos)) {
                return error_at(pos, "a space is needed after a closing quote");
            }
        } else {
            size_t end = pos;
            while (!at_separator(end)) {
                ++end;
            }
            std::string_view word = query.substr(pos, end - pos);
            pos = end;
            if (word == "OR" && !item.negated && item.term.field == SearchField::any) {
                item.is_or = true;
                items.push_back(std::move(item));
                continue;
            }
            while (word.ends_with('*')) {
                word.remove_suffix(1);
                item.term.prefix = true;
            }
            if (word.empty()) {
                return error_at(item.term.position,
                                "'*' with no word before it (write prefix* for words beginning so)");
            }
            item.term.text = std::string(word);
        }
        items.push_back(std::move(item));
        if (items.size() > k_max_query_terms * 2) {
            return error_at(start, "the query has more than " + std::to_string(k_max_query_terms) + " terms");
        }
    }

    SearchQuery parsed;
    size_t terms = 0;
    bool joined = false; // the last item was OR: the next term joins the clause before it
    for (size_t i = 0; i < items.size(); ++i) {
        auto& item = items[i];
        if (item.is_or) {
            if (parsed.clauses.empty() || joined) {
                return error_at(item.term.position, "OR needs a word before it");
            }
            if (i + 1 == items.size() || items[i + 1].is_or) {
                return error_at(item.term.position, "OR needs a word after it");
            }
            if (parsed.clauses.back().negated || items[i + 1].negated) {
                return error_at(item.term.position, "an excluded -word cannot be part of OR");
            }
            joined = true;
            continue;
        }
        if (++terms > k_max_query_terms) {
            return error_at(item.term.position,
                            "the query has more than " + std::to_string(k_max_query_terms) + " terms");
        }
        if (joined) {
            parsed.clauses.back().alternatives.push_back(std::move(item.term));
            joined = false;
        } else {
            parsed.clauses.push_back(SearchClause{{std::move(item.term)}, item.negated});
        }
    }
    bool positive = false;
    for (const auto& clause : parsed.clauses) {
        positive = positive || !clause.negated;
    }
    if (!positive) {
        return error_at(0, parsed.clauses.empty() ? "the query has no word to search for"
                                                  : "the query only excludes words: add a word to search for");
    }
    return parsed;
}

std::string fts5_string(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

std::string fts5_match(const SearchQuery& query)
{
    std::string positive;
    std::string negative;
    for (const auto& clause : query.clauses) {
        if (clause.negated) {
            negative += " NOT " + clause_expression(clause);
        } else {
            positive += (positive.empty() ? "" : " AND ") + clause_expression(clause);
        }
    }
    return negative.empty() ? positive : "(" + positive + ")" + negative;
}

} // namespace sillok::parsers
