#pragma once
// `sillok diff OID_AID|URL [V1 [V2]]`: what changed between two versions of an article,
// read from their archive files: the changed fields, then the content by paragraph.
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace sillok::daemon {

struct DiffRequest {
    std::filesystem::path archive;
    std::filesystem::path ledger;
    std::string article;     // OID_AID or URL
    std::optional<int> from; // default: the version before `to`
    std::optional<int> to;   // default: the last version
    bool json = false;       // --format json
    bool colour = false;     // ANSI colours (a terminal)
};

// Prints the diff on out; returns the exit code: 1 for an unknown article or version, or an
// article with one version only; 74 when a version's file cannot be read.
int run_diff(const DiffRequest& request, std::ostream& out);

} // namespace sillok::daemon
