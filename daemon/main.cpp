#include "daemon/cli.hpp"
#include "daemon/exit_codes.hpp"

#include <exception>

// An exception reaching here is a failure the commands cannot handle as a value (libcurl's
// multi interface failing, memory exhausted): one clear message and the I/O exit code.
int main(int argc, char** argv)
{
    try {
        return sillok::daemon::sillok_main(argc, argv);
    } catch (const std::exception& error) {
        return sillok::daemon::fail(sillok::daemon::k_exit_io, error.what());
    }
}
