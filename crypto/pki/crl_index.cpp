#include "crypto/pki/crl_index.hpp"

#include "crypto/pki/asn1_conversions.hpp"
#include "crypto/pki/openssl_handles.hpp"

#include <nlohmann/json.hpp>
#include <openssl/cms.h>
#include <openssl/err.h>

#include <algorithm>
#include <climits>
#include <ctime>
#include <initializer_list>
#include <string_view>

namespace fmc::crypto::pki {

namespace {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// ---- Field rules, shared by signing (refuse to publish nonsense) and verifying ----

bool isSafeFileName(std::string_view name) {
    if (name.empty() || name.size() > 128 || name == "." || name == "..") return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

void requireValidEntry(const CrlIndexEntry& entry, const char* role, bool isDelta) {
    const std::string where = std::string("CRL index ") + role;
    if (!isSafeFileName(entry.file)) throw MalformedCrlIndexError(where + ": unsafe or empty file name");
    if (entry.size == 0) throw MalformedCrlIndexError(where + ": size is zero");
    if (entry.sha256.size() != 32) throw MalformedCrlIndexError(where + ": SHA-256 is not 32 bytes");
    if (entry.baseCrlNumber.has_value() != isDelta)
        throw MalformedCrlIndexError(where + (isDelta ? ": delta without base CRL number" : ": base CRL number on a complete list"));
    if (isDelta && *entry.baseCrlNumber >= entry.crlNumber)
        throw MalformedCrlIndexError(where + ": base CRL number is not below the CRL number");
}

void requireValid(const CrlIndex& index) {
    if (index.issuerKeyId.empty() || index.issuerKeyId.size() > 64)
        throw MalformedCrlIndexError("CRL index: issuer key id missing or too long");
    requireValidEntry(index.full, "full", false);
    if (index.delta) {
        requireValidEntry(*index.delta, "delta", true);
        // A delta is issued together with the complete CRL of the same number (§5.2.3).
        if (index.delta->crlNumber != index.full.crlNumber)
            throw MalformedCrlIndexError("CRL index: delta and full CRL numbers differ");
    }
    if (index.arl) requireValidEntry(*index.arl, "arl", false);
}

// ---- Text forms: lower-case hex and RFC 3339 UTC times with whole seconds ----

std::string lowerHex(ByteView bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t byte : bytes) {
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0x0F]);
    }
    return out;
}

Bytes parseLowerHex(const std::string& text, std::size_t minBytes, std::size_t maxBytes, const char* what) {
    const auto value = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    if (text.size() % 2 != 0 || text.size() < 2 * minBytes || text.size() > 2 * maxBytes)
        throw MalformedCrlIndexError(std::string("CRL index: ") + what + " has the wrong length");
    Bytes out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = value(text[i]), low = value(text[i + 1]);
        if (high < 0 || low < 0) throw MalformedCrlIndexError(std::string("CRL index: ") + what + " is not lower-case hex");
        out.push_back(static_cast<std::uint8_t>(high << 4 | low));
    }
    return out;
}

// crypto may not use db::formatUtc (db sits above crypto), so the two small helpers live here.
std::string formatUtc(TimePoint time) {
    const std::time_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
    std::tm broken{};
    char text[32];
    if (gmtime_r(&seconds, &broken) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &broken) == 0)
        throw CryptoError("CRL index: time out of range");
    return text;
}

TimePoint parseUtc(const std::string& text, const char* what) {
    const auto fail = [&]() -> TimePoint {
        throw MalformedCrlIndexError(std::string("CRL index: ") + what + " is not an RFC 3339 UTC time");
    };
    // Exactly YYYY-MM-DDTHH:MM:SSZ: the form formatUtc writes.
    static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
    if (text.size() != shape.size()) return fail();
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != shape[i]) return fail();
    const auto number = [&](std::size_t at, std::size_t length) { return std::stoi(text.substr(at, length)); };
    std::tm broken{};
    broken.tm_year = number(0, 4) - 1900;
    broken.tm_mon = number(5, 2) - 1;
    broken.tm_mday = number(8, 2);
    broken.tm_hour = number(11, 2);
    broken.tm_min = number(14, 2);
    broken.tm_sec = number(17, 2);
    const auto timePoint = timePointFromUnixSeconds(timegm(&broken));
    if (!timePoint) return fail();
    const TimePoint time = *timePoint;
    if (formatUtc(time) != text) return fail();  // Feb 30, 25:00, a leap second: timegm normalized it
    return time;
}

// ---- JSON ----

