// Who holds a ledger's lock, read from /proc/locks (a real lock held by another process:
// e2e::crawl on a ledger another process holds locked).
#include "daemon/ledger/ledger_file.hpp"

#include <doctest/doctest.h>

#include <sys/sysmacros.h>

using namespace sillok::daemon;

TEST_CASE("daemon::ledger_file reads the holders of a file's locks from /proc/locks")
{
    const std::uint64_t dev = makedev(0x08, 0x01);
    const std::string text = "1: POSIX  ADVISORY  READ 300 08:01:5678 128 128\n"
                             "2: POSIX  ADVISORY  WRITE 400 08:01:5678 120 120\n"
                             "2: -> POSIX  ADVISORY  WRITE 500 08:01:5678 120 120\n"
                             "3: POSIX  ADVISORY  WRITE 600 08:01:9999 0 EOF\n"
                             "4: POSIX  ADVISORY  WRITE 700 08:01:5678 0 EOF\n"
                             "5: FLOCK  ADVISORY  WRITE 800 00:1f:5678 0 EOF\n";
    // Writers come first: pid 700 is this process, 500 only waits, 600 locks another file,
    // 800 another device.
    CHECK(lock_holder_pids(text, {{dev, 5678}}, 700) == std::vector<long>{400});
    // With no writer, the readers.
    CHECK(lock_holder_pids("1: POSIX  ADVISORY  READ 300 08:01:5678 128 128\n", {{dev, 5678}}, 1)
          == std::vector<long>{300});
    CHECK(lock_holder_pids("garbage\n\n", {{dev, 5678}}, 1).empty());
}
