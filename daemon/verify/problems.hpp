#pragma once
// What verify finds and what it mends: the vocabulary shared by verify and its checks.
#include <cstddef>
#include <string>
#include <string_view>

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
    search_index,         // the search index does not match the ledger (restored or replaced) or cannot be read
};
inline constexpr size_t k_problem_kinds = 10;
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

// The archive or ledger cannot be opened, or the ledger cannot be read or repaired.
struct VerifyError {
    std::string message;
};

} // namespace sillok::daemon
