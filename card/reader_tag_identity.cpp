// The NFC tag half of "is it one of ours" (reader_identity.hpp): an NTAG21x whose NDEF
// message holds our signed credential (crypto/pki/tag_credential.hpp).
#include "card/nfc/ndef.hpp"
#include "card/nfc/type2_tag.hpp"
#include "card/reader_identity.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/tag_credential.hpp"

#include <algorithm>

namespace fmc::card {
namespace {

// Trusted: a trusted issuing CA has the credential's kid as its SKI and its key verifies the
// COSE signature. Validity, revocation and the UID binding are the `check` command's job
// (CardVerifier::verifyTag); the UID is reported separately.
IssuerTrust credentialTrust(const crypto::pki::TagCredential& credential, const TrustedIssuingCas& trusted) {
    if (!trusted) return IssuerTrust::unknown;
    for (const crypto::pki::Certificate& ca : *trusted)
        if (!credential.issuerKeyId.empty() && ca.subjectKeyIdentifier() == credential.issuerKeyId &&
            credential.isSignedBy(ca))
            return IssuerTrust::trusted;
    return IssuerTrust::untrusted;
}

} // namespace

void identifyTag(CardChannel& channel, ReaderReport& report, const TrustedIssuingCas& trusted) {
    nfc::Type2Tag tag(channel);
    const Bytes uid = report.contactlessUid ? *report.contactlessUid : tag.uid();
    const std::optional<Bytes> message = tag.readNdefMessage();
    report.ndefMessagePresent = message.has_value();
    if (!message) {
        report.notOursReason = "no NDEF message: a blank tag";
        return;
    }
    std::optional<Bytes> payload;
    try {
        payload = nfc::soleMediaRecordPayload(*message, crypto::pki::tagCredentialMediaType);
    } catch (const nfc::NdefError& error) {
        report.notOursReason = std::string("the NDEF message does not parse: ") + error.what();
        return;
    }
    if (!payload) {
        report.notOursReason = "no single application/cwt record: a foreign tag";
        return;
    }
    crypto::pki::TagCredential credential;
    try {
        credential = crypto::pki::TagCredential::parse(*payload);
    } catch (const crypto::pki::MalformedCertificateError& error) {
        report.notOursReason = std::string("the application/cwt record is not our credential: ") + error.what();
        return;
    }
    FmcCredential fmc;
    fmc.kind = FmcCredential::Kind::tag;
    fmc.serialNumber = credential.serialNumber;
    fmc.cardUuid = uuidToString(credential.credentialUuid);
    fmc.issuerName = credential.issuerName;
    fmc.issuerKeyId = credential.issuerKeyId;
    fmc.notAfter = credential.notAfter;
    fmc.boundUid = credential.tagUid;
    fmc.uidMatches = credential.tagUid == uid;
    report.issuerTrust = credentialTrust(credential, trusted);
    report.fmc = std::move(fmc);
}

} // namespace fmc::card
