#include "crypto/pki/key_store.hpp"

#include "crypto/crypto_error.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

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

} // namespace fmc::crypto::pki
