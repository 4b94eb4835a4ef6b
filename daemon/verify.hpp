#pragma once
// `sillok verify`: checks the archive's files against their own content hashes and against
// the ledger, and with repair re-derives missing ledger rows from intact files. Reads one file
// at a time; only the ledger's path -> hash map is held in memory.
#include <array>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

enum class ProblemKind {
    invalid_front_matter, // not sillok's front matter: unparsable, an older crawler's, no content_hash
    modified,             // the content's hash differs from the front matter's content_hash
    orphan,               // a file no ledger row names
    ledger_mismatch,      // a ledger row names the file with another content hash
    missing,              // a ledger row names a file that does not exist
    temp_file,            // a temp file of an unfinished write in <archive>/.tmp
    unreadable,           // a file or folder that cannot be read
    warc_record,          // a WARC record a fetch row points to is missing, torn or fails its digests
    symlink,              // a symbolic link inside the archive: never followed, never written through
};
inline constexpr size_t k_problem_kinds = 9;
std::string_view to_string(ProblemKind kind);

struct Problem {
    ProblemKind kind;
    std::string path; // relative to the archive
    std::string detail;
};

struct Repair {
    std::string path; // the file the ledger row now names
    std::string action;
};

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

// The archive or ledger cannot be opened, or the ledger cannot be read or repaired.
struct VerifyError {
    std::string message;
};

// Prints one tab-separated line per problem (kind, path, detail) and per repair ("repaired",
// path, what changed) on out, then a "summary" line. The caller exits 0 when the report is
// clean and 1 otherwise. Without repair, a ledger that does not exist is an error.
std::expected<VerifyReport, VerifyError> verify_archive(const VerifyOptions& options, std::ostream& out);

} // namespace sillok::daemon
