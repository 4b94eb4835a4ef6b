#pragma once
// `sillok import FILE.warc[.gz]...`: archives the Naver News article responses found in WARC
// files that other tools wrote (wget --warc-file, Browsertrix, Heritrix, web archives), each
// with the response's own date as its crawl time. A record that cannot be archived is
// reported with its reason and changes nothing.
#include "daemon/config/config.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace sillok::daemon {

// Prints one line per article response (outcome, id, path, hash[, reason]; a record that
// names no article has "-" for id and FILE@OFFSET in its reason). Returns the exit code.
int run_import(const Config& config, const std::vector<std::string>& files, std::ostream& out);

} // namespace sillok::daemon
