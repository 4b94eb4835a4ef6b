#pragma once
// Properties every fuzz target checks on the values it reaches. A violated property prints
// what differs and aborts, which libFuzzer reports as a crash with the input that caused it.
#include "parsers/article.hpp"

#include <string_view>

namespace sillok::fuzz {

// Aborts with a message unless ok.
void require(bool ok, std::string_view what, std::string_view detail = {});

// A well-formed ArticleRef: a 3-digit oid and a 10-digit aid (so an id never carries a path
// such as "../"), which its canonical URL reproduces.
void check_article_ref(const parsers::ArticleRef& ref);

// The archive file rendered from article (FORMAT.md) reads back: its front matter parses as
// YAML to exactly the article's fields, in order, as plain untagged strings, one key a line;
// and when the fields shown on the body's heading lines hold no line break (the parser
// collapses white space in every field), the content between the body's two rules hashes
// to the front matter's content_hash.
void check_archive_round_trip(const parsers::Article& article, std::string_view crawled_at);

// A photo whose address and caption are any text (written into the page as character
// references, as a hostile page could) becomes at most one Markdown image: its destination
// is an http(s) address in which nothing can end the link early, and the caption opens no
// other link.
void check_photo_markdown(std::string_view url, std::string_view caption);

} // namespace sillok::fuzz
