#include "issuance/command_support.hpp"

#include "crypto/pki/pkcs11_key_store.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/file_io.hpp"
#include "db/database.hpp"
#include "db/registry_errors.hpp"
#include "db/utc_text.hpp"
#include "issuance/piv_personalization.hpp"

#include <iomanip>

namespace fmc::issuance {

void printRecoveries(std::ostream& out, const std::vector<RecoveryReport>& reports) {
    for (const RecoveryReport& report : reports) {
        out << "Rolled back interrupted issuance #" << report.issuanceId << " (serial " << report.serial
            << ", merchant " << report.merchantId << ", last step '"
            << (report.lastStep.empty() ? "none" : report.lastStep) << "'): serial " << report.serial
            << " revoked (superseded) and listed in the next CRL";
        if (report.supersededSerial) out << "; the renewed card " << *report.supersededSerial << " too";
        out << ". The card can be issued again.\n";
    }
}

nlohmann::json recoveriesJson(const std::vector<RecoveryReport>& reports) {
    nlohmann::json list = nlohmann::json::array();
    for (const RecoveryReport& report : reports)
        list.push_back({{"issuance", report.issuanceId},
                        {"serial", report.serial},
                        {"merchant", report.merchantId},
                        {"last_step", report.lastStep},
                        {"certificate_recorded", report.certificateRecorded},
                        {"superseded", report.supersededSerial ? nlohmann::json(*report.supersededSerial) : nlohmann::json()}});
    return list;
}

StepListener stepProgress(std::ostream& progress, bool& stepOpen, std::string_view (*describe)(std::string_view step)) {
    return [&progress, &stepOpen, describe](const StepEvent& event) {
        stepOpen = !event.finished;
        if (!event.finished) {
            progress << "  [" << std::setw(2) << event.number << "/" << event.total << "] " << describe(event.step)
                     << " ..." << std::flush;
        } else {
            progress << " done (" << event.elapsed.count() << " ms)\n" << std::flush;
        }
    };
}


void addStationOptions(po::options_description& options, bool changesRegistry) {
    options.add_options()("home", po::value<std::string>()->value_name("DIR"),
                          "the station folder (default: $FMC_HOME)")("json", "print JSON instead of text");
    if (changesRegistry)
        options.add_options()("operator", po::value<std::string>()->value_name("NAME"),
                              "who makes the change, for the audit log (default: $FMC_OPERATOR)");
}

std::filesystem::path stationHome(const po::variables_map& values) {
    return resolveStationHome(values.count("home") ? std::optional(values["home"].as<std::string>()) : std::nullopt);
}

Station openStation(const po::variables_map& values) { return Station::open(stationHome(values)); }

db::Operator operatorOf(const po::variables_map& values) {
    return resolveOperator(values.count("operator") ? std::optional(values["operator"].as<std::string>())
                                                    : std::nullopt);
}

bool jsonWanted(const po::variables_map& values) { return values.count("json") != 0; }

db::Timestamp now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

std::string isoDate(db::Timestamp time) { return db::formatUtc(time).substr(0, 10); }

nlohmann::json merchantJson(const db::Merchant& merchant) {
    const db::MerchantDetails& details = merchant.details;
    return nlohmann::json{{"id", merchant.id},
                          {"name", details.name},
                          {"native_name", details.nativeName},
                          {"nationality", details.nationality},
                          {"document", details.travelDocument},
                          {"business_reg", details.businessRegistration},
                          {"phone", details.phone},
                          {"language", details.preferredLanguage},
                          {"entitlements", details.entitlements},
                          {"created", db::formatUtc(merchant.createdAt)},
                          {"updated", db::formatUtc(merchant.updatedAt)}};
}

nlohmann::json cardJson(const db::Card& card) {
    nlohmann::json object{{"serial", card.serial()},
                          {"merchant", card.certificate.merchantId},
                          {"status", db::displayStatus(card, now())},
                          {"card_uuid", card.certificate.cardUuid},
                          {"not_before", db::formatUtc(card.certificate.notBefore)},
                          {"not_after", db::formatUtc(card.certificate.notAfter)},
                          {"issuer", card.certificate.issuerName},
                          {"form_factor", db::formFactorName(card.certificate.formFactor)}};
    if (!card.certificate.tagUid.empty()) object["tag_uid"] = card.certificate.tagUid;
    if (card.status == db::CardStatus::revoked) {
        object["revocation_reason"] = card.revocationReason;
        if (card.revokedAt) object["revoked"] = db::formatUtc(*card.revokedAt);
    }
    return object;
}

std::string cardLine(const db::Card& card) {
    std::string status = db::displayStatus(card, now());
    if (card.status == db::CardStatus::revoked) status += " (" + card.revocationReason + ")";
    return card.serial() + "  merchant " + std::to_string(card.certificate.merchantId) + "  " + status +
           "  valid to " + isoDate(card.certificate.notAfter) + "  uuid " + card.certificate.cardUuid +
           (card.certificate.tagUid.empty() ? "" : "  NFC tag " + card.certificate.tagUid);
}

std::optional<ExitCode> stationExitCode(const std::exception& error) {
    if (const auto* databaseError = dynamic_cast<const db::DatabaseError*>(&error)) {
        if (databaseError->isLocked()) return ExitCode::busy;
        if (databaseError->isDiskProblem()) return ExitCode::diskError;
    }
    if (const auto* fileError = dynamic_cast<const FileError*>(&error))
        if (fileError->isDiskProblem()) return ExitCode::diskError;
    if (dynamic_cast<const db::RegistryError*>(&error)) return ExitCode::invalidInput;
    if (dynamic_cast<const InputError*>(&error)) return ExitCode::invalidInput;
    if (dynamic_cast<const StationBusyError*>(&error)) return ExitCode::busy;
    if (dynamic_cast<const crypto::pki::WrongPassphraseError*>(&error) ||
        dynamic_cast<const crypto::pki::WrongPinError*>(&error))
        return ExitCode::notPermitted;
    if (dynamic_cast<const CardRefusedError*>(&error)) return ExitCode::cardError;
    return std::nullopt;
}

} // namespace fmc::issuance
