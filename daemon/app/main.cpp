#include "daemon/app/cli.hpp"
#include "daemon/util/exit_codes.hpp"

#include <malloc.h>

#include <exception>

namespace {

// Responses, records and their compressed copies are buffers of hundreds of kilobytes, made
// and freed for every article. glibc serves such sizes by mmap, and gives freed arena tops
// back to the kernel, so each new buffer's pages are faulted in again (about 130 page faults
// per article, 6 % of a crawl's CPU). Fixed limits keep buffers under 4 MiB in the arenas
// and up to 2 MiB free at an arena's top for the next ones (`sillok run` holds about 2 MiB
// more for it).
void keep_buffers_in_the_heap()
{
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 2 << 20);
}

} // namespace

// An exception reaching here is a failure the commands cannot handle as a value (libcurl's
// multi interface failing, memory exhausted): one clear message and the I/O exit code.
int main(int argc, char** argv)
{
    keep_buffers_in_the_heap();
    try {
        return sillok::daemon::sillok_main(argc, argv);
    } catch (const std::exception& error) {
        return sillok::daemon::fail(sillok::daemon::k_exit_io, error.what());
    }
}
