#pragma once
// `sillok comments OID_AID|URL [--at TIME]`: an article's comments as threads, as the last
// snapshot left them or as of a time.
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

namespace sillok::daemon {

// A header line (the snapshot shown: its time, outcome and the API's totals), then per
// comment "#NUMBER  POSTED  AUTHOR  STATE  likes L dislikes D replies R" and its text
// indented by four spaces, replies indented two more and after their parent. Text from the
// API is escaped (no control character reaches the terminal). With `at` (ISO 8601, KST when
// no offset), each comment's text and state of its last version seen by then, and only the
// comments first seen by then. Returns the exit code: 1 when the article has no snapshot
// (by then), 64 for a bad argument, 74 when the ledger cannot be read.
int run_comments_view(const std::filesystem::path& ledger, std::string_view article, const std::string& at,
                      std::ostream& out);

} // namespace sillok::daemon
