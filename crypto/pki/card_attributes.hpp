#pragma once
// The card certificate's private extension: what a terminal needs to serve the holder, and
// nothing that names them (the card can be read by anyone with an NFC reader).
//
//   -- arc 2.25.275236413673659619814416448863005970414 is the project's own, derived from
//   -- the UUID cf109ae7-0bd4-4957-848d-e8dcfa6e0fee (ITU-T X.667 §6.3: "2.25.<UUID as integer>")
//   id-fmc-cardAttributes OBJECT IDENTIFIER ::= { 2 25 275236413673659619814416448863005970414 1 }
//
//   FmcCardAttributes ::= SEQUENCE {
//       entitlements        SEQUENCE OF UTF8String,  -- service codes, catalog order kept
//       preferredLanguage   UTF8String,              -- BCP 47 tag, e.g. "vi", "zh-Hant-TW"
//       personalDataDigest  OCTET STRING (SIZE(32))  -- SHA-256 of the personal-data object
//   }
//
// The extension is critical (RFC 5280 §4.2): software that does not understand it must not
// accept the certificate as a Foreign Merchant Card.
#include "crypto/bytes.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fmc::crypto::pki {

inline constexpr std::string_view fmcArcOid = "2.25.275236413673659619814416448863005970414";
inline constexpr std::string_view cardAttributesOid = "2.25.275236413673659619814416448863005970414.1";
// The short and long names registered with OpenSSL's object table in this process.
inline constexpr const char* cardAttributesShortName = "fmcCardAttributes";
inline constexpr const char* cardAttributesLongName = "Foreign Merchant Card attributes";

struct CardAttributes {
    std::vector<std::string> entitlements;  // each 1..64 chars of [A-Za-z0-9._-]
    std::string preferredLanguage;          // BCP 47 (RFC 5646 §2.1 syntax, checked loosely)
    Bytes personalDataDigest;               // exactly 32 bytes

    // DER of FmcCardAttributes. Throws CertificateProfileError for a value outside the rules.
    [[nodiscard]] Bytes encode() const;
    // Strict: the input must be exactly the DER that encode() would produce for the decoded
    // value (no BER, no trailing bytes). Throws MalformedCertificateError otherwise.
    static CardAttributes decode(ByteView der);

    // Throws CertificateProfileError naming the first rule broken.
    void validate() const;

    bool operator==(const CardAttributes&) const = default;
};

// The OpenSSL NID of id-fmc-cardAttributes, registered on first use (thread-safe).
[[nodiscard]] int cardAttributesNid();

} // namespace fmc::crypto::pki
