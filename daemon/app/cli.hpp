#pragma once
// The command line: parses arguments, sets up logging and signals, and runs a command.
namespace sillok::daemon {

// The whole program; returns the process exit code (see crawl.hpp for the contract).
int sillok_main(int argc, char** argv);

} // namespace sillok::daemon
