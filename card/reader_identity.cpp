#include "card/reader_identity.hpp"

#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "crypto/pki/card_certificate_profile.hpp"
#include "crypto/pki/pki_errors.hpp"


namespace fmc::card {
namespace {

// Trusted: a trusted issuing CA has the certificate's AKI as its SKI and its key verifies the
// certificate's signature. The path, validity and revocation are the `check` command's job.
IssuerTrust certificateTrust(const crypto::pki::Certificate& certificate, const Bytes& issuerKeyId,
                             const TrustedIssuingCas& trusted) {
    if (!trusted) return IssuerTrust::unknown;
    for (const crypto::pki::Certificate& ca : *trusted) {
        if (issuerKeyId.empty() || ca.subjectKeyIdentifier() != issuerKeyId) continue;
        if (certificate.isSignedBy(ca)) return IssuerTrust::trusted;
    }
    return IssuerTrust::untrusted;
}

} // namespace

void identifyPivCard(piv::PivCard& piv, ReaderReport& report, const TrustedIssuingCas& trusted) {
    const std::optional<Bytes> der = piv.readCertificate(piv::kMerchantCardKeySlot);
    if (!der) {
        report.notOursReason = "no 9E (card authentication) certificate";
        return;
    }
    std::optional<crypto::pki::Certificate> certificate;
    crypto::pki::CardIdentity identity;
    try {
        certificate = crypto::pki::Certificate::fromDer(*der);
        identity = crypto::pki::CardCertificateProfile::read(*certificate);
    } catch (const crypto::pki::MalformedCertificateError& error) {
        report.notOursReason = std::string("the 9E certificate is not a Foreign Merchant Card's: ") + error.what();
        return;
    }
    FmcCredential credential;
    credential.kind = FmcCredential::Kind::card;
    credential.serialNumber = identity.serialNumber;
    credential.cardUuid = uuidToString(identity.cardUuid);
    credential.issuerName = certificate->issuerCommonName();
    if (credential.issuerName.empty()) credential.issuerName = certificate->issuer();
    credential.issuerKeyId = certificate->authorityKeyIdentifier();
    credential.notAfter = identity.notAfter;
    report.issuerTrust = certificateTrust(*certificate, credential.issuerKeyId, trusted);
    report.fmc = std::move(credential);
}

} // namespace fmc::card
