#include "daemon/util/numbers.hpp"

#include <cstdint>
#include <limits>

namespace sillok::daemon {

std::optional<std::chrono::seconds> parse_duration(std::string_view text)
{
    int64_t unit = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            unit = 0;
            break;
        }
        if (unit != 0) {
            text.remove_suffix(1);
        } else {
            unit = 1;
        }
    }
    auto count = parse_number<int64_t>(text);
    if (!count || *count < 0 || *count > std::numeric_limits<int64_t>::max() / unit) {
        return std::nullopt;
    }
    return std::chrono::seconds(*count * unit);
}

} // namespace sillok::daemon