Json entryJson(const CrlIndexEntry& entry) {
    Json out{{"file", entry.file}, {"crl_number", entry.crlNumber}, {"size", entry.size}, {"sha256", lowerHex(entry.sha256)}};
    if (entry.baseCrlNumber) out["base_crl_number"] = *entry.baseCrlNumber;
    return out;
}

// An object with exactly the `required` keys and any of the `optional` ones: a field this
// version does not know is an error, not something to skip (the format name is versioned).
void requireKeys(const Json& object, std::initializer_list<const char*> required,
                 std::initializer_list<const char*> optional, const char* where) {
    if (!object.is_object()) throw MalformedCrlIndexError(std::string("CRL index: ") + where + " is not an object");
    for (const char* key : required)
        if (!object.contains(key)) throw MalformedCrlIndexError(std::string("CRL index: ") + where + " lacks " + key);
    for (const auto& item : object.items()) {
        const auto known = [&](const char* key) { return item.key() == key; };
        if (std::none_of(required.begin(), required.end(), known) && std::none_of(optional.begin(), optional.end(), known))
            throw MalformedCrlIndexError(std::string("CRL index: ") + where + " has an unknown field " + item.key());
    }
}

const std::string& stringField(const Json& object, const char* key) {
    const Json& value = object.at(key);
    if (!value.is_string()) throw MalformedCrlIndexError(std::string("CRL index: ") + key + " is not a string");
    return value.get_ref<const std::string&>();
}

std::uint64_t numberField(const Json& object, const char* key) {
    const Json& value = object.at(key);
    if (!value.is_number_unsigned()) throw MalformedCrlIndexError(std::string("CRL index: ") + key + " is not a whole number");
    return value.get<std::uint64_t>();
}

CrlIndexEntry entryFromJson(const Json& object, const char* where, bool isDelta) {
    if (isDelta) {
        requireKeys(object, {"file", "crl_number", "base_crl_number", "size", "sha256"}, {}, where);
    } else {
        requireKeys(object, {"file", "crl_number", "size", "sha256"}, {}, where);
    }
    CrlIndexEntry entry;
    entry.file = stringField(object, "file");
    entry.crlNumber = numberField(object, "crl_number");
    if (isDelta) entry.baseCrlNumber = numberField(object, "base_crl_number");
    entry.size = numberField(object, "size");
    entry.sha256 = parseLowerHex(stringField(object, "sha256"), 32, 32, "sha256");
    return entry;
}

CrlIndex indexFromJson(std::string_view text) {
    Json document;
    try {
        document = Json::parse(text);
    } catch (const Json::exception&) {
        throw MalformedCrlIndexError("CRL index: the content is not JSON");
    }
    requireKeys(document, {"format", "issuer", "issuer_key_id", "published", "next_update", "full"}, {"delta", "arl"},
                "document");
    if (stringField(document, "format") != kCrlIndexFormat)
        throw MalformedCrlIndexError(std::string("CRL index: format is not ") + kCrlIndexFormat);
    CrlIndex index;
    index.issuer = stringField(document, "issuer");
    index.issuerKeyId = parseLowerHex(stringField(document, "issuer_key_id"), 1, 64, "issuer_key_id");
    index.published = parseUtc(stringField(document, "published"), "published");
    index.nextUpdate = parseUtc(stringField(document, "next_update"), "next_update");
    index.full = entryFromJson(document.at("full"), "full", false);
    if (document.contains("delta")) index.delta = entryFromJson(document.at("delta"), "delta", true);
    if (document.contains("arl")) index.arl = entryFromJson(document.at("arl"), "arl", false);
    requireValid(index);
    return index;
}

// ---- CMS ----

using CmsHandle = OpenSslHandle<CMS_ContentInfo, CMS_ContentInfo_free>;

void freeCertificateStack(STACK_OF(X509) * stack) { sk_X509_pop_free(stack, X509_free); }
void freeBorrowedStack(STACK_OF(X509) * stack) { sk_X509_free(stack); }
using CertificateStack = OpenSslHandle<STACK_OF(X509), freeCertificateStack>;
using BorrowedStack = OpenSslHandle<STACK_OF(X509), freeBorrowedStack>;
void freeCrlStack(STACK_OF(X509_CRL) * stack) { sk_X509_CRL_pop_free(stack, X509_CRL_free); }
using CrlStack = OpenSslHandle<STACK_OF(X509_CRL), freeCrlStack>;

