#include "issuance/tag_commands.hpp"

#include "cli/command_arguments.hpp"
#include "issuance/command_support.hpp"
#include "issuance/tag_issuance.hpp"

#include <iostream>

namespace fmc::issuance {

namespace {

std::string_view stepDescription(std::string_view step) {
    if (step == "tag-checked") return "checking the tag (NTAG21x, writable, no live credential)";
    if (step == "credential-signed") return "signing the tag credential (bound to the tag's UID)";
    if (step == "credential-written") return "writing the NDEF message to the tag";
    if (step == "verified") return "reading the tag back and verifying the credential";
    if (step == "activated") return "activating the credential in the registry";
    return step;
}

int issue(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue tag issue --merchant ID [--reader SUBSTRING] [--days N] [--overwrite]\n"
        "Writes a signed credential for a merchant to the NFC tag (NTAG21x) on a contactless\n"
        "reader, bound to the tag's UID, and reads it back. LOW ASSURANCE: a tag has no private\n"
        "key and can be copied; terminals grant it only for services whose policy accepts low\n"
        "assurance. The credential is a card in the registry: revoke it with 'card revoke'.\n\nOptions");
    options.add_options()
        ("merchant", po::value<std::int64_t>()->required()->value_name("ID"), "the merchant id")
        ("reader,r", po::value<std::string>()->value_name("SUBSTRING"), "the reader (default: the one holding a card)")
        ("days", po::value<int>()->value_name("N"), "validity in days (default: the station's, 365)")
        ("overwrite", "replace NDEF content that is not a Foreign Merchant credential");
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    Station station = openStation(*values);
    TagIssueRequest request;
    request.merchantId = (*values)["merchant"].as<std::int64_t>();
    if (values->count("reader")) request.reader = (*values)["reader"].as<std::string>();
    if (values->count("days")) {
        request.days = (*values)["days"].as<int>();
        if (request.days < 1 || request.days > 3660) throw InputError("--days must be between 1 and 3660");
    }
    request.overwrite = values->count("overwrite") != 0;

    const bool json = jsonWanted(*values);
    std::ostream& progress = json ? std::cerr : out;
    bool stepOpen = false;
    std::vector<RecoveryReport> recovered;
    TagIssueResult result;
    try {
        result = issueTag(station, request, operatorOf(*values), stepProgress(progress, stepOpen, stepDescription),
                          recovered);
    } catch (...) {
        if (stepOpen) progress << " failed\n";
        printRecoveries(progress, recovered);
        throw;
    }
    if (json) {
        out << nlohmann::json{{"serial", result.serial},
                              {"credential_uuid", result.credentialUuid},
                              {"merchant", result.merchantId},
                              {"tag_uid", result.tagUid},
                              {"not_after", db::formatUtc(result.notAfter)},
                              {"reader", result.readerName},
                              {"assurance", "low"},
                              {"credential_bytes", result.credentialBytes},
                              {"ndef_bytes", result.ndefBytes},
                              {"tag_capacity", result.tagCapacity},
                              {"recovered", recoveriesJson(recovered)}}
                   .dump()
            << "\n";
        return 0;
    }
    printRecoveries(out, recovered);
    out << "Tag issued: serial " << result.serial << ", tag UID " << result.tagUid << ", valid to "
        << isoDate(result.notAfter) << " (reader '" << result.readerName << "'); " << result.ndefBytes << " of "
        << result.tagCapacity << " bytes used. Low assurance: accepted only where a service's policy allows.\n";
    return 0;
}

} // namespace

int runTagCommand(const std::vector<std::string>& args, std::ostream& out) {
    return cli::runCommandGroup("fmc-issue", "tag",
                                "Issues low-assurance credentials on NFC tags (NTAG21x); 'card' manages them after.",
                                {{"issue", "write a credential for a merchant to the tag in the reader", issue}}, args,
                                out);
}

} // namespace fmc::issuance
