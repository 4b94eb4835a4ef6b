#pragma once
// Everything a command opens on an archive: the folder, the ledger, and the ledger
// connections of the network loop (frontier, politeness budget) and of the worker.
#include "daemon/archive/archive.hpp"
#include "daemon/config/config.hpp"
#include "daemon/fetch/fetcher.hpp"
#include "daemon/fetch/politeness.hpp"
#include "daemon/ledger/frontier.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/util/error.hpp"
#include "daemon/warc/warc_writer.hpp"

#include <expected>
#include <memory>
#include <string>

namespace sillok::daemon {

struct Stores {
    Archive archive;
    Ledger ledger;            // the worker's: articles, versions, fetches
    Frontier loop_frontier;   // the network loop's
    Frontier worker_frontier; // the worker's
    std::unique_ptr<Politeness> politeness;
    std::unique_ptr<WarcWriter> warc; // null when warc = "off"
    WarcMode warc_mode = WarcMode::off;

    [[nodiscard]] ResponseKeeper keeper() const { return ResponseKeeper{warc.get(), warc_mode}; }
};

// Opens (and creates, migrates, cleans) the archive and its ledger; items a dead process
// left in flight return to the queue, and WARC files it left open are cut after their
// last whole record.
Result<Stores> open_stores(const Config& config);

// A reading command on a folder that holds no ledger: a mistyped --archive, not an archive
// (exit 74, naming the folder).
Result<> require_archive(const Config& config);

FetchOptions fetch_options(const Config& config);
PolitenessOptions politeness_options(const Config& config);

} // namespace sillok::daemon
