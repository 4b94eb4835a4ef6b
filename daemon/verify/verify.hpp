#pragma once
// `sillok verify`: checks the archive's files against their own content hashes and against
// the ledger, and with repair re-derives missing ledger rows from intact files. Reads one file
// at a time; only the ledger's path -> hash map is held in memory.
#include "daemon/verify/problems.hpp"

#include <array>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct VerifyOptions {
    std::filesystem::path archive;
    std::filesystem::path ledger; // empty: <archive>/ledger.sqlite3
    bool repair = false;
};

struct VerifyReport {
    size_t files_checked = 0; // *.md files read
    size_t warc_records_checked = 0;
    std::array<size_t, k_problem_kinds> counts{};
    std::vector<Problem> problems; // as found, before any repair
    std::vector<Repair> repairs;

    [[nodiscard]] size_t count(ProblemKind kind) const { return counts[static_cast<size_t>(kind)]; }
    // Nothing wrong was found (a repair does not make a run clean: the next one is).
    [[nodiscard]] bool clean() const { return problems.empty(); }
};

// Prints one tab-separated line per problem (kind, path, detail) and per repair ("repaired",
// path, what changed) on out, then a "summary" line. The caller exits 0 when the report is
// clean and 1 otherwise. Without repair, a ledger that does not exist is an error.
std::expected<VerifyReport, VerifyError> verify_archive(const VerifyOptions& options, std::ostream& out);

} // namespace sillok::daemon
