#include "daemon/archive/record.hpp"

#include "daemon/util/digest.hpp"

#include <nlohmann/json.hpp>

namespace sillok::daemon {

Record record_of(const parsers::Article& article, std::string_view content_hash)
{
    return Record{std::string(content_hash), article.title,       article.author,      article.category,
                  article.published_at,      article.modified_at, article.original_url};
}

std::optional<Record> record_of(const FrontMatter& front)
{
    auto hash = front.value("content_hash");
    if (!hash) {
        return std::nullopt;
    }
    return Record{*hash,
                  front.value("title").value_or(""),
                  front.value("author").value_or(""),
                  front.value("category").value_or(""),
                  front.value("published_at").value_or(""),
                  front.value("modified_at"),
                  front.value("original_url")};
}

std::vector<std::pair<std::string_view, std::optional<std::string>>> record_fields(const Record& record)
{
    return {{"content", record.content_hash},
            {"title", record.title},
            {"author", record.author},
            {"category", record.category},
            {"published_at", record.published_at},
            {"modified_at", record.modified_at},
            {"original_url", record.original_url}};
}

std::string VersionChange::joined() const
{
    std::string out;
    for (const auto& field : fields) {
        out += (out.empty() ? "" : ",") + field;
    }
    return out;
}

std::vector<std::string> changed_fields(const Record& earlier, const Record& later)
{
    auto before = record_fields(earlier);
    auto after = record_fields(later);
    std::vector<std::string> changed;
    for (size_t i = 0; i < before.size(); ++i) {
        if (before[i].second != after[i].second) {
            changed.emplace_back(before[i].first);
        }
    }
    return changed;
}

std::vector<std::string> split_changed(std::string_view joined)
{
    std::vector<std::string> names;
    while (!joined.empty()) {
        auto comma = joined.find(',');
        names.emplace_back(joined.substr(0, comma));
        joined = comma == std::string_view::npos ? std::string_view{} : joined.substr(comma + 1);
    }
    return names;
}

std::string record_hash(const Record& record)
{
    auto json = nlohmann::json::array();
    for (const auto& [name, value] : record_fields(record)) {
        json.push_back(value ? nlohmann::json(*value) : nlohmann::json(nullptr));
    }
    return sha256_hex(json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string file_record_hash(std::string_view file_text)
{
    auto parsed = read_archive_file(file_text);
    auto record = parsed ? record_of(parsed->front_matter) : std::nullopt;
    return record ? record_hash(*record) : sha256_hex(file_text);
}

} // namespace sillok::daemon
