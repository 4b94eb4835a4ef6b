#include "tests/e2e/warc_check.hpp"

#include "daemon/util/c_handles.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace sillok::test {

namespace fs = std::filesystem;

std::vector<CheckedRecord> read_with_warcio(const std::vector<fs::path>& files)
{
    const fs::path tools = SILLOK_WARC_TOOLS;
    const fs::path install = SILLOK_WARCIO_DIR;
    auto installed = run_command({"/bin/bash", (tools / "install_warcio.sh").string(), install.string()});
    REQUIRE_MESSAGE(installed.exit_code == 0, "cannot install warcio from npm:\n" << installed.err);
    // An ES module finds its packages beside itself.
    fs::copy_file(tools / "check_warc.mjs", install / "check_warc.mjs", fs::copy_options::overwrite_existing);

    ScratchDir payloads;
    std::vector<std::string> argv{"/usr/bin/env", "node", (install / "check_warc.mjs").string(), "--payloads",
                                  payloads.path().string()};
    for (const auto& file : files) {
        argv.push_back(file.string());
    }
    auto read = run_command(argv);
    REQUIRE_MESSAGE(read.exit_code == 0, "warcio could not read the files:\n" << read.err);
    std::vector<CheckedRecord> records;
    std::istringstream lines(read.out);
    std::string line;
    while (std::getline(lines, line)) {
        auto json = nlohmann::json::parse(line);
        CheckedRecord record;
        record.file = json["file"].get<size_t>();
        record.offset = json["offset"].get<int64_t>();
        record.length = json["length"].get<int64_t>();
        record.type = json["type"].get<std::string>();
        auto text = [&](const char* key) { return json[key].is_string() ? json[key].get<std::string>() : ""; };
        record.target = text("target");
        record.id = text("id");
        record.concurrent_to = text("concurrentTo");
        record.ip = text("ip");
        record.content_type = text("contentType");
        record.date = text("date");
        record.content_length = json["contentLength"].get<int64_t>();
        record.block_size = json["blockSize"].get<int64_t>();
        record.block_digest_holds = json["blockDigestHolds"] == true;
        record.payload_digest_holds = json["payloadDigestHolds"] == true;
        if (record.type == "response") {
            record.status = json["status"].get<int>();
            record.payload = read_file(
                payloads.path() / (std::to_string(record.file) + "-" + std::to_string(record.offset) + ".payload"));
        }
        records.push_back(std::move(record));
    }
    return records;
}

std::vector<fs::path> warc_files_under(const fs::path& dir)
{
    std::vector<fs::path> found;
    if (!fs::is_directory(dir)) {
        return found;
    }
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().string().ends_with(".warc.gz")) {
            found.push_back(entry.path());
        }
    }
    std::ranges::sort(found);
    return found;
}

std::vector<std::vector<std::string>> ledger_rows(const fs::path& ledger, const std::string& sql)
{
    sqlite3* raw = nullptr;
    int opened = sqlite3_open_v2(ledger.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    daemon::SqliteDb db(raw);
    REQUIRE_MESSAGE(opened == SQLITE_OK, "cannot open the ledger " << ledger);
    sqlite3_stmt* raw_statement = nullptr;
    int prepared = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_statement, nullptr);
    daemon::SqliteStmt statement(raw_statement);
    REQUIRE_MESSAGE(prepared == SQLITE_OK, sql << ": " << sqlite3_errmsg(db.get()));
    std::vector<std::vector<std::string>> rows;
    while (sqlite3_step(statement.get()) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(statement.get()); ++i) {
            const auto* value = sqlite3_column_text(statement.get(), i);
            row.emplace_back(value != nullptr ? reinterpret_cast<const char*>(value) : "");
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace sillok::test
