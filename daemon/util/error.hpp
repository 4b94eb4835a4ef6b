#pragma once
// The one error of sillok's commands: a kind that decides what happens next (and the exit
// code, in one place: exit_code), a message for people, and the context it was met in.
// Per-article outcomes (a page gone, a fetch that failed) are not errors of this kind: they
// are outcomes of the pipeline and printed as such.
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace sillok::daemon {

enum class ErrorKind {
    usage,              // a bad argument or option: nothing was done (64)
    config,             // a bad configuration file (78)
    bad_input,          // an input file that cannot be used as it is (64)
    storage_full,       // no space left for the archive or the ledger (74)
    storage_unwritable, // permissions, a read-only disk (74)
    storage,            // any other failure to read or write the archive or the ledger (74)
    ledger_corrupt,     // the ledger is not a database sillok can read (74)
    ledger_busy,        // another process holds the ledger: run again later (75)
    interrupted,        // stopped on request before the end: run again to resume (75)
};
std::string_view to_string(ErrorKind kind);

struct Error {
    ErrorKind kind;
    std::string message;

    // The same error, with what was being done put in front: "opening the ledger: ...".
    [[nodiscard]] Error within(std::string_view doing) const&
    {
        return Error{kind, std::string(doing) + ": " + message};
    }
    [[nodiscard]] Error within(std::string_view doing) &&
    {
        message.insert(0, std::string(doing) + ": ");
        return std::move(*this);
    }
};

template <typename T = void>
using Result = std::expected<T, Error>;

// The kind of an errno value (ENOSPC, EACCES, EROFS, ...) and of an SQLite result code.
ErrorKind kind_of_errno(int error_number);
ErrorKind kind_of_sqlite(int result_code);

// The exit code of a command that ends on this kind of error; the contract with scripts,
// cron and systemd is written here and in the README's table.
int exit_code(ErrorKind kind);

} // namespace sillok::daemon

// Returns the error of a Result from the enclosing function, which returns a Result too.
#define SILLOK_TRY(expression)                                                                                         \
    do {                                                                                                               \
        if (auto sillok_try_result_ = (expression); !sillok_try_result_) {                                             \
            return std::unexpected(std::move(sillok_try_result_).error());                                             \
        }                                                                                                              \
    } while (false)

// Declares `target` from a Result's value, or returns its error from the enclosing function.
#define SILLOK_TRY_ASSIGN(target, expression)                                                                          \
    auto sillok_try_##target = (expression);                                                                           \
    if (!sillok_try_##target) {                                                                                        \
        return std::unexpected(std::move(sillok_try_##target).error());                                                \
    }                                                                                                                  \
    auto target = std::move(*sillok_try_##target)
