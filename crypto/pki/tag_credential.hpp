#pragma once
// The credential an NFC tag (NTAG216) carries in an NDEF record of type "application/cwt":
// a CWT (RFC 8392) in an untagged COSE_Sign1 (RFC 9052 §4.2), signed ES256 by an issuing CA
// and bound to the tag's UID. A tag has no private key, so anyone who reads it can write the
// same bytes to a tag of their own; only a tag with the same UID passes, and a UID can be
// emulated. A terminal therefore takes it as low assurance (crypto/pki/README.md).
//
//   COSE_Sign1 = [
//     protected:   bstr .cbor { 1 (alg): -7 (ES256), 4 (kid): bstr -- the issuing CA's SKI },
//     unprotected: {},
//     payload:     bstr .cbor Claims,
//     signature:   bstr .size 64 -- r || s, 32 bytes each (RFC 9053 §2.1)
//   ]
//   signed: Sig_structure = ["Signature1", protected, h'', payload] (RFC 9052 §4.4),
//           ECDSA P-256 with SHA-256 by the issuing CA's key
//
//   Claims (a map; every claim present, no other):
//   | key    | claim              | CBOR         | value                                           |
//   |--------|--------------------|--------------|-------------------------------------------------|
//   | 1      | iss                | tstr 1-64    | the issuing CA's subject CN                     |
//   | 4      | exp                | uint         | notAfter, seconds since 1970 (< 2^32)           |
//   | 5      | nbf                | uint         | notBefore, idem; valid iff nbf <= t < exp       |
//   | 6      | iat                | uint         | issuedAt, idem                                  |
//   | 7      | cti                | bstr 1-20    | the serial number (big-endian, no leading 00):  |
//   |        |                    |              | the CA's X.509 serial space, so its CRL lists it|
//   | -65537 | tag UID            | bstr 4/7/10  | the UID of the tag it was written to            |
//   | -65538 | credential UUID    | bstr 16      | the registry's id of this credential            |
//   | -65539 | entitlements       | [* tstr]     | service codes, CardAttributes rules             |
//   | -65540 | preferred language | tstr         | BCP 47, CardAttributes rules                    |
//   Keys below -65536 are private use (RFC 8392 §9.1).
//
// One encoding per credential: RFC 8949 §4.2.1 core deterministic (shortest forms, definite
// lengths, map keys sorted by their encoded bytes). parse() re-encodes what it decoded and
// requires the same bytes, so duplicate keys, unknown claims, indefinite lengths, trailing
// bytes and non-shortest forms are all refused. The COSE_Sign1 tag (18) is refused too: the
// NDEF media type already says what the bytes are, and accepting both forms would give one
// credential two encodings. At most 800 bytes: an NTAG216's NDEF area is 872 bytes, and the
// NDEF TLV and record headers around the credential take 26 of them.
#include "crypto/bytes.hpp"
#include "crypto/pki/card_uuid.hpp"
#include "crypto/pki/certificate.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::crypto::pki {

inline constexpr std::string_view tagCredentialMediaType = "application/cwt";
inline constexpr std::size_t maxTagCredentialSize = 800;

// The private claim keys (RFC 8392 §9.1 private use), and the COSE values used.
inline constexpr std::int64_t claimTagUid = -65537;
inline constexpr std::int64_t claimCredentialUuid = -65538;
inline constexpr std::int64_t claimEntitlements = -65539;
inline constexpr std::int64_t claimPreferredLanguage = -65540;
inline constexpr std::int64_t coseAlgorithmEs256 = -7;
inline constexpr std::size_t tagCredentialSignatureSize = 64;

struct TagCredentialRequest {
    Bytes serialNumber;  // empty: the CA draws newSerialNumber()
    CardUuid credentialUuid{};
    Bytes tagUid;        // 4, 7 or 10 bytes (ISO/IEC 14443-3 single, double, triple size)
    std::vector<std::string> entitlements;
    std::string preferredLanguage;
    std::chrono::system_clock::time_point notBefore;  // whole seconds are kept (as in X.509)
    std::chrono::system_clock::time_point notAfter;
    std::chrono::system_clock::time_point issuedAt{};  // the epoch (default): the CA's clock
};

struct TagCredential {
    Bytes serialNumber;
    CardUuid credentialUuid{};
    Bytes tagUid;
    Bytes issuerKeyId;  // kid: the issuing CA's subject key identifier
    std::string issuerName;
    std::vector<std::string> entitlements;
    std::string preferredLanguage;
    std::chrono::system_clock::time_point notBefore;
    std::chrono::system_clock::time_point notAfter;
    std::chrono::system_clock::time_point issuedAt;
    Bytes signature;  // r || s, 64 bytes

    // Strict, as the header comment says; the signature is not checked here
    // (CardVerifier::verifyTag does). Throws MalformedCertificateError.
    static TagCredential parse(ByteView coseSign1);

    // Throws CertificateProfileError naming the first rule broken (signature aside).
    void validate() const;
    // The Sig_structure the signature covers.
    [[nodiscard]] Bytes toBeSigned() const;
    // Whether `ca`'s key verifies the signature (ES256; false for a CA key not on P-256).
    // Nothing else: validity, revocation and the UID binding are CardVerifier::verifyTag's.
    [[nodiscard]] bool isSignedBy(const Certificate& ca) const;
    // The COSE_Sign1 bytes. Throws CertificateProfileError for a value outside the rules, a
    // signature that is not 64 bytes, or a result over maxTagCredentialSize.
    [[nodiscard]] Bytes encode() const;

    bool operator==(const TagCredential&) const = default;
};

// The iss claim of a credential signed by `ca`: its subject CN (empty when it has none).
[[nodiscard]] std::string tagIssuerName(const Certificate& ca);

// ECDSA signature forms: a DER ECDSA-Sig-Value (what OpenSSL and the key stores make) to the
// fixed-size r || s of COSE (each coordinate left-padded to `coordinateSize`), and back.
// Throws CryptoError for a signature that does not parse or does not fit.
[[nodiscard]] Bytes coseSignatureFromDer(ByteView derSignature, std::size_t coordinateSize = 32);
[[nodiscard]] Bytes derSignatureFromCose(ByteView rawSignature);

// ECDSA is malleable: with (r, s) also (r, n - s) verifies. The CA writes only the low-S form
// of a P-256 signature (s <= n/2) and TagCredential::isSignedBy accepts only that, so a
// credential has exactly one valid encoding. Both take a 64-byte r || s.
[[nodiscard]] Bytes lowSP256Signature(ByteView rawSignature);
[[nodiscard]] bool isLowSP256Signature(ByteView rawSignature);

} // namespace fmc::crypto::pki
