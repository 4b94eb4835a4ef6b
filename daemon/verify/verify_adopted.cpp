#include "daemon/verify/verify_adopted.hpp"

#include "daemon/archive/front_matter.hpp"
#include "daemon/archive/regular_file.hpp"
#include "daemon/ledger/sql.hpp"
#include "daemon/util/digest.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <map>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

// copy_path -> the SHA-256 its bytes must have.
std::map<std::string, std::string> expected_copies(sqlite3* ledger, std::vector<Problem>& problems)
{
    std::map<std::string, std::string> copies;
    auto stmt = sql::prepare(ledger, "SELECT copy_path, source_sha256 FROM adoptions");
    int rc = SQLITE_ERROR;
    while (stmt && (rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        copies.emplace(sql::column_text(stmt.get(), 0).value_or(""), sql::column_text(stmt.get(), 1).value_or(""));
    }
    if (rc != SQLITE_DONE) {
        problems.push_back(Problem{ProblemKind::unreadable, "ledger.sqlite3",
                                   std::string("cannot read adoptions: ") + sqlite3_errmsg(ledger)});
    }
    return copies;
}

} // namespace

AdoptedCopies check_adopted_copies(sqlite3* ledger, const fs::path& archive)
{
    AdoptedCopies checked;
    auto expected = expected_copies(ledger, checked.problems);
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(archive / k_adopted_dir, ec), end; !ec && it != end; it.increment(ec)) {
        names.push_back(it->path().filename().string());
    }
    std::ranges::sort(names);
    for (const auto& name : names) {
        auto relative = std::string(k_adopted_dir) + "/" + name;
        struct stat info {};
        if (::lstat((archive / relative).c_str(), &info) != 0 || S_ISDIR(info.st_mode)) {
            continue;
        }
        auto wanted = expected.find(relative);
        if (S_ISLNK(info.st_mode) || !S_ISREG(info.st_mode)) {
            // Never followed, never opened: a link leads elsewhere, a FIFO would block.
            std::error_code read_ec;
            checked.problems.push_back(
                S_ISLNK(info.st_mode)
                    ? Problem{ProblemKind::symlink, relative,
                              "a symbolic link to " + fs::read_symlink(archive / relative, read_ec).string()
                                  + ": not followed, not checked"}
                    : Problem{ProblemKind::unreadable, relative,
                              std::string(file_kind(info.st_mode)) + ", not a regular file: not read"});
            if (wanted != expected.end()) {
                expected.erase(wanted);
            }
            continue;
        }
        ++checked.files_checked;
        if (wanted == expected.end()) {
            checked.problems.push_back(
                Problem{ProblemKind::orphan, relative, "no adoption in the ledger names this copy"});
            continue;
        }
        auto bytes = map_archive_file(archive, relative);
        if (!bytes) {
            checked.problems.push_back(
                Problem{ProblemKind::unreadable, relative, "cannot read the file: " + bytes.error()});
        } else if (auto actual = sha256_hex(bytes->bytes()); actual != wanted->second) {
            checked.problems.push_back(
                Problem{ProblemKind::modified, relative,
                        "the copy's SHA-256 is " + actual + ", the adopted file's " + wanted->second});
        }
        expected.erase(wanted);
    }
    for (const auto& [path, sha256] : expected) {
        checked.problems.push_back(Problem{ProblemKind::missing, path, "an adoption names this copy of an old file"});
    }
    return checked;
}

} // namespace sillok::daemon
