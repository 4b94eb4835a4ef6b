#include "parsers/byte_search.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace sillok::parsers {
namespace {

// Sixteen bytes as one value (GCC's and clang's vector extension: SSE2 on x86-64, NEON on
// ARM, plain code elsewhere).
using Lanes = unsigned char __attribute__((vector_size(16)));
constexpr std::size_t k_lanes = sizeof(Lanes);

Lanes load(const char* at)
{
    Lanes lanes;
    std::memcpy(&lanes, at, sizeof lanes);
    return lanes;
}

Lanes repeated(char byte)
{
    Lanes lanes;
    std::memset(&lanes, static_cast<unsigned char>(byte), sizeof lanes);
    return lanes;
}

bool any_set(Lanes lanes)
{
    std::uint64_t words[2];
    std::memcpy(words, &lanes, sizeof words);
    return (words[0] | words[1]) != 0;
}

} // namespace

std::vector<NeedleAt> find_all(std::string_view text, std::span<const std::string_view> needles)
{
    std::vector<NeedleAt> found;
    const auto check = [&](std::size_t at) {
        for (std::size_t i = 0; i < needles.size(); ++i) {
            if (!needles[i].empty() && text.substr(at).starts_with(needles[i])) {
                found.push_back({at, i});
            }
        }
    };
    std::size_t longest = 0;
    for (std::string_view needle : needles) {
        longest = std::max(longest, needle.size());
    }
    // Sixteen offsets at a time: the lanes where some needle's first and last bytes both
    // sit where they would, the only offsets compared byte by byte. Every load stays in the
    // text while at + 16 + longest fits.
    struct Probe {
        Lanes first;
        Lanes last;
        std::size_t last_offset;
    };
    std::vector<Probe> probes;
    for (std::string_view needle : needles) {
        if (!needle.empty()) {
            probes.push_back({repeated(needle.front()), repeated(needle.back()), needle.size() - 1});
        }
    }
    std::size_t at = 0;
    if (!probes.empty()) {
        const char* const bytes = text.data();
        for (; at + k_lanes + longest <= text.size(); at += k_lanes) {
            const Lanes here = load(bytes + at);
            Lanes hits{};
            for (const auto& probe : probes) {
                hits |= reinterpret_cast<Lanes>((here == probe.first)
                                                & (load(bytes + at + probe.last_offset) == probe.last));
            }
            if (!any_set(hits)) {
                continue;
            }
            unsigned char lanes[k_lanes];
            std::memcpy(lanes, &hits, sizeof lanes);
            for (std::size_t lane = 0; lane < k_lanes; ++lane) {
                if (lanes[lane] != 0) {
                    check(at + lane);
                }
            }
        }
    }
    for (; at < text.size(); ++at) {
        check(at);
    }
    return found;
}

} // namespace sillok::parsers
