#pragma once
// verify's comparison of a current archive file's front matter with the fields its
// ledger row records: a changed title (or any other field) is a ledger mismatch.
#include "daemon/archive/front_matter.hpp"
#include "daemon/util/c_handles.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sillok::daemon {

class RecordedFields {
public:
    explicit RecordedFields(sqlite3* db);

    // Which front matter fields differ from the articles row that names the file at path as
    // its current file ("title: the file says ..., the ledger ..."; several joined by "; ").
    // Nullopt when they agree, when no row names the file, or when the row records another
    // content hash (that is reported by the hash check).
    std::optional<std::string> differences(std::string_view oid, std::string_view aid, std::string_view path,
                                           const FrontMatter& front);

private:
    SqliteStmt m_stmt;
};

} // namespace sillok::daemon
