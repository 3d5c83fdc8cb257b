#pragma once
// A certificate authority of the card PKI: the root (self-signed, P-384, kept offline) or an
// issuing CA (one per issuance station, signed by the root). It signs with a KeyStore and
// never holds the private key itself.
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/pki/card_certificate_profile.hpp"
#include "crypto/pki/certificate.hpp"
#include "crypto/pki/key_store.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "crypto/pki/tag_credential.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace fmc::crypto::pki {

struct CaProfile {
    std::string commonName;    // e.g. "FMC Root CA", "FMC Issuing CA Hanoi 1"
    std::string organization;  // the authority, e.g. "Public Security"
    std::chrono::system_clock::time_point notBefore;
    std::chrono::system_clock::time_point notAfter;
    Bytes serialNumber;        // empty: newSerialNumber()
};

class CertificateAuthority {
public:
    // Throws CertificateProfileError when the key store's key is not the certificate's key
    // or the certificate is not a CA.
    CertificateAuthority(Certificate certificate, std::shared_ptr<const KeyStore> keys);

    // A self-signed root: CA:TRUE pathlen 1, keyCertSign + cRLSign (RFC 5280 §4.2.1.9, §4.2.1.3).
    static CertificateAuthority createRoot(std::shared_ptr<const KeyStore> keys, const CaProfile& profile);

    // An issuing CA for `subjectKey`: CA:TRUE pathlen 0, keyCertSign + cRLSign, SKI + AKI.
    // Throws CertificateProfileError when the validity leaves this CA's (§6.1.3 would reject
    // the chain at some instant anyway; refusing here makes the mistake visible at once).
    [[nodiscard]] Certificate issueSubordinateCa(const EcPublicKey& subjectKey, const CaProfile& profile) const;

    // A card certificate per CardCertificateProfile; same validity rule.
    [[nodiscard]] Certificate issueCardCertificate(const CardCertificateRequest& request) const;

    // An NFC tag credential (tag_credential.hpp), the COSE_Sign1 bytes: iss = this CA's CN,
    // kid = its SKI, cti = the request's serial (or a new one) from the same space as card
    // certificates, so this CA's CRL revokes it like a card. ES256 only: this CA's key must
    // be P-256. Same validity rule as a card certificate. Throws CertificateProfileError.
    [[nodiscard]] Bytes issueTagCredential(const TagCredentialRequest& request) const;

    // A v2 CRL (RFC 5280 §5) with CRL number, AKI and per-entry reason codes. From the root
    // this is the ARL listing revoked issuing CAs. Throws CertificateProfileError when
    // nextUpdate is not after thisUpdate.
    [[nodiscard]] RevocationList issueRevocationList(const RevocationListRequest& request) const;

    // `content` as a DER CMS SignedData (RFC 5652): content attached, SHA-256, this CA's
    // certificate included, signed with the key store's key (a file or a token key alike).
    // What the CRL index is (crl_index.hpp).
    [[nodiscard]] Bytes signCms(ByteView content) const;

    [[nodiscard]] const Certificate& certificate() const { return certificate_; }

private:
    Certificate certificate_;
    std::shared_ptr<const KeyStore> keys_;
};

} // namespace fmc::crypto::pki
