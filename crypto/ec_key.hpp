#pragma once
// Elliptic-curve keys over OpenSSL 3 EVP_PKEY (no deprecated EC_KEY calls).
#include "crypto/bytes.hpp"

#include <memory>
#include <optional>

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT: OpenSSL's own forward declaration

namespace fmc::crypto {

enum class Curve { p256, p384 };

// The curve of an OpenSSL key; nullopt for a key that is not EC or on another curve.
[[nodiscard]] std::optional<Curve> curveOfKey(const EVP_PKEY* key);

class EcPublicKey {
public:
    // From an uncompressed point 04||X||Y (what PIV GENERATE returns in tag 86).
    static EcPublicKey fromUncompressedPoint(Curve curve, ByteView point);
    // From a DER SubjectPublicKeyInfo.
    static EcPublicKey fromSubjectPublicKeyInfo(ByteView der);

    [[nodiscard]] Curve curve() const { return curve_; }
    [[nodiscard]] Bytes uncompressedPoint() const;
    [[nodiscard]] Bytes subjectPublicKeyInfo() const;
    // Verifies a DER ECDSA-Sig-Value over a precomputed digest. False for a wrong or
    // malformed signature; never throws for bad signature bytes.
    [[nodiscard]] bool verifyDigest(ByteView digest, ByteView derSignature) const;

    [[nodiscard]] EVP_PKEY* native() const { return key_.get(); }

private:
    EcPublicKey(std::shared_ptr<EVP_PKEY> key, Curve curve) : key_(std::move(key)), curve_(curve) {}
    std::shared_ptr<EVP_PKEY> key_;
    Curve curve_;
};

class EcPrivateKey {
public:
    static EcPrivateKey generate(Curve curve);
    // Unencrypted PKCS#8 DER, for the virtual card's own storage only.
    static EcPrivateKey fromPkcs8(const SecretBytes& der);
    [[nodiscard]] SecretBytes toPkcs8() const;

    [[nodiscard]] Curve curve() const { return curve_; }
    [[nodiscard]] EcPublicKey publicKey() const;
    // ECDSA over a precomputed digest; returns a DER ECDSA-Sig-Value.
    [[nodiscard]] Bytes signDigest(ByteView digest) const;
    // ECDH (SP 800-56A Cofactor DH primitive): the x-coordinate of the shared point, what
    // PIV key agreement with the key-management key (9D) returns. Throws CryptoError for a
    // peer on another curve.
    [[nodiscard]] SecretBytes deriveSharedSecret(const EcPublicKey& peer) const;

    [[nodiscard]] EVP_PKEY* native() const { return key_.get(); }

private:
    EcPrivateKey(std::shared_ptr<EVP_PKEY> key, Curve curve) : key_(std::move(key)), curve_(curve) {}
    std::shared_ptr<EVP_PKEY> key_;
    Curve curve_;
};

} // namespace fmc::crypto
