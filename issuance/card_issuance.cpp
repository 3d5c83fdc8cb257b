#include "issuance/card_issuance.hpp"
#include "issuance/issuance_steps.hpp"

#include "card/piv/merchant_card.hpp"
#include "crypto/digest.hpp"
#include "crypto/pki/card_certificate_profile.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/random.hpp"
#include "db/registry_errors.hpp"
#include "issuance/piv_personalization.hpp"
#include "issuance/station_card.hpp"
#include "issuance/station_lock.hpp"

#include <nlohmann/json.hpp>


namespace fmc::issuance {

namespace pki = crypto::pki;
using Clock = std::chrono::system_clock;

namespace {

using detail::crashIfAsked;
using detail::kRenewsPrefix;

std::string expirationDate(Clock::time_point notAfter) {
    const auto day = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(notAfter));
    char text[16];  // room for any int year, so the compiler can see nothing is cut
    std::snprintf(text, sizeof text, "%04d%02u%02u", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                  static_cast<unsigned>(day.day()));
    return text;
}

SecretBytes generatePin() {
    const Bytes random = crypto::randomBytes(8);
    std::string digits;
    // Rejection sampling: 250 is the largest multiple of 10 below 256, so each digit is uniform.
    for (std::uint8_t byte : random)
        if (byte < 250 && digits.size() < 6) digits.push_back(static_cast<char>('0' + byte % 10));
    while (digits.size() < 6) {
        const std::uint8_t byte = crypto::randomBytes(1).front();
        if (byte < 250) digits.push_back(static_cast<char>('0' + byte % 10));
    }
    SecretBytes pin{std::string_view(digits)};
    secureWipe(digits.data(), digits.size());
    return pin;
}

// Decides whether the station may personalize this card, and under which card UUID; throws
// CardRefusedError if not. Leaves the card authenticated with the management key that works.
//
// A blank card gets a new UUID. One of ours keeps its UUID for as long as it stays with its
// merchant (re-issue, renewal, a retry after a crash): the card's management key and PUK are
// derived from that UUID, so keeping it means they only ever move from the factory values to
// the UUID's own, never from one UUID's to another's, and a crash at any step leaves a card
// the station can open again. Another merchant gets the card only after `card wipe`.
Uuid admitCard(Station& station, PivPersonalization& piv, const IssueRequest& request, std::int64_t merchantId) {
    db::Registry& registry = station.registry();
    const std::optional<Uuid> uuid = piv.cardUuid();
    std::optional<db::Card> known;
    if (uuid) {
        const std::vector<db::Card> cards = registry.listCards(db::CardFilter{{}, {}, uuidToString(*uuid), {}});
        if (!cards.empty()) known = cards.back();
    }
    if (request.renews && (!known || known->serial() != *request.renews))
        throw CardRefusedError("the card in the reader is not card " + *request.renews + ", the one to renew");
    if (known) {
        const std::string status = db::displayStatus(*known, std::chrono::floor<std::chrono::seconds>(Clock::now()));
        if (!request.renews && (status == "active" || status == "suspended"))
            throw CardRefusedError("this card is already issued (serial " + known->serial() + ", " + status +
                                   "): renew it with 'card renew', or revoke it before issuing it again");
        if (known->certificate.merchantId != merchantId)
            throw CardRefusedError("this card was issued to merchant " + std::to_string(known->certificate.merchantId) +
                                   ": wipe it with 'card wipe' before issuing it to someone else");
        if (piv.authenticateWith(deriveCardKeys(station.secret(), *uuid).managementKey) ||
            piv.authenticateWithFactoryKey())
            return *uuid;
    } else if (piv.authenticateWithFactoryKey()) {
        return randomUuid();
    }
    throw CardRefusedError("the card is not blank (its management key is not the factory key) and is not one of "
                           "this station's cards; nothing was changed");
}

} // namespace

std::vector<RecoveryReport> recoverInterruptedIssuances(Station& station, const db::Operator& by) {
    const StationLock lock(Station::lockPath(station.home()));
    return detail::recoverLocked(station, by);
}