// One TLV split off `input`. Used only on bytes d2i_CMS_ContentInfo accepted as DER.
std::pair<std::uint8_t, ByteView> takeTlv(ByteView& input) {
    const auto fail = [] { throw MalformedCrlIndexError("CRL index: CMS structure is cut short"); };
    if (input.size() < 2) fail();
    std::size_t length = input[1];
    std::size_t header = 2;
    if (length & 0x80) {
        const std::size_t octets = length & 0x7F;
        if (octets == 0 || octets > 4 || input.size() < 2 + octets) fail();
        length = 0;
        for (std::size_t i = 0; i < octets; ++i) length = length << 8 | input[2 + i];
        header += octets;
    }
    if (input.size() - header < length) fail();
    const std::pair<std::uint8_t, ByteView> tlv{input[0], input.subspan(header, length)};
    input = input.subspan(header + length);
    return tlv;
}

// OpenSSL parses the SignedData and SignerInfo versions but never checks them, nor the
// signature algorithm, which only selects how to verify. Requiring exactly what
// CertificateAuthority::signCms writes leaves no unsigned field free to vary (RFC 5652
// §5.1, §5.3: version 1 for id-data content and issuerAndSerialNumber).
void requireSignCmsShape(ByteView der, CMS_ContentInfo* cms) {
    const auto versionIsOne = [](const std::pair<std::uint8_t, ByteView>& tlv) {
        return tlv.first == 0x02 && tlv.second.size() == 1 && tlv.second[0] == 1;
    };
    ByteView input = der;
    ByteView contentInfo = takeTlv(input).second;
    static_cast<void>(takeTlv(contentInfo));                  // contentType
    ByteView wrapped = takeTlv(contentInfo).second;            // [0] EXPLICIT
    ByteView signedData = takeTlv(wrapped).second;
    const bool signedDataVersionOk = versionIsOne(takeTlv(signedData));
    static_cast<void>(takeTlv(signedData));                   // digestAlgorithms
    static_cast<void>(takeTlv(signedData));                   // encapContentInfo
    while (!signedData.empty() && (signedData[0] == 0xA0 || signedData[0] == 0xA1))
        static_cast<void>(takeTlv(signedData));               // certificates, crls
    ByteView signerInfos = takeTlv(signedData).second;
    ByteView signerInfo = takeTlv(signerInfos).second;
    if (!signedDataVersionOk || !versionIsOne(takeTlv(signerInfo)))
        throw MalformedCrlIndexError("CRL index: CMS version is not 1");

    CMS_SignerInfo* signer = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    X509_ALGOR* digest = nullptr;
    X509_ALGOR* signature = nullptr;
    CMS_SignerInfo_get0_algs(signer, nullptr, nullptr, &digest, &signature);
    const auto isBare = [](const X509_ALGOR* algorithm, int nid) {
        const ASN1_OBJECT* oid = nullptr;
        int parameterType = 0;
        X509_ALGOR_get0(&oid, &parameterType, nullptr, algorithm);
        return OBJ_obj2nid(oid) == nid && parameterType == V_ASN1_UNDEF;
    };
    if (digest == nullptr || signature == nullptr || !isBare(digest, NID_sha256) ||
        !isBare(signature, NID_ecdsa_with_SHA256))
        throw MalformedCrlIndexError("CRL index: not signed with ECDSA and SHA-256");
}

CmsHandle parseCms(ByteView der) {
    if (der.empty() || der.size() > kCrlIndexMaxBytes) throw MalformedCrlIndexError("CRL index: empty or over 64 KB");
    const unsigned char* cursor = der.data();
    CmsHandle cms(d2i_CMS_ContentInfo(nullptr, &cursor, static_cast<long>(der.size())));
    if (!cms) {
        ERR_clear_error();
        throw MalformedCrlIndexError("CRL index: not a CMS structure");
    }
    if (cursor != der.data() + der.size()) throw MalformedCrlIndexError("CRL index: trailing bytes after the CMS");
    // Only DER is accepted: re-encoding must give the same bytes, so no field outside the
    // signature (lengths, versions, an unused certificate) can vary unnoticed.
    unsigned char* encoded = nullptr;
    const int length = i2d_CMS_ContentInfo(cms.get(), &encoded);
    const bool same = length > 0 && static_cast<std::size_t>(length) == der.size() &&
                      std::equal(der.begin(), der.end(), encoded);
    OPENSSL_free(encoded);
    if (!same) throw MalformedCrlIndexError("CRL index: CMS is not DER");
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed ||
        OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_pkcs7_data ||
        sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms.get())) != 1)
        throw MalformedCrlIndexError("CRL index: not SignedData over data with one signer");
    requireSignCmsShape(der, cms.get());
    return cms;
}

