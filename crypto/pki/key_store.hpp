#pragma once
// Where a CA's private key lives. Callers never see the key: they hand a finished
// to-be-signed certificate or CRL to the store, which signs it in place. An encrypted
// PKCS#8 file and a PKCS#11 token (through libp11's OpenSSL engine: an EVP_PKEY whose
// operations run on the token) both fit, because OpenSSL's X509_sign / X509_CRL_sign only
// need an EVP_PKEY handle; the one signing path below is shared by every implementation.
#include "crypto/ec_key.hpp"

#include <openssl/types.h>

namespace fmc::crypto::pki {

class KeyStore {
public:
    KeyStore() = default;
    KeyStore(const KeyStore&) = delete;
    KeyStore& operator=(const KeyStore&) = delete;
    virtual ~KeyStore() = default;

    // The public half, for the CA certificate and for checking what was signed.
    [[nodiscard]] virtual EcPublicKey publicKey() const = 0;

    // ECDSA with SHA-256 for a P-256 key, SHA-384 for P-384 (RFC 5758 §3.2, RFC 5480 §4).
    // Sets the signature algorithm fields and the signature; throws CryptoError on failure.
    void signCertificate(X509* certificate) const;
    void signRevocationList(X509_CRL* crl) const;
    // The same signature over arbitrary bytes (hashed here), as a DER ECDSA-Sig-Value: for
    // what is neither a certificate nor a CRL, such as a tag credential's COSE Sig_structure.
    // Goes through signingKey(), so a token key signs on the token.
    [[nodiscard]] Bytes signData(ByteView data) const;

protected:
    // CMS signing (CertificateAuthority::signCms) needs the handle itself: CMS_sign takes an
    // EVP_PKEY and there is no in-place object to hand over as for certificates and CRLs.
    friend class CertificateAuthority;
    // A handle OpenSSL can sign with. The store keeps ownership; a token-backed store
    // returns an engine key whose private part never leaves the token.
    [[nodiscard]] virtual EVP_PKEY* signingKey() const = 0;
};

} // namespace fmc::crypto::pki
