#include "crypto/pki/certificate_authority.hpp"

#include "crypto/pki/asn1_conversions.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/serial_number.hpp"
#include "crypto/pki/x509_extensions.hpp"

#include <openssl/cms.h>

#include <climits>

namespace fmc::crypto::pki {

namespace {

void addNameEntry(X509_NAME* name, int nid, const std::string& value) {
    if (value.empty()) return;
    if (value.size() > 64) throw CertificateProfileError("name attribute longer than 64 characters");
    if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
        throwOpenSslError("building a name");
}

X509NameHandle caName(const CaProfile& profile) {
    if (profile.commonName.empty()) throw CertificateProfileError("a CA needs a common name");
    X509NameHandle name(X509_NAME_new());
    if (!name) throwOpenSslError("X509_NAME_new");
    addNameEntry(name.get(), NID_organizationName, profile.organization);
    addNameEntry(name.get(), NID_commonName, profile.commonName);
    return name;
}

// A v3 certificate with serial, validity and public key set; extensions and names follow.
X509Handle newCertificate(const Bytes& requestedSerial, std::chrono::system_clock::time_point notBefore,
                          std::chrono::system_clock::time_point notAfter, EVP_PKEY* subjectKey) {
    if (notBefore >= notAfter) throw CertificateProfileError("validity is empty: notBefore is not before notAfter");
    const Bytes serial = requestedSerial.empty() ? newSerialNumber() : requestedSerial;
    if (serial.size() > 20 || (serial.size() == 1 && serial[0] == 0))
        throw CertificateProfileError("serial number must be positive and at most 20 octets (RFC 5280 §4.1.2.2)");
    X509Handle certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1) throwOpenSslError("X509_new");
    auto serialInteger = toAsn1Integer(serial);
    auto start = toAsn1Time(notBefore);
    auto end = toAsn1Time(notAfter);
    if (X509_set_serialNumber(certificate.get(), serialInteger.get()) != 1 ||
        X509_set1_notBefore(certificate.get(), start.get()) != 1 ||
        X509_set1_notAfter(certificate.get(), end.get()) != 1 ||
        X509_set_pubkey(certificate.get(), subjectKey) != 1)
        throwOpenSslError("filling in a certificate");
    return certificate;
}

void addCaExtensions(X509* certificate, X509* issuer, const char* basicConstraints) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    addCertificateExtension(certificate, context, NID_basic_constraints, basicConstraints);
    addCertificateExtension(certificate, context, NID_key_usage, "critical,keyCertSign,cRLSign");
    addCertificateExtension(certificate, context, NID_subject_key_identifier, "hash");
    // A self-signed root may omit the AKI (RFC 5280 §4.2.1.1); subordinates must carry it.
    if (issuer != certificate) addCertificateExtension(certificate, context, NID_authority_key_identifier, "keyid:always");
}

// A CRL number or BaseCRLNumber as an INTEGER (0 <= n < 2^63 here; §5.2.3 allows up to 2^159).
Asn1IntegerHandle crlNumberInteger(std::uint64_t number) {
    Bytes bytes;
    for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(number >> shift));
    return toAsn1Integer(bytes);
}

void requireInside(const Certificate& issuer, std::chrono::system_clock::time_point notBefore,
                   std::chrono::system_clock::time_point notAfter) {
    if (notBefore < issuer.notBefore() || notAfter > issuer.notAfter())
        throw CertificateProfileError("validity must lie inside the issuer's (" + issuer.subject() + ")");
}

} // namespace

CertificateAuthority::CertificateAuthority(Certificate certificate, std::shared_ptr<const KeyStore> keys)
    : certificate_(std::move(certificate)), keys_(std::move(keys)) {
    if (!keys_) throw CertificateProfileError("a CA needs a key store");
    if (!certificate_.isCa()) throw CertificateProfileError("not a CA certificate: " + certificate_.subject());
    if (keys_->publicKey().subjectPublicKeyInfo() != certificate_.publicKey().subjectPublicKeyInfo())
        throw CertificateProfileError("the key store's key does not match the CA certificate");
}

