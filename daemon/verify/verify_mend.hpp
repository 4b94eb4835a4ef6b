#pragma once
// How `sillok verify --repair` tells the operator to mend what it does not repair itself:
// repair changes ledger rows only, so a damaged or missing file is mended by crawling its
// article again, and other problems by hand.
#include "daemon/verify/problems.hpp"

#include <string>

namespace sillok::daemon {

// One sentence saying how the problem is mended, naming the command when there is one.
std::string how_to_mend(const Problem& problem);

} // namespace sillok::daemon
