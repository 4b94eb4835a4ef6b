#pragma once
// How `sillok verify --repair` tells the operator to mend what it does not repair itself:
// repair changes ledger rows only, so a damaged or missing file is mended by crawling its
// article again, and other problems by hand.
#include "daemon/verify/problems.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace sillok::daemon {

struct MendContext {
    std::filesystem::path archive; // the archive verified: every command named works on it
    // Whether the article's current version has its response stored (reparse then mends
    // its file offline).
    std::function<bool(std::string_view oid, std::string_view aid)> stored_response = {};
};

// One sentence saying how the problem is mended, naming the command when there is one.
std::string how_to_mend(const Problem& problem, const MendContext& context);

// The archive path as one shell word.
std::string shell_word(std::string_view text);

} // namespace sillok::daemon
