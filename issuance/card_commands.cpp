#include "issuance/card_commands.hpp"

#include "cli/command_arguments.hpp"
#include "db/registry_errors.hpp"
#include "issuance/card_issuance.hpp"
#include "issuance/card_lifecycle.hpp"
#include "issuance/command_support.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace fmc::issuance {

namespace {

std::string_view stepDescription(std::string_view step) {
    if (step == "card-checked") return "checking the card (blank or ours, contact, PIV)";
    if (step == "key-generated") return "generating the P-256 key pair on the card (slot 9E)";
    if (step == "certificate-signed") return "signing the card certificate";
    if (step == "chuid-written") return "writing the CHUID with the card UUID";
    if (step == "certificate-written") return "writing the certificate to the card";
    if (step == "personal-data-written") return "writing the personal data (behind the PIN)";
    if (step == "puk-set") return "setting the station's PUK";
    if (step == "pin-set") return "setting the holder's PIN";
    if (step == "management-key-set") return "replacing the management key with the per-card key";
    if (step == "verified") return "reading everything back and testing the card's key";
    if (step == "activated") return "activating the card in the registry";
    return step;
}

// Reads the holder's PIN from stdin (echo off on a terminal). 6 to 8 digits, as PIV asks.
SecretBytes readHolderPin(std::ostream& prompt) {
    const bool terminal = ::isatty(STDIN_FILENO) != 0;
    termios saved{};
    if (terminal) {
        prompt << "Holder, type the new PIN (6-8 digits): " << std::flush;
        ::tcgetattr(STDIN_FILENO, &saved);
        termios silent = saved;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    }
    std::string line;
    std::getline(std::cin, line);
    if (terminal) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        prompt << "\n";
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const bool valid = line.size() >= 6 && line.size() <= 8 &&
                       line.find_first_not_of("0123456789") == std::string::npos;
    SecretBytes pin{std::string_view(line)};
    secureWipe(line.data(), line.size());
    if (!valid) throw InputError("the PIN must be 6 to 8 digits");
    return pin;
}

std::string serialArgument(const po::variables_map& values) {
    std::string serial = values["serial"].as<std::string>();
    for (char& c : serial) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (serial.empty() || serial.find_first_not_of("0123456789ABCDEF") != std::string::npos)
        throw InputError("'" + values["serial"].as<std::string>() + "' is not a card serial (hex)");
    return serial;
}

void addSerialArgument(po::options_description& options, po::positional_options_description& positionals) {
    options.add_options()("serial", po::value<std::string>()->required()->value_name("SERIAL"), "the card serial (hex)");
    positionals.add("serial", 1);
}

void addPersonalizationOptions(po::options_description& options) {
    options.add_options()
        ("reader,r", po::value<std::string>()->value_name("SUBSTRING"), "the reader (default: the one holding a card)")
        ("days", po::value<int>()->value_name("N"), "validity in days (default: the station's, 365)")
        ("pin-stdin", "read the holder's PIN from stdin (default: generate one and show it once)");
}

// Runs an issuance with its progress shown: on stdout as text, on stderr beside --json.
int personalize(Station& station, IssueRequest request, const po::variables_map& values, std::ostream& out) {
    const db::Operator by = operatorOf(values);
    const bool json = jsonWanted(values);
    std::ostream& progress = json ? std::cerr : out;
    if (values.count("reader")) request.reader = values["reader"].as<std::string>();
    if (values.count("days")) {
        request.days = values["days"].as<int>();
        if (request.days < 1 || request.days > 3660) throw InputError("--days must be between 1 and 3660");
    }
    if (values.count("pin-stdin")) request.holderPin = readHolderPin(std::cerr);
    bool stepOpen = false;  // a step's line is started and waits for its outcome
    const StepListener listener = stepProgress(progress, stepOpen, stepDescription);
    std::vector<RecoveryReport> recovered;
    IssueResult result;
    try {
        result = issueCard(station, request, by, listener, recovered);
    } catch (...) {
        if (stepOpen) progress << " failed\n";
        printRecoveries(progress, recovered);
        throw;
    }
    if (json) {
        nlohmann::json object{{"serial", result.serial},
                              {"card_uuid", result.cardUuid},
                              {"merchant", result.merchantId},
                              {"not_after", db::formatUtc(result.notAfter)},
                              {"reader", result.readerName},
                              {"recovered", recoveriesJson(recovered)}};
        if (result.generatedPin) object["pin"] = std::string(result.generatedPin->view().begin(), result.generatedPin->view().end());
        if (result.supersededSerial) object["superseded"] = *result.supersededSerial;
        out << object.dump() << "\n";
        return 0;
    }
    printRecoveries(out, recovered);
    out << "Card issued: serial " << result.serial << ", card UUID " << result.cardUuid << ", valid to "
        << isoDate(result.notAfter) << " (reader '" << result.readerName << "')\n";
    if (result.supersededSerial) out << "The previous certificate " << *result.supersededSerial << " is revoked (superseded).\n";
    if (result.generatedPin)
        out << "Holder PIN, shown once: " << std::string(result.generatedPin->view().begin(), result.generatedPin->view().end())
            << "\n";
    return 0;
}

int issue(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue card issue --merchant ID [--reader SUBSTRING] [--days N] [--pin-stdin]\n"
        "Personalizes the blank PIV card in a contact reader for a merchant: key generated on the\n"
        "card, certificate signed, data written, PIN set, card keys replaced, all read back.\n\nOptions");
    options.add_options()("merchant", po::value<std::int64_t>()->required()->value_name("ID"), "the merchant id");
    addPersonalizationOptions(options);
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    Station station = openStation(*values);
    IssueRequest request;
    request.merchantId = (*values)["merchant"].as<std::int64_t>();
    return personalize(station, std::move(request), *values, out);
}

