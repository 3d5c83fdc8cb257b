#include "crypto/pki/trust_store.hpp"

#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/err.h>

namespace fmc::crypto::pki {

namespace {
void freeStackOnly(STACK_OF(X509) * stack) { sk_X509_free(stack); }

bool signedBy(const RevocationList& crl, const Certificate& ca, const std::function<bool(EVP_PKEY*)>& signatureVerifies) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.native()), X509_get_subject_name(ca.native())) != 0) return false;
    // RFC 5280 §6.3.3 (f): the key must be allowed to sign CRLs.
    const std::uint32_t usage = X509_get_key_usage(ca.native());
    if (usage != UINT32_MAX && (usage & KU_CRL_SIGN) == 0) return false;
    EVP_PKEY* key = X509_get0_pubkey(ca.native());
    const bool verified = key != nullptr && signatureVerifies(key);
    ERR_clear_error();
    return verified;
}
} // namespace

TrustStore::TrustStore()
    : anchors_(X509_STORE_new(), X509_STORE_free), intermediates_(sk_X509_new_null(), freeStackOnly) {
    if (!anchors_ || !intermediates_) throwOpenSslError("creating a trust store");
}

TrustStore TrustStore::fromPem(std::string_view pem) {
    TrustStore store;
    const std::vector<Certificate> all = Certificate::allFromPem(pem);
    // Roots first, so every issuing CA can be checked against them whatever the order.
    for (const Certificate& certificate : all)
        if (certificate.isSelfSigned()) store.addRoot(certificate);
    for (const Certificate& certificate : all)
        if (!certificate.isSelfSigned()) store.addIssuingCa(certificate);
    if (store.roots_.empty()) throw MalformedCertificateError("trust bundle holds no root certificate");
    return store;
}

std::string TrustStore::toPem() const {
    std::string out;
    for (const Certificate& root : roots_) out += root.pem();
    for (const Certificate& issuing : issuingCas_) out += issuing.pem();
    return out;
}

void TrustStore::addRoot(const Certificate& root) {
    if (!root.isCa() || !root.isSelfSigned()) throw MalformedCertificateError("a root must be a self-signed CA: " + root.subject());
    EVP_PKEY* key = X509_get0_pubkey(root.native());
    if (key == nullptr || X509_verify(root.native(), key) != 1) {
        ERR_clear_error();
        throw MalformedCertificateError("root self-signature does not verify: " + root.subject());
    }
    if (X509_STORE_add_cert(anchors_.get(), root.native()) != 1) throwOpenSslError("adding a root");
    roots_.push_back(root);
}

void TrustStore::addIssuingCa(const Certificate& issuingCa) {
    if (!issuingCa.isCa() || issuingCa.isSelfSigned())
        throw MalformedCertificateError("an issuing CA must be a CA signed by a root: " + issuingCa.subject());
    bool signedByRoot = false;
    for (const Certificate& root : roots_) {
        if (X509_check_issued(root.native(), issuingCa.native()) != X509_V_OK) continue;
        EVP_PKEY* key = X509_get0_pubkey(root.native());
        signedByRoot = key != nullptr && X509_verify(issuingCa.native(), key) == 1;
        if (signedByRoot) break;
    }
    ERR_clear_error();
    if (!signedByRoot) throw MalformedCertificateError("issuing CA is not signed by a trusted root: " + issuingCa.subject());
    issuingCas_.push_back(issuingCa);
    if (sk_X509_push(intermediates_.get(), issuingCa.native()) <= 0) {
        issuingCas_.pop_back();
        throwOpenSslError("adding an issuing CA");
    }
}

const Certificate* TrustStore::findCrlSigner(const RevocationList& crl) const {
    return findCrlSigner(crl, [&crl](EVP_PKEY* key) { return X509_CRL_verify(crl.native(), key) == 1; });
}

const Certificate* TrustStore::findCrlSigner(const RevocationList& crl,
                                             const std::function<bool(EVP_PKEY*)>& signatureVerifies) const {
    for (const Certificate& ca : issuingCas_)
        if (signedBy(crl, ca, signatureVerifies)) return &ca;
    for (const Certificate& ca : roots_)
        if (signedBy(crl, ca, signatureVerifies)) return &ca;
    return nullptr;
}

} // namespace fmc::crypto::pki
