#pragma once
// `fmc-issue readers`: each reader, what card is in it, whether it holds a PIV application.
#include <ostream>
#include <string>
#include <vector>

namespace fmc::issuance {

// Parses the subcommand's arguments (after "readers") and prints the survey to `out`.
// Throws boost::program_options::error for bad flags, card::CardError subclasses for
// pcscd / reader / card trouble (main maps both to exit codes).
int runReadersCommand(const std::vector<std::string>& args, std::ostream& out);

} // namespace fmc::issuance
