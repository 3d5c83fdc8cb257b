#pragma once
// What a terminal trusts: the root(s), the trust anchors of RFC 5280 §6.1.1 (d), and the
// issuing CAs they signed, offered as untrusted intermediates for path building. Loaded
// from the PEM bundle that `fmc-issue trust export` writes.
#include "crypto/pki/certificate.hpp"
#include "crypto/pki/revocation_list.hpp"

#include <openssl/x509.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::crypto::pki {

class TrustStore {
public:
    TrustStore();
    TrustStore(TrustStore&&) noexcept = default;
    TrustStore& operator=(TrustStore&&) noexcept = default;
    TrustStore(const TrustStore&) = delete;
    TrustStore& operator=(const TrustStore&) = delete;
    ~TrustStore() = default;

    // Self-signed CA certificates become roots, other CA certificates issuing CAs. Throws
    // MalformedCertificateError for a non-CA certificate or a bundle that does not parse.
    static TrustStore fromPem(std::string_view pem);
    [[nodiscard]] std::string toPem() const;

    // A self-signed CA whose self-signature verifies; throws MalformedCertificateError.
    void addRoot(const Certificate& root);
    // A CA signed by a root already added (checked now, and again at every path validation).
    // Throws MalformedCertificateError otherwise.
    void addIssuingCa(const Certificate& issuingCa);

    [[nodiscard]] const std::vector<Certificate>& roots() const { return roots_; }
    [[nodiscard]] const std::vector<Certificate>& issuingCas() const { return issuingCas_; }

    // The CA, root or issuing, whose name is the CRL's issuer and whose key verifies its
    // signature (RFC 5280 §6.3.3 (f), (g)); nullptr when there is none.
    [[nodiscard]] const Certificate* findCrlSigner(const RevocationList& crl) const;
    // The same search with the signature check supplied: for a CRL whose signature is checked
    // over its raw tbsCertList bytes (RevocationIndex::buildFromDer) instead of X509_CRL_verify.
    [[nodiscard]] const Certificate* findCrlSigner(const RevocationList& crl,
                                                   const std::function<bool(EVP_PKEY*)>& signatureVerifies) const;

    // For X509_verify_cert: the roots as trusted store, the issuing CAs as untrusted chain.
    [[nodiscard]] X509_STORE* anchors() const { return anchors_.get(); }
    [[nodiscard]] STACK_OF(X509) * intermediates() const { return intermediates_.get(); }

private:
    std::vector<Certificate> roots_;
    std::vector<Certificate> issuingCas_;
    std::shared_ptr<X509_STORE> anchors_;
    std::shared_ptr<STACK_OF(X509)> intermediates_;  // borrows from issuingCas_
};

} // namespace fmc::crypto::pki
