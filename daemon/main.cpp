#include "daemon/cli.hpp"

int main(int argc, char** argv) { return sillok::daemon::sillok_main(argc, argv); }
