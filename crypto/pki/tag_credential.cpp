#include "crypto/pki/tag_credential.hpp"

#include "crypto/pki/card_attributes.hpp"
#include "crypto/pki/cbor_codec.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/ec.h>
#include <openssl/x509.h>

#include <set>

namespace fmc::crypto::pki {

namespace {

using Clock = std::chrono::system_clock;

// CWT claim keys (RFC 8392 §4) and COSE header labels (RFC 9052 §3.1).
constexpr std::int64_t claimIss = 1;
constexpr std::int64_t claimExp = 4;
constexpr std::int64_t claimNbf = 5;
constexpr std::int64_t claimIat = 6;
constexpr std::int64_t claimCti = 7;
constexpr std::int64_t headerAlg = 1;
constexpr std::int64_t headerKid = 4;

constexpr std::size_t uuidSize = 16;
constexpr std::size_t maxSerialSize = 20;  // RFC 5280 §4.1.2.2, the same space as certificates
constexpr std::size_t maxKeyIdSize = 64;
constexpr std::size_t maxIssuerNameSize = 64;
// Seconds since 1970 below 2^32 (year 2106): far inside what system_clock holds (to 2262),
// so no decoded time can overflow it.
constexpr std::int64_t maxSeconds = 0xFFFFFFFF;

std::int64_t secondsOf(Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}
Clock::time_point timeOf(std::int64_t seconds) { return Clock::time_point(std::chrono::seconds(seconds)); }

bool isWholeSecondInRange(Clock::time_point time) {
    const std::int64_t seconds = secondsOf(time);
    return seconds >= 0 && seconds <= maxSeconds && timeOf(seconds) == time;
}

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates) without control characters: a
// CBOR text string must be UTF-8 (RFC 8949 §3.1), and iss is shown to operators.
bool isPrintableUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80) {
            if (lead < 0x20 || lead == 0x7F) return false;
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t point = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2, point = lead & 0x1Fu;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3, point = lead & 0x0Fu;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4, point = lead & 0x07u;
        } else {
            return false;
        }
        if (text.size() - i < length) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            point = (point << 6) | (next & 0x3Fu);
        }
        const std::uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
        if (point < smallest || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return false;
        i += length;
    }
    return true;
}

Bytes protectedHeader(const TagCredential& credential) {
    std::vector<std::pair<cbor::Item, cbor::Item>> header;
    header.emplace_back(cbor::integer(headerAlg), cbor::integer(coseAlgorithmEs256));
    header.emplace_back(cbor::integer(headerKid), cbor::byteString(credential.issuerKeyId));
    return cbor::serialize(cbor::map(std::move(header)).get());
}

Bytes claims(const TagCredential& credential) {
    std::vector<cbor::Item> entitlements;
    for (const std::string& code : credential.entitlements) entitlements.push_back(cbor::textString(code));
    std::vector<std::pair<cbor::Item, cbor::Item>> claims;
    claims.emplace_back(cbor::integer(claimIss), cbor::textString(credential.issuerName));
    claims.emplace_back(cbor::integer(claimExp), cbor::integer(secondsOf(credential.notAfter)));
    claims.emplace_back(cbor::integer(claimNbf), cbor::integer(secondsOf(credential.notBefore)));
    claims.emplace_back(cbor::integer(claimIat), cbor::integer(secondsOf(credential.issuedAt)));
    claims.emplace_back(cbor::integer(claimCti), cbor::byteString(credential.serialNumber));
    claims.emplace_back(cbor::integer(claimTagUid), cbor::byteString(credential.tagUid));
    claims.emplace_back(cbor::integer(claimCredentialUuid), cbor::byteString(credential.credentialUuid));
    claims.emplace_back(cbor::integer(claimEntitlements), cbor::array(std::move(entitlements)));
    claims.emplace_back(cbor::integer(claimPreferredLanguage), cbor::textString(credential.preferredLanguage));
    return cbor::serialize(cbor::map(std::move(claims)).get());
}

[[noreturn]] void malformed(const std::string& why) { throw MalformedCertificateError("tag credential: " + why); }

