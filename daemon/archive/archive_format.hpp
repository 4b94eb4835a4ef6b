#pragma once
// The archive file format (FORMAT.md): rendering an Article, and reading back what
// sillok needs from a file it wrote earlier.
#include "parsers/article.hpp"
#include "parsers/text.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sillok::daemon {

// The whole file: YAML front matter, title, byline, content, footer; one final newline.
// crawled_at is ISO 8601 KST ("2026-01-01T09:00:00+09:00").
std::string render_archive_file(const parsers::Article& article, std::string_view content_hash,
                                std::string_view crawled_at);

// A YAML double-quoted scalar, escaped by YAML's rules.
std::string yaml_quote(std::string_view text);
// The Markdown body's escapes (parsers/text.hpp: the old crawler's files share them).
using parsers::escape_body;
using parsers::unescape_body;
// FORMAT.md's content_hash: SHA-256 of the written content with &amp;, &lt;, &gt; turned back.
std::string content_hash(std::string_view written_content);

// "<YYYY>/<MM>/<DD>/<oid>_<aid>.md" by publication date (KST), relative to the archive.
std::string archive_relative_path(const parsers::Article& article);
// An earlier version's file, beside the current one: "<...>/<oid>_<aid>.<hash[0:12]>.md", by
// the version's record_hash (record.hpp); earlier ledgers named them by the content_hash.
std::string version_relative_path(std::string_view current_path, std::string_view hash);

// content_hash from a file's front matter (ours, or an older crawler's unquoted one).
std::optional<std::string> front_matter_hash(std::string_view file_text);

} // namespace sillok::daemon
