#include "crypto/ec_key.hpp"

#include "crypto/crypto_error.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <climits>
#include <cstring>
#include <string>

namespace fmc::crypto {

namespace {

struct PkeyContextDeleter {
    void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, PkeyContextDeleter>;

std::shared_ptr<EVP_PKEY> adopt(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

const char* groupName(Curve curve) { return curve == Curve::p256 ? "P-256" : "P-384"; }

std::size_t fieldBytes(Curve curve) { return curve == Curve::p256 ? 32 : 48; }

// The curve of a parsed key; anything but P-256 / P-384 is refused (SP 800-78-4 Table 3-1).
Curve curveOf(const EVP_PKEY* key) {
    if (const std::optional<Curve> curve = curveOfKey(key)) return *curve;
    throw CryptoError("not an EC key on P-256 or P-384");
}

Bytes encodedPublicPoint(const EVP_PKEY* key) {
    std::size_t length = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0, &length) != 1)
        throwOpenSslError("reading the EC public point");
    Bytes point(length);
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(),
                                        point.size(), &length) != 1)
        throwOpenSslError("reading the EC public point");
    point.resize(length);
    return point;
}

} // namespace

std::optional<Curve> curveOfKey(const EVP_PKEY* key) {
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return std::nullopt;
    char name[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    const std::string group(name, length);
    if (group == "prime256v1" || group == "P-256" || group == "secp256r1") return Curve::p256;
    if (group == "secp384r1" || group == "P-384") return Curve::p384;
    return std::nullopt;
}

EcPublicKey EcPublicKey::fromUncompressedPoint(Curve curve, ByteView point) {
    // SEC 1 §2.3.3: 04 || X || Y, each coordinate the field size.
    if (point.size() != 1 + 2 * fieldBytes(curve) || point[0] != 0x04)
        throw CryptoError("not an uncompressed point on " + std::string(groupName(curve)));
    PkeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!context || EVP_PKEY_fromdata_init(context.get()) != 1) throwOpenSslError("EC key import");
    Bytes pointCopy(point.begin(), point.end());
    std::string group = groupName(curve);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pointCopy.data(), pointCopy.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1 || key == nullptr)
        throwOpenSslError("EC public point is not on the curve");
    auto owned = adopt(key);
    // fromdata accepts any encoding; make sure the point really lies on the curve.
    PkeyContext checkContext(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!checkContext || EVP_PKEY_public_check(checkContext.get()) != 1)
        throwOpenSslError("EC public point is not on the curve");
    return {owned, curve};
}

EcPublicKey EcPublicKey::fromSubjectPublicKeyInfo(ByteView der) {
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw CryptoError("SubjectPublicKeyInfo too large");
    const unsigned char* cursor = der.data();
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size()));
    if (key == nullptr) throwOpenSslError("parsing SubjectPublicKeyInfo");
    auto owned = adopt(key);
    if (cursor != der.data() + der.size()) throw CryptoError("trailing bytes after SubjectPublicKeyInfo");
    return {owned, curveOf(key)};
}

Bytes EcPublicKey::uncompressedPoint() const { return encodedPublicPoint(key_.get()); }

Bytes EcPublicKey::subjectPublicKeyInfo() const {
    int length = i2d_PUBKEY(key_.get(), nullptr);
    if (length <= 0) throwOpenSslError("encoding SubjectPublicKeyInfo");
    Bytes der(static_cast<std::size_t>(length));
    unsigned char* cursor = der.data();
    if (i2d_PUBKEY(key_.get(), &cursor) != length) throwOpenSslError("encoding SubjectPublicKeyInfo");
    return der;
}

bool EcPublicKey::verifyDigest(ByteView digest, ByteView derSignature) const {
    PkeyContext context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    if (!context || EVP_PKEY_verify_init(context.get()) != 1) throwOpenSslError("ECDSA verify init");
    const int result = EVP_PKEY_verify(context.get(), derSignature.data(), derSignature.size(),
                                       digest.data(), digest.size());
    // 0 = wrong signature, negative = unparsable DER: both are simply "not verified".
    ERR_clear_error();
    return result == 1;
}

EcPrivateKey EcPrivateKey::generate(Curve curve) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", groupName(curve));
    if (key == nullptr) throwOpenSslError("EC key generation");
    return {adopt(key), curve};
}

EcPrivateKey EcPrivateKey::fromPkcs8(const SecretBytes& der) {
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw CryptoError("PKCS#8 too large");
    const unsigned char* cursor = der.data();
    PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>(der.size()));
    if (info == nullptr) throwOpenSslError("parsing PKCS#8");
    EVP_PKEY* key = EVP_PKCS82PKEY(info);
    PKCS8_PRIV_KEY_INFO_free(info);
    if (key == nullptr) throwOpenSslError("parsing PKCS#8");
    auto owned = adopt(key);
    return {owned, curveOf(key)};
}

SecretBytes EcPrivateKey::toPkcs8() const {
    PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key_.get());
    if (info == nullptr) throwOpenSslError("encoding PKCS#8");
    unsigned char* der = nullptr;
    const int length = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
    PKCS8_PRIV_KEY_INFO_free(info);
    if (length <= 0 || der == nullptr) throwOpenSslError("encoding PKCS#8");
    SecretBytes out(Bytes(der, der + length));
    OPENSSL_clear_free(der, static_cast<std::size_t>(length));
    return out;
}

EcPublicKey EcPrivateKey::publicKey() const {
    return EcPublicKey::fromUncompressedPoint(curve_, encodedPublicPoint(key_.get()));
}

Bytes EcPrivateKey::signDigest(ByteView digest) const {
    if (digest.empty()) throw CryptoError("ECDSA over an empty digest");
    PkeyContext context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    if (!context || EVP_PKEY_sign_init(context.get()) != 1) throwOpenSslError("ECDSA sign init");
    std::size_t length = 0;
    if (EVP_PKEY_sign(context.get(), nullptr, &length, digest.data(), digest.size()) != 1)
        throwOpenSslError("ECDSA sign");
    Bytes signature(length);
    if (EVP_PKEY_sign(context.get(), signature.data(), &length, digest.data(), digest.size()) != 1)
        throwOpenSslError("ECDSA sign");
    signature.resize(length);
    return signature;
}

SecretBytes EcPrivateKey::deriveSharedSecret(const EcPublicKey& peer) const {
    if (peer.curve() != curve_) throw CryptoError("ECDH peer key is on another curve");
    PkeyContext context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    if (!context || EVP_PKEY_derive_init(context.get()) != 1 ||
        EVP_PKEY_derive_set_peer(context.get(), peer.native()) != 1)
        throwOpenSslError("ECDH init");
    std::size_t length = 0;
    if (EVP_PKEY_derive(context.get(), nullptr, &length) != 1) throwOpenSslError("ECDH");
    Bytes secret(length);
    if (EVP_PKEY_derive(context.get(), secret.data(), &length) != 1) {
        secureWipe(secret.data(), secret.size());
        throwOpenSslError("ECDH");
    }
    secret.resize(length);
    return SecretBytes(std::move(secret));
}

} // namespace fmc::crypto
