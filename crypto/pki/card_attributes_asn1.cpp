#include "crypto/pki/card_attributes_asn1.hpp"

#include "crypto/crypto_error.hpp"

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>

#include <climits>
#include <memory>

// OpenSSL's ASN.1 template macros expand to C (old-style casts, offsetof tables). They are
// kept to this one file; GCC does not warn about them because the macros come from a system
// header, so no diagnostic pragma is needed (checked with the full fmc_options set).
extern "C" {
typedef struct FmcCardAttributesSt {
    STACK_OF(ASN1_UTF8STRING) * entitlements;
    ASN1_UTF8STRING* preferredLanguage;
    ASN1_OCTET_STRING* personalDataDigest;
} FMC_CARD_ATTRIBUTES;

DECLARE_ASN1_FUNCTIONS(FMC_CARD_ATTRIBUTES)

ASN1_SEQUENCE(FMC_CARD_ATTRIBUTES) = {
    ASN1_SEQUENCE_OF(FMC_CARD_ATTRIBUTES, entitlements, ASN1_UTF8STRING),
    ASN1_SIMPLE(FMC_CARD_ATTRIBUTES, preferredLanguage, ASN1_UTF8STRING),
    ASN1_SIMPLE(FMC_CARD_ATTRIBUTES, personalDataDigest, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(FMC_CARD_ATTRIBUTES)

IMPLEMENT_ASN1_FUNCTIONS(FMC_CARD_ATTRIBUTES)
}

namespace fmc::crypto::pki::asn1 {

namespace {

struct AttributesDeleter {
    void operator()(FMC_CARD_ATTRIBUTES* value) const noexcept { FMC_CARD_ATTRIBUTES_free(value); }
};
using AttributesHandle = std::unique_ptr<FMC_CARD_ATTRIBUTES, AttributesDeleter>;

void setString(ASN1_STRING* target, const std::string& text, const char* what) {
    if (text.size() > static_cast<std::size_t>(INT_MAX) ||
        ASN1_STRING_set(target, text.data(), static_cast<int>(text.size())) != 1)
        throwOpenSslError(std::string("encoding ") + what);
}

std::string textOf(const ASN1_STRING* value) {
    const unsigned char* data = ASN1_STRING_get0_data(value);
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(ASN1_STRING_length(value)));
}

} // namespace

Bytes encodeCardAttributes(const RawCardAttributes& value) {
    AttributesHandle attributes(FMC_CARD_ATTRIBUTES_new());
    if (!attributes) throwOpenSslError("FmcCardAttributes");
    for (const std::string& code : value.entitlements) {
        ASN1_UTF8STRING* entry = ASN1_UTF8STRING_new();
        if (entry == nullptr) throwOpenSslError("FmcCardAttributes");
        if (sk_ASN1_UTF8STRING_push(attributes->entitlements, entry) <= 0) {
            ASN1_UTF8STRING_free(entry);
            throwOpenSslError("FmcCardAttributes");
        }
        setString(entry, code, "an entitlement code");
    }
    setString(attributes->preferredLanguage, value.preferredLanguage, "the preferred language");
    setString(attributes->personalDataDigest, std::string(value.personalDataDigest.begin(), value.personalDataDigest.end()),
              "the personal-data digest");
    unsigned char* der = nullptr;
    const int length = i2d_FMC_CARD_ATTRIBUTES(attributes.get(), &der);
    if (length <= 0 || der == nullptr) throwOpenSslError("encoding FmcCardAttributes");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

std::optional<RawCardAttributes> decodeCardAttributes(ByteView der) {
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) return std::nullopt;
    const unsigned char* cursor = der.data();
    AttributesHandle attributes(d2i_FMC_CARD_ATTRIBUTES(nullptr, &cursor, static_cast<long>(der.size())));
    if (!attributes) {
        ERR_clear_error();
        return std::nullopt;
    }
    if (cursor != der.data() + der.size()) return std::nullopt;
    RawCardAttributes out;
    const int count = sk_ASN1_UTF8STRING_num(attributes->entitlements);
    for (int i = 0; i < count; ++i) out.entitlements.push_back(textOf(sk_ASN1_UTF8STRING_value(attributes->entitlements, i)));
    out.preferredLanguage = textOf(attributes->preferredLanguage);
    const std::string digest = textOf(attributes->personalDataDigest);
    out.personalDataDigest.assign(digest.begin(), digest.end());
    return out;
}

} // namespace fmc::crypto::pki::asn1