// The one trusted issuing CA whose signature verifies, and the signed content.
std::pair<const Certificate*, std::string> verifySignature(CMS_ContentInfo* cms, const TrustStore& trust) {
    BorrowedStack candidates(sk_X509_new_null());
    if (!candidates) throwOpenSslError("sk_X509_new_null");
    for (const Certificate& ca : trust.issuingCas())
        if (sk_X509_push(candidates.get(), ca.native()) <= 0) throwOpenSslError("sk_X509_push");
    BioHandle content(BIO_new(BIO_s_mem()));
    if (!content) throwOpenSslError("BIO_new");
    // CMS_NOINTERN: the signer must be one of `candidates`, never a certificate the file
    // brings. CMS_NO_SIGNER_CERT_VERIFY: the candidates are the trust store's issuing CAs,
    // whose root signature was checked when it was loaded; their validity and the ARL are
    // not checked here. The index only points at files, and every CRL it names is verified on
    // its own before use, so an index signed by a revoked or expired issuing CA can at worst
    // make the terminal fetch lists it then refuses.
    const unsigned flags = CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY;
    if (CMS_verify(cms, candidates.get(), nullptr, nullptr, content.get(), flags) != 1) {
        ERR_clear_error();
        throw UntrustedCrlIndexError("CRL index: the signature does not verify with an issuing CA of the trust store");
    }
    BorrowedStack signers(CMS_get0_signers(cms));
    const Certificate* signer = nullptr;
    if (signers && sk_X509_num(signers.get()) == 1)
        for (const Certificate& ca : trust.issuingCas())
            if (X509_cmp(ca.native(), sk_X509_value(signers.get(), 0)) == 0) signer = &ca;
    if (signer == nullptr) throw UntrustedCrlIndexError("CRL index: signer is not an issuing CA of the trust store");
    // What rides along must be the signer's own certificate and nothing else.
    CertificateStack carried(CMS_get1_certs(cms));
    for (int i = 0; carried && i < sk_X509_num(carried.get()); ++i)
        if (X509_cmp(sk_X509_value(carried.get(), i), signer->native()) != 0)
            throw UntrustedCrlIndexError("CRL index carries a certificate other than its signer's");
    CrlStack crls(CMS_get1_crls(cms));
    if (crls && sk_X509_CRL_num(crls.get()) > 0) throw MalformedCrlIndexError("CRL index: carries CRLs");
    char* data = nullptr;
    const long length = BIO_get_mem_data(content.get(), &data);
    return {signer, std::string(data, static_cast<std::size_t>(length))};
}

} // namespace

Bytes signCrlIndex(const CrlIndex& index, const CertificateAuthority& signer) {
    requireValid(index);
    if (signer.certificate().subjectKeyIdentifier() != index.issuerKeyId)
        throw MalformedCrlIndexError("CRL index: issuer key id is not the signer's");
    Json document{{"format", kCrlIndexFormat},
                  {"issuer", index.issuer},
                  {"issuer_key_id", lowerHex(index.issuerKeyId)},
                  {"published", formatUtc(index.published)},
                  {"next_update", formatUtc(index.nextUpdate)},
                  {"full", entryJson(index.full)}};
    if (index.delta) document["delta"] = entryJson(*index.delta);
    if (index.arl) document["arl"] = entryJson(*index.arl);
    std::string text;
    try {
        text = document.dump(2) + "\n";
    } catch (const Json::exception& error) {
        throw MalformedCrlIndexError(std::string("CRL index: ") + error.what());  // an issuer that is not UTF-8
    }
    Bytes signedIndex = signer.signCms(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    if (signedIndex.size() > kCrlIndexMaxBytes) throw MalformedCrlIndexError("CRL index: over 64 KB once signed");
    return signedIndex;
}

CrlIndex verifyCrlIndex(ByteView signedIndex, const TrustStore& trust) {
    CmsHandle cms = parseCms(signedIndex);
    const auto [signer, content] = verifySignature(cms.get(), trust);
    CrlIndex index = indexFromJson(content);
    if (signer->subjectKeyIdentifier() != index.issuerKeyId)
        throw UntrustedCrlIndexError("CRL index speaks for another CA than its signer " + signer->subject());
    return index;
}

std::string crlFolderName(const Certificate& ca) { return lowerHex(ca.subjectKeyIdentifier()); }

} // namespace fmc::crypto::pki