// The pairs of a decoded map keyed by integer, each key once; throws for anything else.
std::vector<std::pair<std::int64_t, const cbor_item_t*>> integerKeyedMap(const cbor_item_t* item, const char* what) {
    if (!cbor_isa_map(item) || !cbor_map_is_definite(item)) malformed(std::string(what) + " is not a definite map");
    const std::size_t size = cbor_map_size(item);
    const cbor_pair* pairs = cbor_map_handle(item);
    std::vector<std::pair<std::int64_t, const cbor_item_t*>> out;
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < size; ++i) {
        const auto key = cbor::integerValue(pairs[i].key);
        if (!key) malformed(std::string(what) + " has a key that is not an integer");
        if (!seen.insert(*key).second) malformed(std::string(what) + " repeats key " + std::to_string(*key));
        out.emplace_back(*key, pairs[i].value);
    }
    return out;
}

Bytes requireBytes(const cbor_item_t* item, const char* what) {
    auto value = cbor::byteStringValue(item);
    if (!value) malformed(std::string(what) + " is not a byte string");
    return std::move(*value);
}

std::string requireText(const cbor_item_t* item, const char* what) {
    auto value = cbor::textStringValue(item);
    if (!value) malformed(std::string(what) + " is not a text string");
    return std::move(*value);
}

Clock::time_point requireTime(const cbor_item_t* item, const char* what) {
    const auto value = cbor::integerValue(item);
    if (!value || *value < 0 || *value > maxSeconds)
        malformed(std::string(what) + " is not an integer number of seconds in 0..2^32-1");
    return timeOf(*value);
}

void readHeader(ByteView encoded, TagCredential& out) {
    const cbor::Item header = cbor::load(encoded, "tag credential protected header");
    bool hasAlg = false;
    for (const auto& [label, value] : integerKeyedMap(header.get(), "the protected header")) {
        if (label == headerAlg) {
            if (cbor::integerValue(value) != coseAlgorithmEs256) malformed("algorithm is not ES256 (-7)");
            hasAlg = true;
        } else if (label == headerKid) {
            out.issuerKeyId = requireBytes(value, "kid");
        } else {
            malformed("unknown protected header parameter " + std::to_string(label));
        }
    }
    if (!hasAlg || out.issuerKeyId.empty()) malformed("the protected header needs alg and kid");
}

void readClaims(ByteView encoded, TagCredential& out) {
    const cbor::Item payload = cbor::load(encoded, "tag credential claims");
    std::set<std::int64_t> present;
    for (const auto& [key, value] : integerKeyedMap(payload.get(), "the claims")) {
        present.insert(key);
        switch (key) {
        case claimIss: out.issuerName = requireText(value, "iss"); break;
        case claimExp: out.notAfter = requireTime(value, "exp"); break;
        case claimNbf: out.notBefore = requireTime(value, "nbf"); break;
        case claimIat: out.issuedAt = requireTime(value, "iat"); break;
        case claimCti: out.serialNumber = requireBytes(value, "cti"); break;
        case claimTagUid: out.tagUid = requireBytes(value, "the tag UID"); break;
        case claimCredentialUuid: {
            const Bytes uuid = requireBytes(value, "the credential UUID");
            if (uuid.size() != uuidSize) malformed("the credential UUID is not 16 bytes");
            std::copy(uuid.begin(), uuid.end(), out.credentialUuid.begin());
            break;
        }
        case claimEntitlements: {
            if (!cbor_isa_array(value) || !cbor_array_is_definite(value)) malformed("entitlements is not an array");
            for (std::size_t i = 0; i < cbor_array_size(value); ++i)
                out.entitlements.push_back(requireText(cbor_array_handle(value)[i], "an entitlement"));
            break;
        }
        case claimPreferredLanguage: out.preferredLanguage = requireText(value, "preferred language"); break;
        default: malformed("unknown claim " + std::to_string(key));
        }
    }
    constexpr std::size_t allClaims = 9;
    if (present.size() != allClaims) malformed("a claim is missing (all nine are required)");
}

} // namespace

