// GENERATE, signing with 9A/9C/9D/9E, GET/PUT DATA, and the contactless rules.
#include "vcard_test_support.hpp"

#include "card/tlv.hpp"
#include "crypto/digest.hpp"
#include "crypto/ec_key.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::vcard;
using fmc::card::vcard::testing::hex;
using fmc::card::vcard::testing::TestCard;

namespace {

crypto::EcPublicKey generate(TestCard& card, std::uint8_t slot, std::uint8_t algorithm) {
    const ResponseApdu answer = card.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, slot,
                                          Bytes{0xAC, 0x03, 0x80, 0x01, algorithm});
    REQUIRE(answer.isSuccess());
    const Bytes& d = answer.data();
    const std::size_t pointLength = algorithm == piv::algorithm::kEccP256 ? 65 : 97;
    // 7F 49 L 86 L 04 X Y with short-form lengths: yubico-piv-tool reads fixed offsets.
    REQUIRE(d.size() == 5 + pointLength);
    CHECK(d[0] == 0x7F);
    CHECK(d[1] == 0x49);
    CHECK(d[2] == pointLength + 2);
    CHECK(d[3] == 0x86);
    CHECK(d[4] == pointLength);
    return crypto::EcPublicKey::fromUncompressedPoint(
        algorithm == piv::algorithm::kEccP256 ? crypto::Curve::p256 : crypto::Curve::p384,
        ByteView(d).subspan(5));
}

Bytes signRequest(ByteView digest) {
    Bytes body{0x82, 0x00};
    const Bytes challenge = encodeTlv(0x81, digest);
    body.insert(body.end(), challenge.begin(), challenge.end());
    return encodeTlv(0x7C, body);
}

// 7C L 82 L <DER signature> -> the signature.
Bytes signatureFrom(const ResponseApdu& answer) {
    const Tlv outer = parseSingleTlv(answer.data());
    REQUIRE(outer.tag == 0x7C);
    const Tlv inner = parseSingleTlv(outer.value);
    REQUIRE(inner.tag == 0x82);
    return inner.value;
}

Bytes putDataBody(const char* tagHex, const Bytes& value) {
    Bytes body = hex(std::string("5C03") + tagHex);
    const Bytes wrapped = encodeTlv(0x53, value);
    body.insert(body.end(), wrapped.begin(), wrapped.end());
    return body;
}

} // namespace

TEST_CASE("GENERATE needs the management key and answers the public point", "[vcard][keys]") {
    TestCard card;
    card.select();
    CHECK(card.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, 0x9E, hex("AC03800111")).sw() == 0x6982);
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    CHECK(card.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, 0x9B, hex("AC03800111")).sw() == 0x6A86);
    CHECK(card.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, 0x9E, hex("AC03800107")).sw() == 0x6A80);  // no RSA
    CHECK(card.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, 0x9E, hex("AC0380")).sw() == 0x6A80);
    const int savesBefore = card.saves;
    const crypto::EcPublicKey p256 = generate(card, 0x9E, piv::algorithm::kEccP256);
    CHECK(card.saves == savesBefore + 1);
    generate(card, 0x9A, piv::algorithm::kEccP384);
    // Yubico's extra policy tags are accepted.
    CHECK(card.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, 0x9D, hex("AC09800111AA0101AB0101")).isSuccess());

    // Metadata shows the public key, never the private one.
    const ResponseApdu metadata = card.send(piv::ins::kGetMetadata, 0x00, 0x9E);
    REQUIRE(metadata.isSuccess());
    const auto items = parseTlvs(metadata.data());
    CHECK(findTlv(items, 0x01) == Bytes{0x11});
    CHECK(findTlv(items, 0x02) == Bytes{0x01, 0x01});
    CHECK(findTlv(items, 0x03) == Bytes{0x01});
    CHECK(findTlv(items, 0x04) == encodeTlv(0x86, p256.uncompressedPoint()));
}

