#include "terminal/terminal_cli.hpp"

#include "cli/command_line_program.hpp"
#include "cli/readers_command.hpp"

namespace fmc::terminal {

int runTerminalCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const cli::ProgramDescription program{
        "fmc-terminal",
        "The Foreign Merchant Card service point.",
        {
            {"readers", "list readers and the cards in them",
             [](const std::vector<std::string>& rest, std::ostream& output) {
                 return cli::runReadersCommand("fmc-terminal", rest, output);
             }},
        },
        {}};
    return cli::runCommandLineProgram(program, args, out, err);
}

} // namespace fmc::terminal
