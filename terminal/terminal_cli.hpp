#pragma once
// The fmc-terminal command line: global options and subcommand dispatch. Returns the exit
// code; everything the program prints goes through `out` and `err`.
#include <ostream>
#include <string>
#include <vector>

namespace fmc::terminal {

// `args` excludes the program name.
int runTerminalCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace fmc::terminal