TEST_CASE("9E signs without a PIN; the signature verifies", "[vcard][keys]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    const crypto::EcPublicKey key = generate(card, 0x9E, piv::algorithm::kEccP256);
    card.applet.powerCycle();
    card.select();
    const Bytes digest = crypto::sha256(hex("0102030405"));
    const ResponseApdu answer = card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9E, signRequest(digest));
    REQUIRE(answer.isSuccess());
    CHECK(key.verifyDigest(digest, signatureFrom(answer)));
    // A wrong algorithm in P1, an empty slot, a malformed template.
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x14, 0x9E, signRequest(digest)).sw() == 0x6A86);
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9C, signRequest(digest)).sw() == 0x6A88);
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9E, hex("7C0482008100")).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9E, hex("7C05820081")).sw() == 0x6A80);
}

TEST_CASE("digests are padded or truncated to the curve size", "[vcard][keys]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    const crypto::EcPublicKey p384 = generate(card, 0x9E, piv::algorithm::kEccP384);
    const Bytes shortDigest = crypto::sha256(hex("AA"));
    Bytes padded(16, 0x00);
    padded.insert(padded.end(), shortDigest.begin(), shortDigest.end());
    const ResponseApdu answer = card.send(piv::ins::kGeneralAuthenticate, 0x14, 0x9E, signRequest(shortDigest));
    REQUIRE(answer.isSuccess());
    CHECK(p384.verifyDigest(padded, signatureFrom(answer)));
}

TEST_CASE("9A and 9D need the PIN; 9C needs it before every signature", "[vcard][keys][pin]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    const crypto::EcPublicKey a = generate(card, 0x9A, piv::algorithm::kEccP256);
    const crypto::EcPublicKey c = generate(card, 0x9C, piv::algorithm::kEccP256);
    generate(card, 0x9D, piv::algorithm::kEccP256);
    const Bytes digest = crypto::sha256(hex("00"));
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9A, signRequest(digest)).sw() == 0x6982);
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9C, signRequest(digest)).sw() == 0x6982);
    REQUIRE(card.verifyPin("123456").isSuccess());
    const ResponseApdu byA = card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9A, signRequest(digest));
    CHECK(a.verifyDigest(digest, signatureFrom(byA)));
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9A, signRequest(digest)).isSuccess());
    const ResponseApdu byC = card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9C, signRequest(digest));
    CHECK(c.verifyDigest(digest, signatureFrom(byC)));
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9C, signRequest(digest)).sw() == 0x6982);
    REQUIRE(card.verifyPin("123456").isSuccess());
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9C, signRequest(digest)).isSuccess());
}

TEST_CASE("ECDH with the key-management key", "[vcard][keys]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    const crypto::EcPublicKey cardKey = generate(card, 0x9D, piv::algorithm::kEccP256);
    REQUIRE(card.verifyPin("123456").isSuccess());
    const crypto::EcPrivateKey host = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    Bytes body{0x82, 0x00};
    const Bytes point = encodeTlv(0x85, host.publicKey().uncompressedPoint());
    body.insert(body.end(), point.begin(), point.end());
    const ResponseApdu answer = card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9D, encodeTlv(0x7C, body));
    REQUIRE(answer.isSuccess());
    CHECK(SecretBytes(signatureFrom(answer)) == host.deriveSharedSecret(cardKey));
}

TEST_CASE("GET DATA and PUT DATA for the standard objects", "[vcard][data]") {
    TestCard card;
    card.select();
    // Factory Discovery, answered bare.
    CHECK(toHex(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C017E")).data()) ==
          "7E124F0BA0000003080000100001005F2F024000");
    const Bytes chuid = hex("3019D4E739DA739CED39CE739D836858210842108421C84210C3EB34103FB0B5D6A4F34F7BA1C5A14A2D33D2F2350832303330303130313E00FE00");
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody("5FC102", chuid), 0).sw() == 0x6982);
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    REQUIRE(card.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody("5FC102", chuid), 0).isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC102")).data() == encodeTlv(0x53, chuid));

    // Certificates, CCC, key history.
    const Bytes cert = hex("7003300100710100FE00");
    for (const char* tag : {"5FC105", "5FC10A", "5FC10B", "5FC101", "5FC107", "5FC10C"}) {
        REQUIRE(card.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody(tag, cert), 0).isSuccess());
        CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex(std::string("5C03") + tag)).data() == encodeTlv(0x53, cert));
    }
    // An empty 53 deletes.
    REQUIRE(card.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody("5FC10C", {}), 0).isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC10C")).sw() == 0x6A82);
    // Not PIV objects, bad structures.
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody("123456", cert), 0).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, hex("5C035FC1025401"), 0).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, hex("5C035FC102"), 0).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0x00, putDataBody("5FC102", chuid), 0).sw() == 0x6A86);
}

