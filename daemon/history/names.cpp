#include "daemon/history/names.hpp"

#include "daemon/ledger/sql.hpp"
#include "daemon/util/exit_codes.hpp"
#include "parsers/listing_urls.hpp"
#include "parsers/text.hpp"

#include <filesystem>
#include <ostream>
#include <string>

namespace sillok::daemon {

int run_sections_command(const Config& config, std::ostream& out)
{
    for (int sid1 = 100; sid1 <= 105; ++sid1) {
        const auto id = std::to_string(sid1);
        out << id << '\t' << parsers::section_name(id).value_or("") << '\n';
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(config.ledger_path(), ec)) {
        return k_exit_ok;
    }
    auto db = sql::open_connection(config.ledger_path(), sql::k_read_only);
    if (!db) {
        return fail(k_exit_io, "cannot read " + config.ledger_path().string() + ": " + db.error().message);
    }
    // The sub-sections the service has walked (its "latest SID1/SID2" sources).
    auto walked = sql::prepare(db->get(), "SELECT DISTINCT substr(source, 8) FROM source_polls"
                                          " WHERE source LIKE 'latest %/%' ORDER BY 1");
    while (walked && sqlite3_step(walked.get()) == SQLITE_ROW) {
        auto text = sql::column_text(walked.get(), 0).value_or("");
        auto section = parsers::parse_section(text);
        if (!section || !section->sid2) {
            continue;
        }
        out << parsers::section_text(*section) << '\t'
            << parsers::section_name(std::to_string(section->sid1)).value_or("") << " (a sub-section)\n";
    }
    return k_exit_ok;
}

int run_presses_command(const Config& config, std::ostream& out)
{
    auto db = sql::open_connection(config.ledger_path(), sql::k_read_only);
    if (!db) {
        return fail(k_exit_io, "cannot read " + config.ledger_path().string() + ": " + db.error().message);
    }
    auto presses = sql::prepare(db->get(), "SELECT oid, publisher, count(*) FROM articles WHERE state = 'archived'"
                                           " GROUP BY oid, publisher ORDER BY oid, count(*) DESC");
    if (!presses) {
        return fail(k_exit_io, "cannot read the presses of " + config.ledger_path().string());
    }
    int rows = 0;
    while (sqlite3_step(presses.get()) == SQLITE_ROW) {
        const auto count = sqlite3_column_int64(presses.get(), 2);
        out << parsers::quoted_for_message(sql::column_text(presses.get(), 0).value_or("")) << '\t'
            << parsers::quoted_for_message(sql::column_text(presses.get(), 1).value_or("")) << '\t' << count
            << (count == 1 ? " article" : " articles") << '\n';
        ++rows;
    }
    return rows > 0 ? k_exit_ok : k_exit_some_failed;
}

} // namespace sillok::daemon