IssueResult issueCard(Station& station, const IssueRequest& request, const db::Operator& by,
                      const StepListener& listener, std::vector<RecoveryReport>& recovered) {
    const StationLock lock(Station::lockPath(station.home()));
    recovered = detail::recoverLocked(station, by);
    db::Registry& registry = station.registry();
    const detail::IssuanceTerms terms = detail::issuanceTerms(station, request.merchantId, request.days);
    const db::Merchant* merchant = &terms.merchant;
    const Clock::time_point notBefore = terms.notBefore;
    const Clock::time_point notAfter = terms.notAfter;

    // Everything that can fail for want of a passphrase, PIN or card is checked before the
    // registry or the card changes.
    StationCard card(request.reader);
    if (card.contactless())
        throw CardRefusedError("the card is on a contactless reader ('" + card.readerName() +
                               "'): PIV allows no card management over the contactless interface, so nothing was "
                               "changed; put the card in a contact reader");
    PivPersonalization piv(card.piv());
    piv.selectPiv();
    const pki::CertificateAuthority& ca = station.issuingCa();
    (void)station.secret();
    const Uuid cardUuid = admitCard(station, piv, request, merchant->id);

    IssueResult result;
    result.merchantId = merchant->id;
    result.readerName = card.readerName();
    result.notAfter = std::chrono::floor<std::chrono::seconds>(notAfter);
    const SecretBytes pin = request.holderPin ? *request.holderPin : generatePin();
    if (!request.holderPin) result.generatedPin = pin;
    result.cardUuid = uuidToString(cardUuid);
    result.serial = registry.allocateSerial(by);
    const db::Issuance issuance = registry.beginIssuance(merchant->id, result.serial, result.cardUuid, by);
    const CardKeys keys = deriveCardKeys(station.secret(), cardUuid);

    detail::StepRecorder steps(registry, issuance.id, by, listener, kIssuanceSteps);
    try {
        steps.run(0, [] {}, request.renews ? std::string(kRenewsPrefix) + *request.renews : std::string());
        std::optional<crypto::EcPublicKey> cardKey;
        steps.run(1, [&] { cardKey = piv.generateCardKey(); });

        const card::piv::MerchantPersonalData personal{merchant->details.name, merchant->details.nativeName,
                                                       merchant->details.nationality,
                                                       merchant->details.travelDocument, result.serial};
        const Bytes personalData = personal.encode();
        std::optional<pki::Certificate> certificate;
        steps.run(2, [&] {
            pki::CardCertificateRequest certificateRequest{
                result.serial, cardUuid, *cardKey,
                pki::CardAttributes{merchant->details.entitlements,
                                    merchant->details.preferredLanguage.empty() ? "en"
                                                                                : merchant->details.preferredLanguage,
                                    crypto::sha256(personalData)},
                notBefore, notAfter, fromHex(result.serial)};
            certificate = ca.issueCardCertificate(certificateRequest);
            crashIfAsked("certificate-signed-unrecorded");
            registry.addCard(db::NewCard{result.serial, result.cardUuid, merchant->id, station.issuerId(),
                                         ca.certificate().subject(),
                                         std::chrono::floor<std::chrono::seconds>(certificate->notBefore()),
                                         std::chrono::floor<std::chrono::seconds>(certificate->notAfter()),
                                         certificate->der(), certificate->pem(), db::FormFactor::piv, {}},
                             by);
        });
        steps.run(3, [&] { piv.writeChuid(cardUuid, expirationDate(notAfter)); });
        steps.run(4, [&] { piv.writeCertificate(certificate->der()); });
        steps.run(5, [&] { piv.writePersonalData(personalData); });
        steps.run(6, [&] { piv.setPuk(keys.puk); });
        steps.run(7, [&] { piv.setPin(keys.puk, pin); });
        steps.run(8, [&] { piv.setManagementKey(keys.managementKey); });
        steps.run(9, [&] {
            piv.verifyPersonalization({cardUuid, certificate->der(), personalData, *cardKey}, keys, pin);
        });
        steps.run(10, [&] {
            registry.atomically([&] {
                // The card's earlier certificate (a renewal, or an expired one never revoked)
                // is superseded: one live certificate per card.
                for (const db::Card& earlier : registry.listCards(db::CardFilter{{}, {}, result.cardUuid, {}}))
                    if (earlier.serial() != result.serial && (earlier.status == db::CardStatus::active ||
                                                              earlier.status == db::CardStatus::suspended)) {
                        registry.revokeCard(earlier.serial(), "superseded", by);
                        result.supersededSerial = earlier.serial();
                    }
                registry.setCardStatus(result.serial, db::CardStatus::active, by);
                registry.recordIssuanceStep(issuance.id, kIssuanceSteps[10], db::StepState::done, {}, by);
                registry.finishIssuance(issuance.id, db::IssuanceOutcome::completed, by);
            });
        });
    } catch (const std::exception& error) {
        // Undo in the registry now; the card itself is fine to issue again (see the header).
        detail::rollBackIfUnfinished(registry, issuance.id,
                                     std::string("failed after '") + std::string(steps.lastDone()) + "': " + error.what(), by);
        throw;
    }
    return result;
}

WipeResult wipeCard(Station& station, const std::optional<std::string>& reader, const db::Operator& by) {
    const StationLock lock(Station::lockPath(station.home()));
    StationCard card(reader);
    if (card.contactless())
        throw CardRefusedError("the card is on a contactless reader ('" + card.readerName() +
                               "'): PIV allows no card management over the contactless interface");
    PivPersonalization piv(card.piv());
    piv.selectPiv();
    const std::optional<Uuid> uuid = piv.cardUuid();
    if (!uuid) throw CardRefusedError("the card has no CHUID: it is blank already or not one of ours");
    WipeResult result;
    result.cardUuid = uuidToString(*uuid);
    db::Registry& registry = station.registry();
    const std::vector<db::Card> cards = registry.listCards(db::CardFilter{{}, {}, result.cardUuid, {}});
    if (!cards.empty()) {
        const db::Card& known = cards.back();
        result.serial = known.serial();
        const std::string status = db::displayStatus(known, std::chrono::floor<std::chrono::seconds>(Clock::now()));
        if (status == "active" || status == "suspended")
            throw CardRefusedError("card " + known.serial() + " is " + status + ": revoke it before wiping it");
    }
    const CardKeys keys = deriveCardKeys(station.secret(), *uuid);
    if (!piv.authenticateWith(keys.managementKey))
        throw CardRefusedError("the card refuses this station's management key: it is not one of this station's cards");
    piv.resetToFactory(keys);
    registry.recordEvent("card.wipe", result.serial.value_or(result.cardUuid),
                         nlohmann::json{{"card_uuid", result.cardUuid}, {"reader", card.readerName()}}.dump(), by);
    return result;
}

} // namespace fmc::issuance
