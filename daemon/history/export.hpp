#pragma once
// `sillok export`: the archive as a dataset, one record per article (or per version), read
// from the archive's files with the ledger as the index; streams, so memory does not grow
// with the archive.
#include <atomic>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sillok::daemon {

enum class ExportFormat { jsonl, csv };

struct ExportRequest {
    std::filesystem::path archive;
    std::filesystem::path ledger;
    ExportFormat format = ExportFormat::jsonl;
    std::optional<std::string> from;   // YYYY-MM-DD: publication date (KST) on or after
    std::optional<std::string> to;     // YYYY-MM-DD: on or before
    std::vector<std::string> sections; // category names, or sid1 100..105
    std::vector<std::string> presses;  // oids
    std::vector<std::string> states;   // archived, gone, skipped
    bool all_versions = false;         // every version, not only the current one
    std::filesystem::path output;      // empty: out
    bool progress = false;             // a progress bar on standard error
    // Set by SIGINT/SIGTERM: the export stops, and an output file is not left behind.
    const std::atomic<bool>* stop = nullptr;
};

struct ExportReport {
    size_t exported = 0;
    size_t failed = 0; // files missing, unreadable, or not matching the ledger
    bool stopped = false;

    [[nodiscard]] bool complete() const { return failed == 0 && !stopped; }
};

// The fields of every record, in order: FORMAT.md's front matter keys, the version number
// and the content (plain text, the one content_hash is the SHA-256 of).
const std::vector<std::string>& export_fields();

// Checks the request, writes the dataset (to a temp file renamed into place when it is
// complete, with an output file) and returns the exit code: 0, 1 when some files could not
// be exported (each named on standard error) or the export was stopped, 64 for a bad
// request, 74 for I/O.
int run_export(const ExportRequest& request, std::ostream& out);
// The request's options, checked as run_export checks them first: the message of the first
// that is wrong (exit 64).
std::expected<void, std::string> check_export_options(const ExportRequest& request);

// One CSV field by RFC 4180: always quoted, quotes doubled; a field beginning with
// = + - @ tab, carriage return or ' gets a leading ' so that no spreadsheet runs it as a formula.
std::string csv_field(std::string_view text);

} // namespace sillok::daemon
