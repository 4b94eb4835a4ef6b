#pragma once
// The record: what makes one version of an article (README "Versions"). A version is a
// distinct (content, title, author, category, published_at, modified_at, original_url);
// a change of any of them is a new version, recorded with what changed and why.
#include "daemon/archive/front_matter.hpp"
#include "parsers/article.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct Record {
    std::string content_hash;
    std::string title;
    std::string author;
    std::string category;
    std::string published_at;
    std::optional<std::string> modified_at;
    std::optional<std::string> original_url;

    bool operator==(const Record&) const = default;
};

Record record_of(const parsers::Article& article, std::string_view content_hash);
// The record a file's front matter holds; nullopt without a content_hash.
std::optional<Record> record_of(const FrontMatter& front);

// The record's fields by name, in the order above ("content" for content_hash), for
// reporting and diffs; nullopt for an absent optional field.
std::vector<std::pair<std::string_view, std::optional<std::string>>> record_fields(const Record& record);

// Why a version exists. More reasons may be added (a version adopted from a file, ...).
inline constexpr std::string_view k_reason_new = "new";         // the first version
inline constexpr std::string_view k_reason_edit = "edit";       // the page changed
inline constexpr std::string_view k_reason_rules = "rules";     // the content rules changed since the last version
inline constexpr std::string_view k_reason_earlier = "earlier"; // captured before the current version (import)

// What one version changed against the one before: field names in record order.
struct VersionChange {
    std::vector<std::string> fields; // "content", "title", ...; empty for a first version
    std::string reason;              // k_reason_*

    // "content,title": the ledger's versions.changed.
    [[nodiscard]] std::string joined() const;
};

// The fields that differ from earlier to later, in record order.
std::vector<std::string> changed_fields(const Record& earlier, const Record& later);
// Splits versions.changed back into names.
std::vector<std::string> split_changed(std::string_view joined);

// SHA-256 (hex) of the record as the compact JSON array [content_hash, title, author,
// category, published_at, modified_at|null, original_url|null]. Earlier versions' files are
// named by its first 12 digits, so two versions with one content keep two files.
std::string record_hash(const Record& record);
// record_hash of what an archive file holds: of its front matter's record, else (no
// front matter, no content_hash) the SHA-256 of its bytes.
std::string file_record_hash(std::string_view file_text);

} // namespace sillok::daemon
