#include "issuance/card_lifecycle.hpp"

#include "crypto/file_io.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "db/registry_errors.hpp"

#include <nlohmann/json.hpp>

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
    if (hours < 1 || hours > 24 * 31) throw StationError("--hours must be between 1 and 744");
    db::Registry& registry = station.registry();
    const pki::CertificateAuthority& ca = station.issuingCa();
    const std::string issuerId = station.issuerId();

    PublishedCrlSummary summary;
    pki::RevocationListRequest request;
    for (const db::Revocation& revocation : registry.listRevocations()) {
        request.entries.push_back({fromHex(revocation.serial), revocation.revokedAt, publishedReason(revocation.reason)});
        ++summary.revoked;
    }
    for (const db::Card& card : registry.listCards(db::CardFilter{{}, db::CardStatus::suspended, {}})) {
        request.entries.push_back({fromHex(card.serial()), card.updatedAt, pki::RevocationReason::certificateHold});
        ++summary.suspended;
    }
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    summary.crlNumber = registry.nextCrlNumber(issuerId);
    summary.thisUpdate = now;
    summary.nextUpdate = now + std::chrono::hours(hours);
    request.crlNumber = static_cast<std::uint64_t>(summary.crlNumber);
    request.thisUpdate = summary.thisUpdate;
    request.nextUpdate = summary.nextUpdate;
    const pki::RevocationList crl = ca.issueRevocationList(request);
    const Bytes der = crl.der();
    writeFileAtomically(target, ByteView(der), 0644);
    registry.recordPublishedCrl(db::PublishedCrl{issuerId, summary.crlNumber, summary.thisUpdate, summary.nextUpdate, der},
                                by);
    return summary;
}

} // namespace fmc::issuance
