// The reader of the earlier crawler's files on hostile input: mutated old files. It never
// crashes, every file it accepts names a well-formed article, and what it returns renders
// to an archive file that reads back (properties.hpp).
#include "parsers/old_layout.hpp"
#include "tests/fuzz/properties.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto old = sillok::parsers::read_old_layout(text);
    if (!old) {
        sillok::fuzz::require(!old.error().message.empty(), "a refusal says why");
        return 0;
    }
    sillok::fuzz::check_article_ref(old->article.ref);
    for (std::string_view field : {old->article.title, old->article.publisher, old->article.author,
                                   old->article.category, old->article.published_at, old->crawled_at}) {
        sillok::fuzz::require(field.find_first_of("\t\n\r") == std::string_view::npos,
                              "fields have their white space collapsed", field);
    }
    sillok::fuzz::check_archive_round_trip(old->article, old->crawled_at);
    return 0;
}
