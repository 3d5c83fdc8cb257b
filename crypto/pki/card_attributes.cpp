#include "crypto/pki/card_attributes.hpp"

#include "crypto/pki/card_attributes_asn1.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/objects.h>

#include <algorithm>

#include <string>

namespace fmc::crypto::pki {

namespace {

constexpr std::size_t sha256Size = 32;
constexpr std::size_t maxEntitlementLength = 64;
constexpr std::size_t maxEntitlements = 256;
constexpr std::size_t maxLanguageLength = 64;

bool isAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool isEntitlementCode(const std::string& code) {
    if (code.empty() || code.size() > maxEntitlementLength) return false;
    for (char c : code)
        if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

// RFC 5646 §2.1, the shape only: a 2-3 or 5-8 letter primary subtag (4 is reserved; "i-"/"x-"
// prefixes are grandfathered and refused here), then subtags of 1-8 letters or digits.
// Registry membership is the issuing station's business, not the certificate's.
bool isLanguageTag(const std::string& tag) {
    if (tag.empty() || tag.size() > maxLanguageLength) return false;
    std::size_t start = 0;
    bool first = true;
    while (start <= tag.size()) {
        std::size_t end = tag.find('-', start);
        if (end == std::string::npos) end = tag.size();
        const std::size_t length = end - start;
        if (length == 0 || length > 8) return false;
        for (std::size_t i = start; i < end; ++i) {
            if (first ? !isAsciiAlpha(tag[i]) : (!isAsciiAlpha(tag[i]) && !isAsciiDigit(tag[i]))) return false;
        }
        if (first && (length < 2 || length == 4)) return false;
        first = false;
        start = end + 1;
    }
    return true;
}

} // namespace

void CardAttributes::validate() const {
    if (entitlements.size() > maxEntitlements) throw CertificateProfileError("too many entitlement codes");
    for (const std::string& code : entitlements)
        if (!isEntitlementCode(code))
            throw CertificateProfileError("entitlement code must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (!isLanguageTag(preferredLanguage))
        throw CertificateProfileError("preferred language is not a BCP 47 tag: '" + preferredLanguage + "'");
    if (personalDataDigest.size() != sha256Size)
        throw CertificateProfileError("personal-data digest must be a 32-byte SHA-256 value");
}

Bytes CardAttributes::encode() const {
    validate();
    return asn1::encodeCardAttributes({entitlements, preferredLanguage, personalDataDigest});
}

CardAttributes CardAttributes::decode(ByteView der) {
    auto raw = asn1::decodeCardAttributes(der);
    if (!raw) throw MalformedCertificateError("card attributes extension does not parse");
    CardAttributes out{std::move(raw->entitlements), std::move(raw->preferredLanguage),
                       std::move(raw->personalDataDigest)};
    try {
        out.validate();
    } catch (const CertificateProfileError& error) {
        throw MalformedCertificateError(std::string("card attributes extension: ") + error.what());
    }
    // d2i accepts some BER (indefinite lengths, non-minimal length octets); the profile is DER.
    const Bytes canonical = asn1::encodeCardAttributes({out.entitlements, out.preferredLanguage, out.personalDataDigest});
    if (!std::equal(canonical.begin(), canonical.end(), der.begin(), der.end()))
        throw MalformedCertificateError("card attributes extension is not DER");
    return out;
}

int cardAttributesNid() {
    static const int nid = [] {
        const std::string oid(cardAttributesOid);
        const int existing = OBJ_txt2nid(oid.c_str());
        if (existing != NID_undef) return existing;
        const int created = OBJ_create(oid.c_str(), cardAttributesShortName, cardAttributesLongName);
        if (created == NID_undef) throwOpenSslError("registering the card attributes OID");
        return created;
    }();
    return nid;
}

} // namespace fmc::crypto::pki
