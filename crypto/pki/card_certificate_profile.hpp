#pragma once
// The profile of the card's 9E (Card Authentication) certificate, read by anyone with an NFC
// reader, so it names no one:
//   subject          CN=<card number>, nothing else (RFC 5280 §4.1.2.6)
//   subjectAltName   URI urn:uuid:<card UUID>, the CHUID GUID (§4.2.1.6; SP 800-73 CHUID)
//   keyUsage         critical, digitalSignature (§4.2.1.3): challenge signatures only
//   basicConstraints critical, CA:FALSE (§4.2.1.9)
//   SKI / AKI        §4.2.1.2 / §4.2.1.1, so a terminal finds the issuing CA by key id
//   fmcCardAttributes critical, see card_attributes.hpp
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/pki/card_attributes.hpp"
#include "crypto/pki/card_uuid.hpp"
#include "crypto/pki/certificate.hpp"

#include <openssl/types.h>

#include <chrono>
#include <string>

namespace fmc::crypto::pki {

struct CardCertificateRequest {
    std::string cardNumber;  // 1-64 printable ASCII characters
    CardUuid cardUuid{};
    EcPublicKey cardKey;     // the public half of the card's 9E key (generated on the card)
    CardAttributes attributes;
    std::chrono::system_clock::time_point notBefore;
    std::chrono::system_clock::time_point notAfter;
    Bytes serialNumber;      // empty: the CA draws newSerialNumber()
};

// What a terminal reads back out of a card certificate.
struct CardIdentity {
    std::string cardNumber;
    CardUuid cardUuid{};
    Bytes serialNumber;
    CardAttributes attributes;
    std::chrono::system_clock::time_point notAfter;  // when the card stops being valid
};

class CardCertificateProfile {
public:
    // Throws CertificateProfileError for a card number or attributes outside the profile.
    static void validate(const CardCertificateRequest& request);
    // Sets the subject and adds every extension of the profile to a certificate whose
    // issuer, serial, validity and public key are already set.
    static void apply(X509* certificate, X509* issuer, const CardCertificateRequest& request);
    // Parses the profile back; throws MalformedCertificateError when any part is missing,
    // duplicated or wrong (the verifier maps that to `malformed`).
    static CardIdentity read(const Certificate& certificate);
};

} // namespace fmc::crypto::pki