void TagCredential::validate() const {
    if (serialNumber.empty() || serialNumber.size() > maxSerialSize || serialNumber.front() == 0)
        throw CertificateProfileError("serial number must be 1-20 octets without a leading zero");
    if (tagUid.size() != 4 && tagUid.size() != 7 && tagUid.size() != 10)
        throw CertificateProfileError("tag UID must be 4, 7 or 10 bytes");
    if (issuerKeyId.empty() || issuerKeyId.size() > maxKeyIdSize)
        throw CertificateProfileError("issuer key id must be 1-64 bytes");
    if (issuerName.empty() || issuerName.size() > maxIssuerNameSize || !isPrintableUtf8(issuerName))
        throw CertificateProfileError("issuer name must be 1-64 bytes of printable UTF-8");
    // The card certificate's rules for the same two fields; its third field, the 32-byte
    // personal-data digest, has no place on a tag, so a placeholder stands in for it.
    CardAttributes{entitlements, preferredLanguage, Bytes(32, 0)}.validate();
    if (!isWholeSecondInRange(notBefore) || !isWholeSecondInRange(notAfter) || !isWholeSecondInRange(issuedAt))
        throw CertificateProfileError("times must be whole seconds from 1970 to 2106");
    if (notBefore >= notAfter) throw CertificateProfileError("validity is empty: notBefore is not before notAfter");
}

Bytes TagCredential::toBeSigned() const {
    validate();
    std::vector<cbor::Item> structure;
    structure.push_back(cbor::textString("Signature1"));
    structure.push_back(cbor::byteString(protectedHeader(*this)));
    structure.push_back(cbor::byteString(Bytes{}));  // external_aad: none
    structure.push_back(cbor::byteString(claims(*this)));
    return cbor::serialize(cbor::array(std::move(structure)).get());
}

Bytes TagCredential::encode() const {
    validate();
    if (signature.size() != tagCredentialSignatureSize)
        throw CertificateProfileError("an ES256 signature is 64 bytes (r || s)");
    std::vector<cbor::Item> sign1;
    sign1.push_back(cbor::byteString(protectedHeader(*this)));
    sign1.push_back(cbor::map({}));
    sign1.push_back(cbor::byteString(claims(*this)));
    sign1.push_back(cbor::byteString(signature));
    Bytes out = cbor::serialize(cbor::array(std::move(sign1)).get());
    if (out.size() > maxTagCredentialSize)
        throw CertificateProfileError("the tag credential is " + std::to_string(out.size()) + " bytes, more than " +
                                      std::to_string(maxTagCredentialSize));
    return out;
}

TagCredential TagCredential::parse(ByteView coseSign1) {
    if (coseSign1.size() > maxTagCredentialSize)
        malformed(std::to_string(coseSign1.size()) + " bytes, more than " + std::to_string(maxTagCredentialSize));
    // Checked before decoding: libcbor 0.8 does not decode a tagged array at the top level.
    constexpr int majorTag = 6;
    if (!coseSign1.empty() && coseSign1[0] >> 5 == majorTag)
        malformed("tagged (CBOR tag " +
                  ((coseSign1[0] & 0x1F) < 24 ? std::to_string(coseSign1[0] & 0x1F) : std::string("> 23")) +
                  "); only the untagged COSE_Sign1 is accepted");
    const cbor::Item root = cbor::load(coseSign1, "tag credential");
    if (!cbor_isa_array(root.get()) || !cbor_array_is_definite(root.get()) || cbor_array_size(root.get()) != 4)
        malformed("not a COSE_Sign1 (an array of 4)");
    cbor_item_t** parts = cbor_array_handle(root.get());
    TagCredential out;
    readHeader(requireBytes(parts[0], "the protected header"), out);
    if (!cbor_isa_map(parts[1]) || cbor_map_size(parts[1]) != 0) malformed("the unprotected header is not empty");
    readClaims(requireBytes(parts[2], "the payload"), out);
    out.signature = requireBytes(parts[3], "the signature");
    if (out.signature.size() != tagCredentialSignatureSize) malformed("the signature is not 64 bytes (r || s)");
    Bytes canonical;
    try {
        canonical = out.encode();
    } catch (const CertificateProfileError& error) {
        malformed(error.what());
    }
    if (!std::equal(canonical.begin(), canonical.end(), coseSign1.begin(), coseSign1.end()))
        malformed("not in the deterministic encoding (RFC 8949 §4.2.1)");
    return out;
}

