#include "issuance/issuance_cli.hpp"

#include "cli/command_line_program.hpp"
#include "cli/readers_command.hpp"
#include "issuance/card_commands.hpp"
#include "issuance/command_support.hpp"
#include "issuance/merchant_commands.hpp"
#include "issuance/station.hpp"
#include "issuance/station_commands.hpp"
#include "issuance/tag_commands.hpp"

namespace fmc::issuance {
namespace {

// `readers` says whether a card's issuer is trusted here: by this station's issuing CA, when a
// station is configured. Without one the readers are still listed (trust unknown). Opens no
// key and no registry.
cli::TrustedIssuers stationTrust(const std::optional<std::string>& homeOption) {
    std::filesystem::path home;
    try {
        home = resolveStationHome(homeOption);
    } catch (const StationError&) {
        return {std::nullopt, "none loaded (no station: --home DIR or FMC_HOME)"};
    }
    const Station station = Station::open(home);
    return {std::vector{station.issuingCertificate()},
            "this station's issuing CA (" + Station::issuingCertificatePath(home).string() + ")"};
}

} // namespace

int runIssuanceCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const cli::ProgramDescription program{
        "fmc-issue",
        "The Foreign Merchant Card issuance station. The station folder is --home DIR or $FMC_HOME;\n"
        "every change needs an operator (--operator NAME or $FMC_OPERATOR) for the audit log.\n"
        "Exit codes: 0 ok, 1 check failed, 2 error, 3 pcscd down, 4 no reader, 5 no card,\n"
        "6 card error or refused, 64 usage, 65 invalid input, 75 busy or locked, 77 wrong passphrase/PIN.",
        {
            {"init", "create the station: root and issuing CA, station secret, registry", runInitCommand},
            {"trust", "export the trust bundle for terminals", runTrustCommand},
            {"root-key", "export the root key for offline custody, or import it back", runRootKeyCommand},
            {"merchant", "enroll merchants and keep their details", runMerchantCommand},
            {"card", "issue cards and manage their lifecycle", runCardCommand},
            {"tag", "issue low-assurance credentials on NFC tags (NTAG21x)", runTagCommand},
            {"recover", "roll back interrupted issuances", runRecoverCommand},
            {"crl", "publish the signed revocation list", runCrlCommand},
            {"arl", "publish the root's list of revoked issuing CAs", runArlCommand},
            {"audit", "verify or show the audit log", runAuditCommand},
            {"backup", "back up the registry", runBackupCommand},
            {"readers", "list readers and the cards in them",
             [](const std::vector<std::string>& rest, std::ostream& output) {
                 return cli::runReadersCommand(
                     "fmc-issue", rest, output,
                     {"the station folder whose issuing CA says whether a card was issued here "
                      "(default $FMC_HOME; without one, trust is unknown)",
                      stationTrust});
             }},
        },
        stationExitCode};
    return cli::runCommandLineProgram(program, args, out, err);
}

} // namespace fmc::issuance
