#pragma once
// The ledger's schema, one migration per schema/NNN_name.sql file, in file-name order.
// Migration N (1-based) brings the ledger to PRAGMA user_version N.
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct Migration {
    std::string_view name;
    std::string_view sql;
};

const std::vector<Migration>& migrations();

} // namespace sillok::daemon
