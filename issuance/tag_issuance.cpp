#include "issuance/tag_issuance.hpp"

#include "card/atr.hpp"
#include "card/nfc/ndef.hpp"
#include "card/nfc/type2_tag.hpp"
#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/tag_credential.hpp"
#include "crypto/pki/trust_store.hpp"
#include "db/registry_errors.hpp"
#include "issuance/issuance_steps.hpp"
#include "issuance/piv_personalization.hpp"
#include "issuance/station_card.hpp"
#include "issuance/station_lock.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace fmc::issuance {

namespace pki = crypto::pki;
namespace nfc = card::nfc;
using Clock = std::chrono::system_clock;

namespace {

Bytes ndefMessageFor(ByteView credential) {
    return nfc::encodeNdefMessage({nfc::mediaRecord(pki::tagCredentialMediaType, Bytes(credential.begin(), credential.end()))});
}

std::string languageOf(const db::Merchant& merchant) {
    return merchant.details.preferredLanguage.empty() ? "en" : merchant.details.preferredLanguage;
}

// The credential in an NDEF message, if the message is exactly one of ours.
std::optional<Bytes> credentialIn(ByteView message) {
    return nfc::soleMediaRecordPayload(message, pki::tagCredentialMediaType);
}

// What is on the tag now decides whether it may be written: nothing, or a credential of ours
// whose registry record is no longer live, or (with --overwrite) anything else.
void admitTag(db::Registry& registry, nfc::Type2Tag& tag, const std::string& uidHex, bool overwrite) {
    for (const db::Card& card : registry.listCards(db::CardFilter{{}, {}, {}, uidHex}))
        if (card.status == db::CardStatus::active || card.status == db::CardStatus::suspended)
            throw CardRefusedError("tag " + uidHex + " already carries live credential " + card.serial() +
                                   ": revoke it before issuing the tag again");
    std::optional<Bytes> message;
    try {
        message = tag.readNdefMessage();
    } catch (const nfc::NdefError& error) {
        if (!overwrite)
            throw CardRefusedError(std::string("the tag's content does not parse (") + error.what() +
                                   "): use --overwrite to replace it");
        return;
    }
    if (!message || overwrite) return;
    std::optional<Bytes> credential;
    try {
        credential = credentialIn(*message);
    } catch (const nfc::NdefError&) {
    }
    if (!credential)
        throw CardRefusedError("the tag holds other NDEF content (not a Foreign Merchant credential): use --overwrite "
                               "to replace it");
}

// The tag must give back exactly what was written, bound to its own UID and signed by this
// station's CA: the same checks a terminal makes, without revocation (the credential is not
// active yet).
void verifyWritten(Station& station, nfc::Type2Tag& tag, ByteView written, ByteView credential, ByteView uid) {
    const std::optional<Bytes> readBack = tag.readNdefMessage();
    if (!readBack || !std::equal(readBack->begin(), readBack->end(), written.begin(), written.end()))
        throw CardRefusedError("the tag did not give back the NDEF message written to it");
    const std::optional<Bytes> found = credentialIn(*readBack);
    if (!found || !std::equal(found->begin(), found->end(), credential.begin(), credential.end()))
        throw CardRefusedError("the credential read back differs from the one signed");
    pki::TrustStore trust;
    trust.addRoot(station.rootCertificate());
    trust.addIssuingCa(station.issuingCertificate());
    const pki::CardVerifier verifier(trust, std::chrono::hours(24));
    const pki::Verdict verdict = verifier.verifyTag(*found, uid, Clock::now(), pki::RevocationState{});
    for (const pki::Check check : {pki::Check::certificate, pki::Check::path, pki::Check::cardAuthentication})
        if (verdict.codeOf(check) != pki::ReasonCode::ok)
            throw CardRefusedError("the credential read back does not verify: " + verdict.summary());
}

// The NDEF message's size before anything is signed or recorded, so that a tag too small or
// locked is refused with nothing changed: the credential as it will be, with the longest
// serial the registry hands out (20 bytes) and a placeholder for the fixed-size signature.
std::size_t largestMessageSize(Station& station, const db::Merchant& merchant, ByteView uid,
                               Clock::time_point notBefore, Clock::time_point notAfter) {
    const pki::Certificate issuing = station.issuingCertificate();
    pki::TagCredential draft;
    draft.serialNumber = Bytes(20, 0x7F);
    draft.tagUid = Bytes(uid.begin(), uid.end());
    draft.issuerKeyId = issuing.subjectKeyIdentifier();
    draft.issuerName = pki::tagIssuerName(issuing);
    draft.entitlements = merchant.details.entitlements;
    draft.preferredLanguage = languageOf(merchant);
    draft.notBefore = std::chrono::floor<std::chrono::seconds>(notBefore);
    draft.notAfter = std::chrono::floor<std::chrono::seconds>(notAfter);
    draft.issuedAt = std::chrono::floor<std::chrono::seconds>(Clock::now());
    draft.signature = Bytes(pki::tagCredentialSignatureSize, 0x01);
    return ndefMessageFor(draft.encode()).size();
}

} // namespace

