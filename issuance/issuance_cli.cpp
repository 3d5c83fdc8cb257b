#include "issuance/issuance_cli.hpp"

#include "cli/command_line_program.hpp"
#include "cli/readers_command.hpp"

namespace fmc::issuance {

int runIssuanceCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const cli::ProgramDescription program{
        "fmc-issue",
        "The Foreign Merchant Card issuance station.",
        {
            {"readers", "list readers and the cards in them",
             [](const std::vector<std::string>& rest, std::ostream& output) {
                 return cli::runReadersCommand("fmc-issue", rest, output);
             }},
        }};
    return cli::runCommandLineProgram(program, args, out, err);
}

} // namespace fmc::issuance
