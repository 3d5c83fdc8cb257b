#include "issuance/card_lifecycle.hpp"

#include "crypto/file_io.hpp"
#include "db/registry_errors.hpp"


namespace fmc::issuance {

namespace pki = crypto::pki;

pki::RevocationReason publishedReason(std::string_view stationReason) {
    // A lost card is published as unspecified: nobody knows the key was misused. A stolen
    // card is a key compromise, since the 9E key signs without a PIN.
    if (stationReason == "lost") return pki::RevocationReason::unspecified;
    if (stationReason == "stolen" || stationReason == "key-compromise") return pki::RevocationReason::keyCompromise;
    if (stationReason == "superseded") return pki::RevocationReason::superseded;
    if (stationReason == "ceased") return pki::RevocationReason::cessationOfOperation;
    throw InputError("unknown revocation reason '" + std::string(stationReason) +
                       "' (use lost, stolen, key-compromise, superseded or ceased)");
}

db::Card revokeCard(Station& station, std::string_view serial, std::string_view reason, const db::Operator& by) {
    (void)publishedReason(reason);
    return station.registry().revokeCard(serial, reason, by);
}

db::Card suspendCard(Station& station, std::string_view serial, const db::Operator& by) {
    return station.registry().setCardStatus(serial, db::CardStatus::suspended, by);
}

db::Card reinstateCard(Station& station, std::string_view serial, const db::Operator& by) {
    const std::optional<db::Card> card = station.registry().findCard(serial);
    if (card && card->status != db::CardStatus::suspended)
        throw db::InvalidTransitionError("card " + std::string(serial) + " is " +
                                         std::string(db::cardStatusName(card->status)) + ", not suspended");
    return station.registry().setCardStatus(serial, db::CardStatus::active, by);
}

PublishedCrlSummary publishCrl(Station& station, const std::filesystem::path& target, int hours,
                               const db::Operator& by) {
    // The usual mistakes (no such folder, read-only) stop here, before a number is recorded.
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : ".";
    requireWritableFolder(folder);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const CompleteCrl crl = signCompleteCrl(station, now, hours);
    recordCompleteCrl(station, crl, db::CrlPublication{target.string(), std::nullopt}, by);
    try {
        writeFileAtomically(target, ByteView(crl.der), 0644);
    } catch (const FileError& error) {
        throw FileError(std::string(error.what()) + " (CRL " + std::to_string(crl.summary.crlNumber) +
                            " is recorded, so its number is used up; publish again)",
                        error.systemError());
    }
    return crl.summary;
}

} // namespace fmc::issuance
