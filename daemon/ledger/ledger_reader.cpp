#include "daemon/ledger/ledger_reader.hpp"

#include "daemon/ledger/sql.hpp"

namespace sillok::daemon {
std::string not_a_ledger_advice(const std::filesystem::path& path)
{
    return "the ledger " + path.string()
           + " is not a SQLite database (damaged or another file): move it aside"
             " (mv "
           + path.string() + " " + path.string()
           + ".damaged), then `sillok verify --repair` rebuilds it"
             " from the archive's files";
}

std::expected<SqliteDb, std::string> open_ledger_read_only(const std::filesystem::path& path)
{
    auto db = sql::open_connection(path, sql::k_read_only);
    if (!db && db.error().sqlite_code == SQLITE_NOTADB) {
        return std::unexpected(not_a_ledger_advice(path));
    }
    if (!db) {
        return std::unexpected("cannot read ledger " + path.string() + ": " + db.error().message);
    }
    return std::move(*db);
}

} // namespace sillok::daemon
