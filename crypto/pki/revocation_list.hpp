#pragma once
// An X.509 v2 CRL (RFC 5280 §5): what a CA issues and a terminal imports.
#include "crypto/bytes.hpp"
#include "crypto/pki/revocation_reason.hpp"

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::crypto::pki {

struct RevokedCertificate {
    Bytes serialNumber;  // big-endian magnitude
    std::chrono::system_clock::time_point revocationDate;
    RevocationReason reason = RevocationReason::unspecified;
    bool operator==(const RevokedCertificate&) const = default;
};

// What the CA is asked to sign.
struct RevocationListRequest {
    std::uint64_t crlNumber = 0;  // RFC 5280 §5.2.3: increases with every list the CA issues
    std::chrono::system_clock::time_point thisUpdate;
    std::chrono::system_clock::time_point nextUpdate;
    std::vector<RevokedCertificate> entries;
    // Set: a delta CRL (RFC 5280 §5.2.4) against the complete CRL with this number, with the
    // critical deltaCRLIndicator extension; its entries are the changes since that base
    // (removeFromCRL for a card no longer listed). crlNumber shares the complete CRLs' sequence.
    // (Initialized so that the existing four-field brace initializations stay warning-free.)
    std::optional<std::uint64_t> baseCrlNumber = std::nullopt;
};

class RevocationList {
public:
    // Throws MalformedCrlError for input that does not parse, has trailing bytes, or lacks
    // what this profile requires (v2, nextUpdate, a CRL number that fits 63 bits).
    static RevocationList fromDer(ByteView der);
    static RevocationList fromPem(std::string_view pem);
    static RevocationList adopt(X509_CRL* crl);

    [[nodiscard]] Bytes der() const;
    [[nodiscard]] std::string pem() const;
    [[nodiscard]] std::uint64_t crlNumber() const { return crlNumber_; }
    [[nodiscard]] std::chrono::system_clock::time_point thisUpdate() const { return thisUpdate_; }
    [[nodiscard]] std::chrono::system_clock::time_point nextUpdate() const { return nextUpdate_; }
    [[nodiscard]] std::string issuer() const;
    // The deltaCRLIndicator's BaseCRLNumber for a delta CRL; nullopt for a complete CRL.
    [[nodiscard]] std::optional<std::uint64_t> baseCrlNumber() const { return baseCrlNumber_; }
    [[nodiscard]] bool isDelta() const { return baseCrlNumber_.has_value(); }
    // Decodes every entry; throws MalformedCrlError for a negative serial or an unknown reason.
    [[nodiscard]] std::vector<RevokedCertificate> entries() const;

    [[nodiscard]] X509_CRL* native() const { return crl_.get(); }

private:
    explicit RevocationList(std::shared_ptr<X509_CRL> crl);
    std::shared_ptr<X509_CRL> crl_;
    std::uint64_t crlNumber_ = 0;
    std::optional<std::uint64_t> baseCrlNumber_;
    std::chrono::system_clock::time_point thisUpdate_;
    std::chrono::system_clock::time_point nextUpdate_;
};

} // namespace fmc::crypto::pki
