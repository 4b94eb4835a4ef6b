// Any Article, whatever UTF-8 its fields hold (front-matter injection: "---", line breaks,
// quotes, backslashes, YAML tags and anchors, "<script>", ids with path tricks), renders to
// an archive file that reads back to the same fields and content hash.
#include "parsers/text.hpp"
#include "tests/fuzz/properties.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

// Well-formed UTF-8 from any bytes: each byte that does not start a well-formed sequence
// becomes U+FFFD, as a decoder would show it.
std::string valid_utf8(const std::string& bytes)
{
    std::string out;
    out.reserve(bytes.size());
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::size_t start = pos;
        const char32_t cp = sillok::parsers::next_code_point(bytes, pos);
        if (pos - start == 1 && cp >= 0x80) {
            out += "\xEF\xBF\xBD";
        } else {
            out.append(bytes, start, pos - start);
        }
    }
    return out;
}

std::string next_field(FuzzedDataProvider& input) { return valid_utf8(input.ConsumeRandomLengthString()); }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider input(data, size);
    sillok::parsers::Article article;
    article.ref.oid = next_field(input);
    article.ref.aid = next_field(input);
    article.title = next_field(input);
    article.category = next_field(input);
    article.publisher = next_field(input);
    article.author = next_field(input);
    article.published_at = next_field(input);
    const auto crawled_at = next_field(input);
    if (input.ConsumeBool()) {
        article.modified_at = next_field(input);
    }
    if (input.ConsumeBool()) {
        article.original_url = next_field(input);
    }
    const auto photo_url = input.ConsumeRandomLengthString();
    const auto photo_caption = input.ConsumeRandomLengthString();
    article.content = valid_utf8(input.ConsumeRemainingBytesAsString());
    sillok::fuzz::check_archive_round_trip(article, crawled_at);
    // The Markdown writer of the content: a photo's address and caption from a hostile page.
    sillok::fuzz::check_photo_markdown(photo_url, photo_caption);
    return 0;
}
