#pragma once
// The independent check of WARC files: warcio (webrecorder's reader, installed from npm on
// first use) reads the files and reports each record; and small ledger queries.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sillok::test {

// One record as warcio read it (tests/warc/check_warc.mjs).
struct CheckedRecord {
    size_t file = 0; // index into the files given
    int64_t offset = 0;
    int64_t length = 0;
    std::string type;
    std::string target;
    std::string id;
    std::string concurrent_to;
    std::string ip;
    std::string content_type;
    std::string date;
    int64_t content_length = 0;
    int64_t block_size = 0;
    bool block_digest_holds = false;
    bool payload_digest_holds = false; // responses only
    int status = 0;                    // responses only
    std::string payload;               // responses only
};

// Reads `files` with warcio; fails the test when warcio cannot be installed or a file
// does not parse.
std::vector<CheckedRecord> read_with_warcio(const std::vector<std::filesystem::path>& files);

// Every *.warc.gz under dir, sorted.
std::vector<std::filesystem::path> warc_files_under(const std::filesystem::path& dir);

// The rows of a query on the ledger (opened read-only), each column as text ("" for NULL).
std::vector<std::vector<std::string>> ledger_rows(const std::filesystem::path& ledger, const std::string& sql);

} // namespace sillok::test
