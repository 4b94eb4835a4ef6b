#pragma once
// `sillok sections` and `sillok presses`: the names behind the numbers that options and
// files use. Sections are Naver's six main ones (and the sub-sections the service has
// walked in this archive); presses are those whose articles the archive holds.
#include "daemon/config/config.hpp"

#include <iosfwd>

namespace sillok::daemon {

// "100\t정치", one line a section; with a ledger, "100/264\t정치" for each sub-section walked.
int run_sections_command(const Config& config, std::ostream& out);
// "015\t한국경제\t1204 articles", one line a press the archive holds. Exit 1 when none.
int run_presses_command(const Config& config, std::ostream& out);

} // namespace sillok::daemon
