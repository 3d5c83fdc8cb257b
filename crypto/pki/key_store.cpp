#include "crypto/pki/key_store.hpp"

#include "crypto/crypto_error.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace fmc::crypto::pki {

namespace {
const EVP_MD* digestFor(EVP_PKEY* key) {
    if (key == nullptr) throw CryptoError("key store has no signing key");
    return EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
}
} // namespace

void KeyStore::signCertificate(X509* certificate) const {
    EVP_PKEY* key = signingKey();
    if (X509_sign(certificate, key, digestFor(key)) <= 0) throwOpenSslError("signing a certificate");
}

void KeyStore::signRevocationList(X509_CRL* crl) const {
    EVP_PKEY* key = signingKey();
    if (X509_CRL_sign(crl, key, digestFor(key)) <= 0) throwOpenSslError("signing a CRL");
}

Bytes KeyStore::signData(ByteView data) const {
    EVP_PKEY* key = signingKey();
    const EVP_MD* digest = digestFor(key);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    // EVP_DigestSign* hashes and signs through the key's own method, so an engine (PKCS#11
    // token) key signs on the token exactly as in X509_sign.
    std::size_t length = 0;
    if (!context || EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, key) != 1 ||
        EVP_DigestSignUpdate(context.get(), data.data(), data.size()) != 1 ||
        EVP_DigestSignFinal(context.get(), nullptr, &length) != 1)
        throwOpenSslError("signing data");
    Bytes signature(length);
    if (EVP_DigestSignFinal(context.get(), signature.data(), &length) != 1) throwOpenSslError("signing data");
    signature.resize(length);
    return signature;
}

} // namespace fmc::crypto::pki
