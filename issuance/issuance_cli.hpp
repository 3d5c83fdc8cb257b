#pragma once
// The fmc-issue command line: global options and subcommand dispatch. Returns the exit
// code; everything the program prints goes through `out` and `err`.
#include <ostream>
#include <string>
#include <vector>

namespace fmc::issuance {

// `args` excludes the program name.
int runIssuanceCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace fmc::issuance
