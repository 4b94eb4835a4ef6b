#pragma once
// Opening a ledger only to read it (`status`, `verify` without --repair), also where it
// cannot be written: a mounted backup, a copy owned by another user, a read-only disk.
#include "daemon/util/c_handles.hpp"

#include <expected>
#include <filesystem>
#include <string>

namespace sillok::daemon {

// Read-only (mode=ro), waiting out other processes' locks; when SQLite cannot read a WAL
// ledger that way (its -shm cannot be created beside it), as an immutable file. The error
// says what is wrong and, for a file that is not a ledger, what to do.
std::expected<SqliteDb, std::string> open_ledger_read_only(const std::filesystem::path& path);

// The advice for a ledger that SQLite says is not a database.
std::string not_a_ledger_advice(const std::filesystem::path& path);

} // namespace sillok::daemon
