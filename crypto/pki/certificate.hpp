#pragma once
// An immutable, parsed X.509 certificate (RFC 5280 §4.1). Copies share the OpenSSL object.
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::crypto::pki {

class Certificate {
public:
    // Throws MalformedCertificateError for input that does not parse or has trailing bytes.
    static Certificate fromDer(ByteView der);
    static Certificate fromPem(std::string_view pem);
    // Every CERTIFICATE block in a PEM bundle, in order (a trust export).
    static std::vector<Certificate> allFromPem(std::string_view pem);
    // Takes ownership of a certificate built by this library.
    static Certificate adopt(X509* certificate);

    [[nodiscard]] Bytes der() const;
    [[nodiscard]] std::string pem() const;
    // Big-endian magnitude of the serial number (RFC 5280 §4.1.2.2).
    [[nodiscard]] Bytes serialNumber() const;
    [[nodiscard]] std::chrono::system_clock::time_point notBefore() const;
    [[nodiscard]] std::chrono::system_clock::time_point notAfter() const;
    // RFC 2253 text, e.g. "CN=Hanoi station 1,O=Public Security".
    [[nodiscard]] std::string subject() const;
    [[nodiscard]] std::string issuer() const;
    [[nodiscard]] Bytes subjectKeyIdentifier() const;    // empty when absent
    [[nodiscard]] Bytes authorityKeyIdentifier() const;  // empty when absent
    // The CN of the subject / the issuer (UTF-8), empty when the name has none.
    [[nodiscard]] std::string subjectCommonName() const;
    [[nodiscard]] std::string issuerCommonName() const;
    // Whether `issuer`'s key verifies this certificate's signature (nothing else is checked).
    [[nodiscard]] bool isSignedBy(const Certificate& issuer) const;
    [[nodiscard]] bool isCa() const;
    [[nodiscard]] bool isSelfSigned() const;
    // Throws CryptoError when the key is not EC P-256 / P-384.
    [[nodiscard]] EcPublicKey publicKey() const;

    [[nodiscard]] X509* native() const { return certificate_.get(); }
    bool operator==(const Certificate& other) const;

private:
    explicit Certificate(std::shared_ptr<X509> certificate) : certificate_(std::move(certificate)) {}
    std::shared_ptr<X509> certificate_;
};

} // namespace fmc::crypto::pki
