#pragma once
// Reading an archive file back (FORMAT.md): the front matter as ordered key/value pairs and
// the content as written, so that its content_hash can be recomputed. Works on one file's
// bytes at a time; the results view or copy only that file.
#include <cstddef>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct FrontMatterField {
    std::string key;
    std::string value; // unescaped; an older crawler's unquoted value as its raw text
};

struct FrontMatter {
    std::vector<FrontMatterField> fields; // in file order
    // Why this is an older crawler's front matter rather than sillok's: a value that is not a
    // YAML double-quoted scalar, or one that runs over several lines (their author field held
    // the page's tabs and line breaks). Such front matter is not YAML as sillok writes it, and
    // often not YAML at all. Empty for sillok's own files.
    std::string legacy;

    [[nodiscard]] bool is_legacy() const { return !legacy.empty(); }
    // The value of key, or nullptr when the front matter has no such key.
    [[nodiscard]] const std::string* find(std::string_view key) const;
    [[nodiscard]] std::optional<std::string> value(std::string_view key) const;
};

struct FrontMatterError {
    size_t line = 0; // 1-based line of the file; 0 when the error is not about one line
    std::string message;
};

struct ArchiveFileText {
    FrontMatter front_matter;
    // The content between the body's two rules, without the blank lines around it (a view
    // into the file's text); nullopt when the body does not have that layout.
    std::optional<std::string_view> content;
};

// Splits a whole file into front matter and body and parses both. Fails when the front
// matter is missing, unclosed or not key/value lines, or when a double-quoted value is not
// valid YAML (a bad escape, a raw control character, invalid UTF-8).
std::expected<ArchiveFileText, FrontMatterError> read_archive_file(std::string_view file_text);

// The file as read_archive_file reads it, when it is intact: sillok's own front matter (not
// an older crawler's) whose content_hash is hash, and a content that hashes to it.
std::optional<ArchiveFileText> read_intact_file(std::string_view file_text, std::string_view hash);

// A whole file's bytes; nullopt when it cannot be read.
std::optional<std::string> read_file_bytes(const std::filesystem::path& path);

// The lines between the front matter's `---` lines, each ending in '\n'; first_line is the
// file line number of the first of them (for error messages).
std::expected<FrontMatter, FrontMatterError> parse_front_matter(std::string_view text, size_t first_line = 2);

// The content as written in a body (what follows the front matter): between the rule after
// the byline and the rule before the footer. The last rule is taken as the footer's, so that
// a `---` line inside the content does not cut it short.
std::optional<std::string_view> written_content(std::string_view body);

// The text of a YAML double-quoted scalar written on one line, quotes included, with YAML's
// escapes undone (\" \\ \/ \0 \a \b \t \n \v \f \r \e \N \_ \L \P, \xXX, \uXXXX, \UXXXXXXXX,
// an escaped space or tab). The error says what is wrong.
std::expected<std::string, std::string> yaml_unquote(std::string_view scalar);

} // namespace sillok::daemon
