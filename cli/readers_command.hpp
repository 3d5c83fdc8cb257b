#pragma once
// `fmc-terminal readers` and `fmc-issue readers`: each reader, what card is in it, whether it holds a PIV application.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::cli {

// Parses the subcommand's arguments (after "readers") and prints the survey to `out`.
// Throws boost::program_options::error for bad flags, card::CardError subclasses for
// pcscd / reader / card trouble (main maps both to exit codes).
int runReadersCommand(std::string_view program, const std::vector<std::string>& args,
                      std::ostream& out);

} // namespace fmc::cli
