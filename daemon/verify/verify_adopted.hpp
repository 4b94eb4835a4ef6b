#pragma once
// verify's check of <archive>/adopted/: every copy of an adopted file still has the bytes
// the ledger's adoptions row names by SHA-256, and every such row still has its copy. The
// copies are the old crawler's files, so they are not read as archive files.
#include "daemon/ledger/adoptions.hpp"
#include "daemon/util/c_handles.hpp"
#include "daemon/verify/problems.hpp"

#include <filesystem>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct AdoptedCopies {
    size_t files_checked = 0;
    std::vector<Problem> problems; // modified, orphan, missing, unreadable
};

// Problems carry paths relative to the archive.
AdoptedCopies check_adopted_copies(sqlite3* ledger, const std::filesystem::path& archive);

} // namespace sillok::daemon
