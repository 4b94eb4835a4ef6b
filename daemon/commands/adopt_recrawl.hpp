#pragma once
// `adopt --recrawl`: queues the adopted articles whose current version is still the adopted
// one (frontier source "adopt", below every other source) and crawls them now, through the
// shared frontier and politeness budget. What is left when the run stops (interrupted, or
// failures waiting for a retry) stays queued, and `sillok run` takes it over.
#include "daemon/config/config.hpp"
#include "daemon/config/stores.hpp"
#include "daemon/ledger/adoptions.hpp"

#include <atomic>
#include <iosfwd>
#include <vector>

namespace sillok::daemon {

// Prints "recrawl<TAB>outcome<TAB>id<TAB>path<TAB>hash[<TAB>reason]" per article. Returns 0,
// 1 (some article failed), 74 (storage) or 75 (interrupted, or a host paused).
int recrawl_adopted(const Config& config, Stores& stores, Adoptions& adoptions,
                    const std::vector<parsers::ArticleRef>& refs, std::ostream& out, const std::atomic<bool>* stop);

} // namespace sillok::daemon