TEST_CASE("both forms of writing Discovery are accepted", "[vcard][data]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    const Bytes discovery = hex("7E124F0BA0000003080000100001005F2F024000");
    // The spec's bare 7E TLV ...
    REQUIRE(card.send(piv::ins::kPutData, 0x3F, 0xFF, hex("7E124F0BA0000003080000100001005F2F025000"), 0).isSuccess());
    CHECK(toHex(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C017E")).data()).substr(36) == "5000");
    // ... and yubico-piv-tool's 5C 01 7E 53 L ...
    Bytes yubico = hex("5C017E");
    const Bytes wrapped = encodeTlv(0x53, discovery);
    yubico.insert(yubico.end(), wrapped.begin(), wrapped.end());
    REQUIRE(card.send(piv::ins::kPutData, 0x3F, 0xFF, yubico, 0).isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C017E")).data() == discovery);
    // Trailing bytes after a bare 7E are refused.
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, hex("7E0100FF"), 0).sw() == 0x6A80);
}

TEST_CASE("Printed Information needs the PIN", "[vcard][data][pin]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    REQUIRE(card.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody("5FC109", hex("0103414243FE00")), 0).isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC109")).sw() == 0x6982);
    REQUIRE(card.verifyPin("123456").isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC109")).isSuccess());
}

TEST_CASE("contactless: CHUID, Discovery, 9E certificate and 9E signing only", "[vcard][contactless]") {
    // Personalise over contact, then present the same card contactless.
    TestCard personalise;
    personalise.select();
    REQUIRE(personalise.authenticateDefaultManagementKey() == 0x9000);
    const crypto::EcPublicKey key = generate(personalise, 0x9E, piv::algorithm::kEccP256);
    generate(personalise, 0x9A, piv::algorithm::kEccP256);
    for (const char* tag : {"5FC102", "5FC101", "5FC105", "5FC109"})
        REQUIRE(personalise.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody(tag, hex("FE00")), 0).isSuccess());

    TestCard card(CardInterface::contactless, personalise.applet.state());
    card.select();
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC102")).isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC101")).isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C017E")).isSuccess());
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC105")).sw() == 0x6A81);
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC109")).sw() == 0x6A81);
    const Bytes digest = crypto::sha256(hex("42"));
    const ResponseApdu signature = card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9E, signRequest(digest));
    REQUIRE(signature.isSuccess());
    CHECK(key.verifyDigest(digest, signatureFrom(signature)));
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x11, 0x9A, signRequest(digest)).sw() == 0x6A81);
    // No administration, no PIN.
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C028000")).sw() == 0x6A81);
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C028100")).sw() == 0x6A81);
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, putDataBody("5FC102", hex("FE00")), 0).sw() == 0x6A81);
    CHECK(card.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, 0x9E, hex("AC03800111")).sw() == 0x6A81);
    CHECK(card.verifyPin("123456").sw() == 0x6A81);
    CHECK(card.rawSw("00200080") == 0x6A81);
    CHECK(card.send(piv::ins::kChangeReferenceData, 0x00, 0x80, Bytes(16, 0x31), 0).sw() == 0x6A81);
    CHECK(card.send(piv::ins::kResetRetryCounter, 0x00, 0x80, Bytes(16, 0x31), 0).sw() == 0x6A81);
    CHECK(card.send(piv::ins::kSetManagementKey, 0xFF, 0xFF, Bytes(19, 0x01), 0).sw() == 0x6A81);
    CHECK(card.applet.state().pinTriesLeft == 3);
}