int renew(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue card renew SERIAL [--reader SUBSTRING] [--days N] [--pin-stdin]\n"
        "Issues a new certificate (new key, new serial) onto the same card; the old serial is\n"
        "revoked as superseded once the new one is active.\n\nOptions");
    po::positional_options_description positionals;
    addSerialArgument(options, positionals);
    addPersonalizationOptions(options);
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, positionals, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const std::string serial = serialArgument(*values);
    const std::optional<db::Card> card = station.registry().findCard(serial);
    if (!card) throw db::NotFoundError("no card " + serial);
    if (card->certificate.formFactor == db::FormFactor::ntag)
        throw InputError(serial + " is an NFC tag credential: revoke it and issue the tag again with 'tag issue'");
    if (card->status != db::CardStatus::active)
        throw db::InvalidTransitionError("card " + serial + " is " + std::string(db::cardStatusName(card->status)) +
                                         "; only an active card is renewed");
    IssueRequest request;
    request.merchantId = card->certificate.merchantId;
    request.renews = serial;
    return personalize(station, std::move(request), *values, out);
}

int replace(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue card replace SERIAL [--reason lost|stolen|...] [--reader SUBSTRING] ...\n"
        "For a lost or stolen card: revokes SERIAL (unless already revoked), then issues a new\n"
        "card for the same merchant onto the blank card in the reader.\n\nOptions");
    po::positional_options_description positionals;
    addSerialArgument(options, positionals);
    options.add_options()("reason", po::value<std::string>()->default_value("lost")->value_name("REASON"),
                          "why the old card is revoked");
    addPersonalizationOptions(options);
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, positionals, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const std::string serial = serialArgument(*values);
    const std::optional<db::Card> card = station.registry().findCard(serial);
    if (!card) throw db::NotFoundError("no card " + serial);
    const std::string reason = (*values)["reason"].as<std::string>();
    if (card->status != db::CardStatus::revoked) {
        revokeCard(station, serial, reason, operatorOf(*values));
        (jsonWanted(*values) ? std::cerr : out) << "Card " << serial << " revoked (" << reason << ").\n";
    }
    IssueRequest request;
    request.merchantId = card->certificate.merchantId;
    return personalize(station, std::move(request), *values, out);
}

int list(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options("Usage: fmc-issue card list [--merchant ID] [--status STATUS] [--json]\n"
                                    "Lists cards: active, suspended, revoked, expired or interrupted.\n\nOptions");
    options.add_options()("merchant", po::value<std::int64_t>()->value_name("ID"), "only this merchant's cards")(
        "status", po::value<std::string>()->value_name("STATUS"), "only cards in this status");
    addStationOptions(options, false);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    Station station = openStation(*values);
    db::CardFilter filter;
    if (values->count("merchant")) filter.merchantId = (*values)["merchant"].as<std::int64_t>();
    std::optional<std::string> status;
    if (values->count("status")) {
        status = (*values)["status"].as<std::string>();
        if (*status != "active" && *status != "suspended" && *status != "revoked" && *status != "expired" &&
            *status != "interrupted")
            throw InputError("--status must be active, suspended, revoked, expired or interrupted");
    }
    nlohmann::json array = nlohmann::json::array();
    std::size_t shown = 0;
    for (const db::Card& card : station.registry().listCards(filter)) {
        if (status && db::displayStatus(card, now()) != *status) continue;
        ++shown;
        if (jsonWanted(*values)) array.push_back(cardJson(card));
        else out << cardLine(card) << "\n";
    }
    if (jsonWanted(*values)) out << array.dump() << "\n";
    else if (shown == 0) out << "no cards\n";
    return 0;
}

