#include "crypto/crypto_error.hpp"
#include "crypto/digest.hpp"
#include "crypto/ec_key.hpp"

#include <catch2/catch.hpp>

using fmc::Bytes;
using fmc::crypto::Curve;
using fmc::crypto::EcPrivateKey;
using fmc::crypto::EcPublicKey;

TEST_CASE("ECDSA sign and verify round trip on P-256 and P-384", "[crypto][ec]") {
    for (Curve curve : {Curve::p256, Curve::p384}) {
        const EcPrivateKey key = EcPrivateKey::generate(curve);
        CHECK(key.curve() == curve);
        const Bytes digest = fmc::crypto::sha256(Bytes{'h', 'i'});
        const Bytes signature = key.signDigest(digest);
        const EcPublicKey pub = key.publicKey();
        CHECK(pub.verifyDigest(digest, signature));

        Bytes otherDigest = digest;
        otherDigest[0] ^= 0x01;
        CHECK_FALSE(pub.verifyDigest(otherDigest, signature));

        const EcPublicKey stranger = EcPrivateKey::generate(curve).publicKey();
        CHECK_FALSE(stranger.verifyDigest(digest, signature));
    }
}

TEST_CASE("malformed signatures are rejected, not thrown", "[crypto][ec]") {
    const EcPrivateKey key = EcPrivateKey::generate(Curve::p256);
    const Bytes digest = fmc::crypto::sha256(Bytes{1, 2, 3});
    Bytes signature = key.signDigest(digest);
    CHECK_FALSE(key.publicKey().verifyDigest(digest, Bytes{}));
    CHECK_FALSE(key.publicKey().verifyDigest(digest, Bytes{0x30, 0x02, 0x02}));
    CHECK_FALSE(key.publicKey().verifyDigest(digest, Bytes(72, 0xFF)));
    signature.pop_back();
    CHECK_FALSE(key.publicKey().verifyDigest(digest, signature));
}

TEST_CASE("public keys survive the point and SPKI encodings", "[crypto][ec]") {
    const EcPrivateKey key = EcPrivateKey::generate(Curve::p256);
    const Bytes point = key.publicKey().uncompressedPoint();
    REQUIRE(point.size() == 65);
    CHECK(point[0] == 0x04);

    const EcPublicKey fromPoint = EcPublicKey::fromUncompressedPoint(Curve::p256, point);
    CHECK(fromPoint.uncompressedPoint() == point);
    const EcPublicKey fromSpki = EcPublicKey::fromSubjectPublicKeyInfo(fromPoint.subjectPublicKeyInfo());
    CHECK(fromSpki.curve() == Curve::p256);
    CHECK(fromSpki.uncompressedPoint() == point);

    const Bytes digest = fmc::crypto::sha256(point);
    CHECK(fromSpki.verifyDigest(digest, key.signDigest(digest)));
}

TEST_CASE("bad public points and SPKI are refused", "[crypto][ec]") {
    Bytes point = EcPrivateKey::generate(Curve::p256).publicKey().uncompressedPoint();
    CHECK_THROWS_AS(EcPublicKey::fromUncompressedPoint(Curve::p384, point), fmc::crypto::CryptoError);
    point[64] ^= 0x01;  // almost surely off the curve now
    CHECK_THROWS_AS(EcPublicKey::fromUncompressedPoint(Curve::p256, point), fmc::crypto::CryptoError);
    CHECK_THROWS_AS(EcPublicKey::fromSubjectPublicKeyInfo(Bytes{0x30, 0x03, 0x01}), fmc::crypto::CryptoError);
}

TEST_CASE("PKCS#8 round trip keeps the key", "[crypto][ec]") {
    const EcPrivateKey key = EcPrivateKey::generate(Curve::p384);
    const fmc::SecretBytes der = key.toPkcs8();
    const EcPrivateKey again = EcPrivateKey::fromPkcs8(der);
    CHECK(again.curve() == Curve::p384);
    CHECK(again.publicKey().uncompressedPoint() == key.publicKey().uncompressedPoint());
    const Bytes digest = fmc::crypto::sha384(Bytes{9});
    CHECK(key.publicKey().verifyDigest(digest, again.signDigest(digest)));
    CHECK_THROWS_AS(EcPrivateKey::fromPkcs8(fmc::SecretBytes(Bytes{0x30, 0x01, 0x00})),
                    fmc::crypto::CryptoError);
}

TEST_CASE("ECDH gives both sides the same secret", "[crypto][ec]") {
    const EcPrivateKey alice = EcPrivateKey::generate(Curve::p256);
    const EcPrivateKey bob = EcPrivateKey::generate(Curve::p256);
    const fmc::SecretBytes ab = alice.deriveSharedSecret(bob.publicKey());
    CHECK(ab.size() == 32);
    CHECK(ab == bob.deriveSharedSecret(alice.publicKey()));
    CHECK_THROWS_AS(alice.deriveSharedSecret(EcPrivateKey::generate(Curve::p384).publicKey()),
                    fmc::crypto::CryptoError);
}
