#include "terminal/terminal_cli.hpp"

#include "cli/command_line_program.hpp"
#include "cli/readers_command.hpp"
#include "terminal/terminal_commands.hpp"
#include "terminal/terminal_home.hpp"

#include <filesystem>

namespace fmc::terminal {
namespace {

// `readers` says whether a card's issuer is trusted here: by the terminal folder's trust
// anchors, when there is a folder. Without one the readers are still listed (trust unknown).
cli::TrustedIssuers terminalTrust(const std::optional<std::string>& homeOption) {
    std::filesystem::path home;
    try {
        home = resolveTerminalHome(homeOption);
    } catch (const TerminalError&) {
        return {std::nullopt, "none loaded (no terminal folder: --home DIR or FMC_TERMINAL_HOME)"};
    }
    const crypto::pki::TrustStore trust = TerminalHome::open(home).loadTrust();
    return {trust.issuingCas(), std::to_string(trust.issuingCas().size()) + " issuing CA(s) from " +
                                    (home / "trust.pem").string()};
}

} // namespace

int runTerminalCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const cli::ProgramDescription program{
        "fmc-terminal",
        "The Foreign Merchant Card service point: verifies cards offline and decides whether a\n"
        "service is unlocked. The terminal folder is --home DIR or $FMC_TERMINAL_HOME.\n"
        "Exit codes: 0 ok or granted, 1 denied, 2 error (check: also no card), 3 pcscd down,\n"
        "4 no reader, 5 no card, 6 card error, 64 usage, 65 refused input (a CRL that is forged,\n"
        "older or malformed), 75 busy or a CRL source unreachable (try again later).",
        {
            {"setup", "prepare the terminal folder (trust anchors, services)", runSetupCommand},
            {"crl", "import or sync CRLs and the ARL", runCrlCommand},
            {"check", "decide for the card in a reader", runCheckCommand},
            {"watch", "decide for every card presented, until stopped", runWatchCommand},
            {"kiosk", "serve the merchants' self-service page", runKioskCommand},
            {"services", "list the services", runServicesCommand},
            {"log", "export the tap log", runLogCommand},
            {"readers", "list readers and the cards in them",
             [](const std::vector<std::string>& rest, std::ostream& output) {
                 return cli::runReadersCommand(
                     "fmc-terminal", rest, output,
                     {"the terminal folder whose trust anchors say whether a card's issuer is trusted here "
                      "(default $FMC_TERMINAL_HOME; without one, trust is unknown)",
                      terminalTrust});
             }},
        },
        terminalExitCode};
    return cli::runCommandLineProgram(program, args, out, err);
}

} // namespace fmc::terminal