std::string tagIssuerName(const Certificate& ca) { return ca.subjectCommonName(); }

Bytes coseSignatureFromDer(ByteView derSignature, std::size_t coordinateSize) {
    const unsigned char* cursor = derSignature.data();
    OpenSslHandle<ECDSA_SIG, ECDSA_SIG_free> signature(
        d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(derSignature.size())));
    if (!signature || cursor != derSignature.data() + derSignature.size()) throwOpenSslError("decoding an ECDSA signature");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(signature.get(), &r, &s);
    Bytes out(2 * coordinateSize);
    if (BN_bn2binpad(r, out.data(), static_cast<int>(coordinateSize)) < 0 ||
        BN_bn2binpad(s, out.data() + coordinateSize, static_cast<int>(coordinateSize)) < 0)
        throw CryptoError("ECDSA signature does not fit " + std::to_string(coordinateSize) + "-byte coordinates");
    return out;
}

namespace {

// The order n of the P-256 group (SEC 2 §2.4.2).
const char* const kP256OrderHex = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

struct SplitSignature {
    BignumHandle s;
    BignumHandle order;
    BignumHandle halfOrder;
};

SplitSignature splitP256(ByteView rawSignature) {
    if (rawSignature.size() != tagCredentialSignatureSize) throw CryptoError("a P-256 r || s signature is 64 bytes");
    SplitSignature split{BignumHandle(BN_bin2bn(rawSignature.data() + 32, 32, nullptr)), BignumHandle(nullptr),
                         BignumHandle(BN_new())};
    BIGNUM* order = nullptr;
    if (!split.s || BN_hex2bn(&order, kP256OrderHex) == 0 || !split.halfOrder) throwOpenSslError("P-256 order");
    split.order.reset(order);
    if (BN_rshift1(split.halfOrder.get(), split.order.get()) != 1) throwOpenSslError("P-256 order / 2");
    return split;
}

} // namespace

Bytes lowSP256Signature(ByteView rawSignature) {
    SplitSignature split = splitP256(rawSignature);
    Bytes out(rawSignature.begin(), rawSignature.end());
    if (BN_cmp(split.s.get(), split.halfOrder.get()) <= 0) return out;
    if (BN_sub(split.s.get(), split.order.get(), split.s.get()) != 1 ||
        BN_bn2binpad(split.s.get(), out.data() + 32, 32) != 32)
        throwOpenSslError("n - s");
    return out;
}

bool isLowSP256Signature(ByteView rawSignature) {
    const SplitSignature split = splitP256(rawSignature);
    return BN_cmp(split.s.get(), split.halfOrder.get()) <= 0;
}

Bytes derSignatureFromCose(ByteView rawSignature) {
    if (rawSignature.empty() || rawSignature.size() % 2 != 0) throw CryptoError("r || s signature of odd length");
    const int half = static_cast<int>(rawSignature.size() / 2);
    OpenSslHandle<ECDSA_SIG, ECDSA_SIG_free> signature(ECDSA_SIG_new());
    BignumHandle r(BN_bin2bn(rawSignature.data(), half, nullptr));
    BignumHandle s(BN_bin2bn(rawSignature.data() + half, half, nullptr));
    if (!signature || !r || !s || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1)
        throwOpenSslError("building an ECDSA signature");
    static_cast<void>(r.release());
    static_cast<void>(s.release());
    unsigned char* der = nullptr;
    const int length = i2d_ECDSA_SIG(signature.get(), &der);
    if (length <= 0 || der == nullptr) throwOpenSslError("encoding an ECDSA signature");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

} // namespace fmc::crypto::pki