CertificateAuthority CertificateAuthority::createRoot(std::shared_ptr<const KeyStore> keys, const CaProfile& profile) {
    if (!keys) throw CertificateProfileError("a CA needs a key store");
    const EcPublicKey key = keys->publicKey();
    X509Handle certificate = newCertificate(profile.serialNumber, profile.notBefore, profile.notAfter, key.native());
    auto name = caName(profile);
    if (X509_set_subject_name(certificate.get(), name.get()) != 1 ||
        X509_set_issuer_name(certificate.get(), name.get()) != 1)
        throwOpenSslError("naming the root");
    // pathlen 1: root -> issuing CA -> card, and no deeper.
    addCaExtensions(certificate.get(), certificate.get(), "critical,CA:TRUE,pathlen:1");
    keys->signCertificate(certificate.get());
    return CertificateAuthority(Certificate::adopt(certificate.release()), std::move(keys));
}

Certificate CertificateAuthority::issueSubordinateCa(const EcPublicKey& subjectKey, const CaProfile& profile) const {
    requireInside(certificate_, profile.notBefore, profile.notAfter);
    X509Handle certificate = newCertificate(profile.serialNumber, profile.notBefore, profile.notAfter, subjectKey.native());
    auto name = caName(profile);
    if (X509_set_subject_name(certificate.get(), name.get()) != 1 ||
        X509_set_issuer_name(certificate.get(), X509_get_subject_name(certificate_.native())) != 1)
        throwOpenSslError("naming an issuing CA");
    addCaExtensions(certificate.get(), certificate_.native(), "critical,CA:TRUE,pathlen:0");
    keys_->signCertificate(certificate.get());
    return Certificate::adopt(certificate.release());
}

Certificate CertificateAuthority::issueCardCertificate(const CardCertificateRequest& request) const {
    CardCertificateProfile::validate(request);
    requireInside(certificate_, request.notBefore, request.notAfter);
    X509Handle certificate = newCertificate(request.serialNumber, request.notBefore, request.notAfter, request.cardKey.native());
    if (X509_set_issuer_name(certificate.get(), X509_get_subject_name(certificate_.native())) != 1)
        throwOpenSslError("setting the card certificate issuer");
    CardCertificateProfile::apply(certificate.get(), certificate_.native(), request);
    keys_->signCertificate(certificate.get());
    return Certificate::adopt(certificate.release());
}

Bytes CertificateAuthority::issueTagCredential(const TagCredentialRequest& request) const {
    if (keys_->publicKey().curve() != Curve::p256)
        throw CertificateProfileError("tag credentials are ES256: the issuing CA needs a P-256 key");
    requireInside(certificate_, request.notBefore, request.notAfter);
    TagCredential credential{request.serialNumber.empty() ? newSerialNumber() : request.serialNumber,
                             request.credentialUuid,
                             request.tagUid,
                             certificate_.subjectKeyIdentifier(),
                             tagIssuerName(certificate_),
                             request.entitlements,
                             request.preferredLanguage,
                             std::chrono::time_point_cast<std::chrono::seconds>(request.notBefore),
                             std::chrono::time_point_cast<std::chrono::seconds>(request.notAfter),
                             {},
                             {}};
    const auto issuedAt =
        request.issuedAt == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now() : request.issuedAt;
    credential.issuedAt = std::chrono::time_point_cast<std::chrono::seconds>(issuedAt);
    if (credential.issuerKeyId.empty()) throw CertificateProfileError("the CA certificate has no subject key identifier");
    credential.signature = lowSP256Signature(coseSignatureFromDer(keys_->signData(credential.toBeSigned())));
    return credential.encode();
}