std::string tagCredentialPem(ByteView credential) {
    std::string base64(4 * ((credential.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), credential.data(),
                                       static_cast<int>(credential.size()));
    base64.resize(static_cast<std::size_t>(std::max(length, 0)));
    std::string pem = "-----BEGIN FMC TAG CREDENTIAL-----\n";
    for (std::size_t at = 0; at < base64.size(); at += 64) pem += base64.substr(at, 64) + "\n";
    return pem + "-----END FMC TAG CREDENTIAL-----\n";
}

TagIssueResult issueTag(Station& station, const TagIssueRequest& request, const db::Operator& by,
                        const StepListener& listener, std::vector<RecoveryReport>& recovered) {
    const StationLock lock(Station::lockPath(station.home()));
    recovered = detail::recoverLocked(station, by);
    db::Registry& registry = station.registry();
    const detail::IssuanceTerms terms = detail::issuanceTerms(station, request.merchantId, request.days);
    const db::Merchant* merchant = &terms.merchant;
    const Clock::time_point notBefore = terms.notBefore;
    const Clock::time_point notAfter = terms.notAfter;

    // Everything that can refuse is checked before the registry or the tag changes.
    StationCard card(request.reader);
    const card::AtrDescription atr = card::describeAtr(card.atr());
    if (atr.family != card::CardFamily::ntag21x)
        throw CardRefusedError("the card in '" + card.readerName() + "' is not an NTAG21x tag (" + atr.summary +
                               "): a PIV card is issued with 'card issue'");
    nfc::Type2Tag tag(card.channel());
    const Bytes uid = tag.uid();
    const std::string uidHex = toHex(uid);
    admitTag(registry, tag, uidHex, request.overwrite);
    if (const std::optional<std::string> why = tag.whyNotWritable(largestMessageSize(station, *merchant, uid, notBefore, notAfter)))
        throw CardRefusedError("the credential cannot be written to this tag: " + *why);
    const pki::CertificateAuthority& ca = station.issuingCa();

    TagIssueResult result;
    result.merchantId = merchant->id;
    result.readerName = card.readerName();
    result.tagUid = uidHex;
    result.tagCapacity = tag.capabilityContainer().dataAreaSize();
    result.notAfter = std::chrono::floor<std::chrono::seconds>(notAfter);
    const Uuid credentialUuid = randomUuid();
    result.credentialUuid = uuidToString(credentialUuid);
    result.serial = registry.allocateSerial(by);
    const db::Issuance issuance = registry.beginIssuance(merchant->id, result.serial, result.credentialUuid, by);

    detail::StepRecorder steps(registry, issuance.id, by, listener, kTagIssuanceSteps);
    try {
        steps.run(0, [] {}, "tag " + uidHex);
        Bytes credential;
        Bytes message;
        steps.run(1, [&] {
            credential = ca.issueTagCredential(pki::TagCredentialRequest{fromHex(result.serial), credentialUuid, uid,
                                                                          merchant->details.entitlements,
                                                                          languageOf(*merchant), notBefore, notAfter, {}});
            message = ndefMessageFor(credential);
            result.credentialBytes = credential.size();
            result.ndefBytes = message.size();
            const pki::TagCredential parsed = pki::TagCredential::parse(credential);
            registry.addCard(db::NewCard{result.serial, result.credentialUuid, merchant->id, station.issuerId(),
                                         ca.certificate().subject(),
                                         std::chrono::floor<std::chrono::seconds>(parsed.notBefore),
                                         std::chrono::floor<std::chrono::seconds>(parsed.notAfter), credential,
                                         tagCredentialPem(credential), db::FormFactor::ntag, uidHex},
                             by);
        });
        steps.run(2, [&] { tag.writeNdefMessage(message); });
        steps.run(3, [&] { verifyWritten(station, tag, message, credential, uid); });
        steps.run(4, [&] {
            registry.atomically([&] {
                registry.setCardStatus(result.serial, db::CardStatus::active, by);
                registry.recordIssuanceStep(issuance.id, kTagIssuanceSteps[4], db::StepState::done, {}, by);
                registry.finishIssuance(issuance.id, db::IssuanceOutcome::completed, by);
            });
        });
    } catch (const std::exception& error) {
        detail::rollBackIfUnfinished(registry, issuance.id,
                                     std::string("failed after '") + std::string(steps.lastDone()) + "': " + error.what(), by);
        throw;
    }
    return result;
}

} // namespace fmc::issuance
