#pragma once
// The parsing every (sub)command repeats: options and positionals through Boost, `--help`
// printed and reported, stray words refused; and command groups such as `card issue`.
#include "cli/command_line_program.hpp"
#include "cli/program_options.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::cli {

// Adds --help. Returns nullopt after printing the help (the command then exits 0); throws
// boost::program_options::error for a bad command line (exit code 64).
[[nodiscard]] std::optional<boost::program_options::variables_map> parseCommandArguments(
    const std::vector<std::string>& args, boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positionals, std::ostream& out);

// `<program> <group> <command> ...`: dispatches to one of `commands`, with its own --help.
int runCommandGroup(std::string_view program, std::string_view group, std::string_view summary,
                    const std::vector<Subcommand>& commands, const std::vector<std::string>& args,
                    std::ostream& out);

} // namespace fmc::cli
