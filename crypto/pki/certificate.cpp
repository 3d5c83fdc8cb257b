#include "crypto/pki/certificate.hpp"

#include "crypto/pki/asn1_conversions.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

namespace fmc::crypto::pki {

namespace {

std::string nameText(const X509_NAME* name) {
    BioHandle bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) throwOpenSslError("printing a name");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

BioHandle readOnlyBio(std::string_view text) {
    if (text.size() > static_cast<std::size_t>(INT_MAX)) throw MalformedCertificateError("PEM too large");
    BioHandle bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) throwOpenSslError("BIO_new_mem_buf");
    return bio;
}

} // namespace

Certificate Certificate::adopt(X509* certificate) {
    if (certificate == nullptr) throw MalformedCertificateError("no certificate");
    return Certificate(std::shared_ptr<X509>(certificate, X509_free));
}

Certificate Certificate::fromDer(ByteView der) {
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX))
        throw MalformedCertificateError("certificate: empty or too large");
    const unsigned char* cursor = der.data();
    X509* parsed = d2i_X509(nullptr, &cursor, static_cast<long>(der.size()));
    if (parsed == nullptr) {
        ERR_clear_error();
        throw MalformedCertificateError("certificate DER does not parse");
    }
    Certificate out = adopt(parsed);
    if (cursor != der.data() + der.size()) throw MalformedCertificateError("trailing bytes after the certificate");
    return out;
}

Certificate Certificate::fromPem(std::string_view pem) {
    auto all = allFromPem(pem);
    if (all.size() != 1) throw MalformedCertificateError("expected exactly one PEM certificate");
    return all.front();
}

std::vector<Certificate> Certificate::allFromPem(std::string_view pem) {
    BioHandle bio = readOnlyBio(pem);
    std::vector<Certificate> out;
    while (X509* parsed = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.push_back(adopt(parsed));
    const unsigned long error = ERR_peek_last_error();
    // Running out of PEM blocks is the normal end; anything else is a broken block.
    if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
    } else if (error != 0) {
        ERR_clear_error();
        throw MalformedCertificateError("PEM certificate does not parse");
    }
    return out;
}

Bytes Certificate::der() const {
    unsigned char* der = nullptr;
    const int length = i2d_X509(certificate_.get(), &der);
    if (length <= 0 || der == nullptr) throwOpenSslError("encoding a certificate");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

std::string Certificate::pem() const {
    BioHandle bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate_.get()) != 1) throwOpenSslError("writing PEM");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

Bytes Certificate::serialNumber() const {
    try {
        return integerMagnitude(X509_get0_serialNumber(certificate_.get()));
    } catch (const CryptoError&) {
        throw MalformedCertificateError("negative serial number");
    }
}

std::chrono::system_clock::time_point Certificate::notBefore() const {
    return fromAsn1Time(X509_get0_notBefore(certificate_.get()));
}

std::chrono::system_clock::time_point Certificate::notAfter() const {
    return fromAsn1Time(X509_get0_notAfter(certificate_.get()));
}

std::string Certificate::subject() const { return nameText(X509_get_subject_name(certificate_.get())); }

std::string Certificate::issuer() const { return nameText(X509_get_issuer_name(certificate_.get())); }

Bytes Certificate::subjectKeyIdentifier() const {
    const ASN1_OCTET_STRING* identifier = X509_get0_subject_key_id(certificate_.get());
    if (identifier == nullptr) return {};
    const unsigned char* data = ASN1_STRING_get0_data(identifier);
    return Bytes(data, data + ASN1_STRING_length(identifier));
}

Bytes Certificate::authorityKeyIdentifier() const {
    const ASN1_OCTET_STRING* identifier = X509_get0_authority_key_id(certificate_.get());
    if (identifier == nullptr) return {};
    const unsigned char* data = ASN1_STRING_get0_data(identifier);
    return Bytes(data, data + ASN1_STRING_length(identifier));
}

namespace {

std::string commonNameOf(const X509_NAME* name) {
    const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) return {};
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
    if (length < 0) throwOpenSslError("reading a common name");
    std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return out;
}

} // namespace

std::string Certificate::subjectCommonName() const { return commonNameOf(X509_get_subject_name(certificate_.get())); }

std::string Certificate::issuerCommonName() const { return commonNameOf(X509_get_issuer_name(certificate_.get())); }

bool Certificate::isSignedBy(const Certificate& issuer) const {
    const bool verifies = X509_verify(certificate_.get(), X509_get0_pubkey(issuer.native())) == 1;
    ERR_clear_error();
    return verifies;
}

bool Certificate::isCa() const { return X509_check_ca(certificate_.get()) != 0; }

bool Certificate::isSelfSigned() const { return (X509_get_extension_flags(certificate_.get()) & EXFLAG_SS) != 0; }

EcPublicKey Certificate::publicKey() const {
    const X509_PUBKEY* key = X509_get_X509_PUBKEY(certificate_.get());
    unsigned char* der = nullptr;
    const int length = i2d_X509_PUBKEY(key, &der);
    if (length <= 0 || der == nullptr) throwOpenSslError("encoding the subject public key");
    const Bytes spki(der, der + length);
    OPENSSL_free(der);
    return EcPublicKey::fromSubjectPublicKeyInfo(spki);
}

bool Certificate::operator==(const Certificate& other) const {
    return X509_cmp(certificate_.get(), other.certificate_.get()) == 0;
}

} // namespace fmc::crypto::pki
