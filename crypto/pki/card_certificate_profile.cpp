#include "crypto/pki/card_certificate_profile.hpp"

#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/x509_extensions.hpp"

#include <openssl/err.h>

#include <climits>
#include <stdexcept>

namespace fmc::crypto::pki {

namespace {

constexpr std::size_t maxCardNumberLength = 64;  // ub-common-name, RFC 5280 Appendix A.1

bool isPrintableAscii(const std::string& text) {
    for (char c : text)
        if (c < 0x20 || c > 0x7E) return false;
    return true;
}

void setCardSubject(X509* certificate, const std::string& cardNumber) {
    X509NameHandle name(X509_NAME_new());
    if (!name ||
        X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cardNumber.data()),
                                   static_cast<int>(cardNumber.size()), -1, 0) != 1 ||
        X509_set_subject_name(certificate, name.get()) != 1)
        throwOpenSslError("setting the card subject");
}

void addCardAttributes(X509* certificate, const CardAttributes& attributes) {
    const Bytes der = attributes.encode();
    Asn1OctetStringHandle value(ASN1_OCTET_STRING_new());
    if (!value || ASN1_OCTET_STRING_set(value.get(), der.data(), static_cast<int>(der.size())) != 1)
        throwOpenSslError("encoding card attributes");
    X509ExtensionHandle extension(
        X509_EXTENSION_create_by_NID(nullptr, cardAttributesNid(), /*critical=*/1, value.get()));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1)
        throwOpenSslError("adding the card attributes extension");
}

std::string readCardNumber(X509* certificate) {
    const X509_NAME* subject = X509_get_subject_name(certificate);
    if (X509_NAME_entry_count(subject) != 1) throw MalformedCertificateError("card subject must hold only the card number");
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, 0);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry)) != NID_commonName)
        throw MalformedCertificateError("card subject is not a common name");
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(entry);
    const unsigned char* data = ASN1_STRING_get0_data(value);
    std::string number(reinterpret_cast<const char*>(data), static_cast<std::size_t>(ASN1_STRING_length(value)));
    if (number.empty() || number.size() > maxCardNumberLength || !isPrintableAscii(number))
        throw MalformedCertificateError("card number is not 1-64 printable characters");
    return number;
}

CardUuid readCardUuid(X509* certificate) {
    int critical = 0;
    GeneralNamesHandle names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, &critical, nullptr)));
    ERR_clear_error();
    if (!names) throw MalformedCertificateError("card certificate has no readable subjectAltName");
    if (sk_GENERAL_NAME_num(names.get()) != 1) throw MalformedCertificateError("subjectAltName must hold one URI");
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), 0);
    int type = 0;
    const auto* uri = static_cast<const ASN1_IA5STRING*>(GENERAL_NAME_get0_value(name, &type));
    if (type != GEN_URI || uri == nullptr) throw MalformedCertificateError("subjectAltName is not a URI");
    const unsigned char* data = ASN1_STRING_get0_data(uri);
    try {
        return uuidFromUrn(std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(ASN1_STRING_length(uri))));
    } catch (const std::invalid_argument&) {
        throw MalformedCertificateError("subjectAltName is not a urn:uuid URI");
    }
}

CardAttributes readCardAttributes(X509* certificate) {
    const int nid = cardAttributesNid();
    const int index = X509_get_ext_by_NID(certificate, nid, -1);
    if (index < 0) throw MalformedCertificateError("card certificate has no card attributes extension");
    if (X509_get_ext_by_NID(certificate, nid, index) >= 0)
        throw MalformedCertificateError("card attributes extension appears twice (RFC 5280 §4.2)");
    const X509_EXTENSION* extension = X509_get_ext(certificate, index);
    if (X509_EXTENSION_get_critical(extension) != 1)
        throw MalformedCertificateError("card attributes extension must be critical");
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(extension));
    const unsigned char* data = ASN1_STRING_get0_data(value);
    return CardAttributes::decode(ByteView(data, static_cast<std::size_t>(ASN1_STRING_length(value))));
}

} // namespace

void CardCertificateProfile::validate(const CardCertificateRequest& request) {
    if (request.cardNumber.empty() || request.cardNumber.size() > maxCardNumberLength ||
        !isPrintableAscii(request.cardNumber))
        throw CertificateProfileError("card number must be 1-64 printable ASCII characters");
    request.attributes.validate();
    if (request.notBefore >= request.notAfter) throw CertificateProfileError("card certificate validity is empty");
}

void CardCertificateProfile::apply(X509* certificate, X509* issuer, const CardCertificateRequest& request) {
    validate(request);
    setCardSubject(certificate, request.cardNumber);
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    addCertificateExtension(certificate, context, NID_basic_constraints, "critical,CA:FALSE");
    addCertificateExtension(certificate, context, NID_key_usage, "critical,digitalSignature");
    addCertificateExtension(certificate, context, NID_subject_key_identifier, "hash");
    addCertificateExtension(certificate, context, NID_authority_key_identifier, "keyid:always");
    const std::string san = "URI:" + uuidUrn(request.cardUuid);
    addCertificateExtension(certificate, context, NID_subject_alt_name, san.c_str());
    addCardAttributes(certificate, request.attributes);
}

CardIdentity CardCertificateProfile::read(const Certificate& certificate) {
    X509* native = certificate.native();
    // keyUsage must be exactly digitalSignature: the 9E key signs challenges, nothing else.
    const std::uint32_t usage = X509_get_key_usage(native);
    if ((X509_get_extension_flags(native) & EXFLAG_INVALID) != 0)
        throw MalformedCertificateError("card certificate has an undecodable extension");
    if (usage != KU_DIGITAL_SIGNATURE) throw MalformedCertificateError("card keyUsage must be digitalSignature only");
    if (X509_check_ca(native) != 0) throw MalformedCertificateError("a card certificate must not be a CA");
    CardIdentity identity;
    identity.cardNumber = readCardNumber(native);
    identity.cardUuid = readCardUuid(native);
    identity.serialNumber = certificate.serialNumber();
    identity.attributes = readCardAttributes(native);
    identity.notAfter = certificate.notAfter();
    return identity;
}

} // namespace fmc::crypto::pki
