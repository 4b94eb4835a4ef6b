#pragma once
// `sillok log OID_AID|URL`: the history of one article, a line per version.
#include "daemon/archive/record.hpp"

#include <filesystem>
#include <iosfwd>
#include <string_view>

namespace sillok::daemon {

// Prints "<version>\t<first seen>\t<content_hash>\t<rules version>\t<change>\t<path>" per
// version, oldest first; <change> is the reason, then ":" and the changed fields
// ("edit:title,author"). Returns the exit code (1 for an unknown article).
int run_log(const std::filesystem::path& ledger, std::string_view article, std::ostream& out);

// "new", "edit:title,author", "rules:content".
std::string describe_change(const VersionChange& change);

} // namespace sillok::daemon
