#pragma once
// What every fmc program's command line shares: `--help` and `--version`, subcommand
// dispatch, one-line errors on stderr and the mapping from exceptions to exit codes
// (card/exit_codes.hpp). Each program only describes its commands.
#include "card/exit_codes.hpp"

#include <exception>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace fmc::cli {

struct Subcommand {
    std::string name;
    std::string summary;
    // Gets the arguments after the subcommand's name; returns the exit code. Throws
    // boost::program_options::error for a bad command line, library errors otherwise.
    std::function<int(const std::vector<std::string>& args, std::ostream& out)> run;
};

struct ProgramDescription {
    std::string name;      // "fmc-terminal"
    std::string summary;   // one line
    std::vector<Subcommand> commands;
    // The program's own errors and their exit codes (e.g. the registry's); nullopt leaves an
    // error to the shared mapping (card errors by kind, anything else 2).
    std::function<std::optional<ExitCode>(const std::exception&)> exitCodeFor;
};

// `args` excludes the program name. Never throws.
int runCommandLineProgram(const ProgramDescription& program, const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& err);

} // namespace fmc::cli