int show(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options("Usage: fmc-issue card show SERIAL [--json] [--pem]\nShows one card.\n\nOptions");
    po::positional_options_description positionals;
    addSerialArgument(options, positionals);
    options.add_options()("pem", "print the certificate (PEM) too");
    addStationOptions(options, false);
    const auto values = cli::parseCommandArguments(args, options, positionals, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const std::string serial = serialArgument(*values);
    const std::optional<db::Card> card = station.registry().findCard(serial);
    if (!card) throw db::NotFoundError("no card " + serial);
    if (jsonWanted(*values)) {
        nlohmann::json object = cardJson(*card);
        if (values->count("pem")) object["certificate"] = card->certificate.certificatePem;
        out << object.dump() << "\n";
        return 0;
    }
    out << cardLine(*card) << "\n  issued by " << card->certificate.issuerName << "\n  valid from "
        << db::formatUtc(card->certificate.notBefore) << " to " << db::formatUtc(card->certificate.notAfter) << "\n";
    if (values->count("pem")) out << card->certificate.certificatePem;
    return 0;
}

// revoke, suspend and reinstate: one serial in, the card's new state out.
int changeStatus(const std::vector<std::string>& args, std::ostream& out, const std::string& verb) {
    po::options_description options("Usage: fmc-issue card " + verb + " SERIAL" +
                                    (verb == "revoke" ? " --reason lost|stolen|key-compromise|superseded|ceased" : "") +
                                    "\nThe change reaches terminals with the next 'crl publish'.\n\nOptions");
    po::positional_options_description positionals;
    addSerialArgument(options, positionals);
    if (verb == "revoke")
        options.add_options()("reason", po::value<std::string>()->required()->value_name("REASON"), "why");
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, positionals, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const db::Operator by = operatorOf(*values);
    const std::string serial = serialArgument(*values);
    const db::Card card = verb == "revoke"    ? revokeCard(station, serial, (*values)["reason"].as<std::string>(), by)
                          : verb == "suspend" ? suspendCard(station, serial, by)
                                              : reinstateCard(station, serial, by);
    if (jsonWanted(*values)) out << cardJson(card).dump() << "\n";
    else out << cardLine(card) << "\n";
    return 0;
}

int wipe(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue card wipe [--reader SUBSTRING]\n"
        "Resets one of this station's cards (revoked, expired or never activated) to the factory\n"
        "state so it can be issued to someone else.\n\nOptions");
    options.add_options()("reader,r", po::value<std::string>()->value_name("SUBSTRING"), "the reader");
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const db::Operator by = operatorOf(*values);
    const std::optional<std::string> reader =
        values->count("reader") ? std::optional((*values)["reader"].as<std::string>()) : std::nullopt;
    const WipeResult result = wipeCard(station, reader, by);
    if (jsonWanted(*values))
        out << nlohmann::json{{"card_uuid", result.cardUuid},
                              {"serial", result.serial ? nlohmann::json(*result.serial) : nlohmann::json()}}
                   .dump()
            << "\n";
    else
        out << "Card " << result.cardUuid << (result.serial ? " (serial " + *result.serial + ")" : "")
            << " wiped: factory keys, PIN and PUK, no data.\n";
    return 0;
}

} // namespace

int runCardCommand(const std::vector<std::string>& args, std::ostream& out) {
    using namespace std::placeholders;
    return cli::runCommandGroup(
        "fmc-issue", "card", "Issues cards and manages their lifecycle.",
        {{"issue", "personalize a blank card for a merchant", issue},
         {"list", "list cards", list},
         {"show", "show one card", show},
         {"revoke", "revoke a card", [](const auto& a, auto& o) { return changeStatus(a, o, "revoke"); }},
         {"suspend", "suspend a card (listed on hold)", [](const auto& a, auto& o) { return changeStatus(a, o, "suspend"); }},
         {"reinstate", "lift a suspension", [](const auto& a, auto& o) { return changeStatus(a, o, "reinstate"); }},
         {"replace", "revoke a lost card and issue a new one", replace},
         {"renew", "renew a card's certificate on the same card", renew},
         {"wipe", "reset one of our cards to blank for reuse", wipe}},
        args, out);
}

int runRecoverCommand(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue recover\n"
        "Rolls back issuances interrupted by a crash or a pulled card (card issue does this too).\n\nOptions");
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const std::vector<RecoveryReport> reports = recoverInterruptedIssuances(station, operatorOf(*values));
    if (jsonWanted(*values)) out << recoveriesJson(reports).dump() << "\n";
    else if (reports.empty()) out << "no interrupted issuance\n";
    else printRecoveries(out, reports);
    return 0;
}

} // namespace fmc::issuance
