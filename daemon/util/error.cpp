#include "daemon/util/error.hpp"

#include "daemon/util/exit_codes.hpp"

#include <sqlite3.h>

#include <cerrno>

namespace sillok::daemon {

std::string_view to_string(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::usage:
        return "usage";
    case ErrorKind::config:
        return "config";
    case ErrorKind::bad_input:
        return "bad_input";
    case ErrorKind::storage_full:
        return "storage_full";
    case ErrorKind::storage_unwritable:
        return "storage_unwritable";
    case ErrorKind::storage:
        return "storage";
    case ErrorKind::ledger_corrupt:
        return "ledger_corrupt";
    case ErrorKind::ledger_busy:
        return "ledger_busy";
    case ErrorKind::interrupted:
        return "interrupted";
    }
    return "storage";
}

ErrorKind kind_of_errno(int error_number)
{
    switch (error_number) {
    case ENOSPC:
    case EDQUOT:
        return ErrorKind::storage_full;
    case EACCES:
    case EPERM:
    case EROFS:
        return ErrorKind::storage_unwritable;
    default:
        return ErrorKind::storage;
    }
}

ErrorKind kind_of_sqlite(int result_code)
{
    switch (result_code & 0xff) {
    case SQLITE_FULL:
        return ErrorKind::storage_full;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
        return ErrorKind::storage_unwritable;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ErrorKind::ledger_busy;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return ErrorKind::ledger_corrupt;
    case SQLITE_INTERRUPT:
        return ErrorKind::interrupted;
    default:
        return ErrorKind::storage;
    }
}

int exit_code(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::bad_input:
        return k_exit_usage;
    case ErrorKind::config:
        return k_exit_config;
    case ErrorKind::storage_full:
    case ErrorKind::storage_unwritable:
    case ErrorKind::storage:
    case ErrorKind::ledger_corrupt:
        return k_exit_io;
    case ErrorKind::ledger_busy:
    case ErrorKind::interrupted:
        return k_exit_tempfail;
    }
    return k_exit_io;
}

} // namespace sillok::daemon