RevocationList CertificateAuthority::issueRevocationList(const RevocationListRequest& request) const {
    if (request.nextUpdate <= request.thisUpdate) throw CertificateProfileError("CRL nextUpdate must follow thisUpdate");
    if (request.baseCrlNumber && *request.baseCrlNumber >= request.crlNumber)
        throw CertificateProfileError("a delta CRL's base must be an older CRL number (RFC 5280 §5.2.4)");
    X509CrlHandle crl(X509_CRL_new());
    if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
        X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(certificate_.native())) != 1)
        throwOpenSslError("X509_CRL_new");
    auto thisUpdate = toAsn1Time(request.thisUpdate);
    auto nextUpdate = toAsn1Time(request.nextUpdate);
    if (X509_CRL_set1_lastUpdate(crl.get(), thisUpdate.get()) != 1 ||
        X509_CRL_set1_nextUpdate(crl.get(), nextUpdate.get()) != 1)
        throwOpenSslError("setting CRL times");
    for (const RevokedCertificate& entry : request.entries) {
        if (entry.serialNumber.empty() || entry.serialNumber.size() > 20)
            throw CertificateProfileError("revoked serial number must be 1-20 octets");
        if (entry.reason == RevocationReason::removeFromCrl && !request.baseCrlNumber)
            throw CertificateProfileError("removeFromCRL belongs in delta CRLs only (RFC 5280 §5.3.1)");
        X509RevokedHandle revoked(X509_REVOKED_new());
        auto serial = toAsn1Integer(entry.serialNumber);
        auto date = toAsn1Time(entry.revocationDate);
        if (!revoked || X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
            X509_REVOKED_set_revocationDate(revoked.get(), date.get()) != 1)
            throwOpenSslError("building a CRL entry");
        // RFC 5280 §5.3.1: leave reasonCode out rather than encode unspecified.
        if (entry.reason != RevocationReason::unspecified) {
            Asn1EnumeratedHandle reason(ASN1_ENUMERATED_new());
            if (!reason || ASN1_ENUMERATED_set(reason.get(), static_cast<long>(entry.reason)) != 1 ||
                X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, reason.get(), 0, 0) != 1)
                throwOpenSslError("encoding a reason code");
        }
        if (X509_CRL_add0_revoked(crl.get(), revoked.get()) != 1) throwOpenSslError("adding a CRL entry");
        static_cast<void>(revoked.release());
    }
    // §5.2.3 CRL number (non-critical, 0 <= n < 2^159) and §5.2.1 AKI.
    auto crlNumber = crlNumberInteger(request.crlNumber);
    if (X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crlNumber.get(), 0, 0) != 1)
        throwOpenSslError("adding the CRL number");
    // §5.2.4: the deltaCRLIndicator is critical, so a verifier that cannot merge deltas
    // refuses the list instead of taking a handful of changes for the whole list.
    if (request.baseCrlNumber) {
        auto base = crlNumberInteger(*request.baseCrlNumber);
        if (X509_CRL_add1_ext_i2d(crl.get(), NID_delta_crl, base.get(), 1, 0) != 1)
            throwOpenSslError("adding the delta CRL indicator");
    }
    X509V3_CTX context;
    X509V3_set_ctx(&context, certificate_.native(), nullptr, nullptr, crl.get(), 0);
    addCrlExtension(crl.get(), context, NID_authority_key_identifier, "keyid:always");
    if (X509_CRL_sort(crl.get()) != 1) throwOpenSslError("sorting CRL entries");
    keys_->signRevocationList(crl.get());
    return RevocationList::adopt(crl.release());
}

Bytes CertificateAuthority::signCms(ByteView content) const {
    if (content.size() > static_cast<std::size_t>(INT_MAX)) throw CryptoError("CMS content too large");
    BioHandle input(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    if (!input) throwOpenSslError("BIO_new_mem_buf");
    // CMS_BINARY: the bytes are signed as they are (no MIME text canonicalization);
    // CMS_NOSMIMECAP: no S/MIME capabilities attribute, which says nothing to a terminal.
    // CMS_PARTIAL lets the signer be added with an explicit digest, then CMS_final signs.
    constexpr unsigned flags = CMS_BINARY | CMS_NOSMIMECAP;
    OpenSslHandle<CMS_ContentInfo, CMS_ContentInfo_free> cms(
        CMS_sign(nullptr, nullptr, nullptr, nullptr, flags | CMS_PARTIAL));
    if (!cms || CMS_add1_signer(cms.get(), certificate_.native(), keys_->signingKey(), EVP_sha256(), flags) == nullptr ||
        CMS_final(cms.get(), input.get(), nullptr, flags) != 1)
        throwOpenSslError("signing CMS content");
    unsigned char* der = nullptr;
    const int length = i2d_CMS_ContentInfo(cms.get(), &der);
    if (length <= 0 || der == nullptr) throwOpenSslError("encoding CMS");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

} // namespace fmc::crypto::pki
