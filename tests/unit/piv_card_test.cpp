// PivCard against scripted APDU conversations: the exact bytes it sends and how it reads the
// answers, the expected status words and the broken ones.
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "crypto/block_cipher.hpp"
#include "crypto/digest.hpp"
#include "support/scripted_transport.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card::piv;
using fmc::card::CardProtocolError;
using fmc::card::CardStatusError;
using fmc::card::encodeTlv;
using fmc::test::ScriptedTransport;

namespace {

struct ScriptedCard {
    ScriptedTransport script;
    card::CardChannel channel{script};
    PivCard piv{channel};
};

Bytes withSw(ByteView data, std::string_view sw) { return concat({data, fromHex(sw)}); }
SecretBytes secret(std::string_view text) { return SecretBytes(text); }
SecretBytes defaultManagementKey() {
    return SecretBytes(Bytes(kDefaultManagementKey.begin(), kDefaultManagementKey.end()));
}

} // namespace

// ---- SELECT ---------------------------------------------------------------------------------

TEST_CASE("select with the 5-byte RID reads a YubiKey-style answer", "[piv][card]") {
    ScriptedCard card;
    card.script.expect("00A4040005A00000030800", "61114F0600001000010079074F05A0000003089000");
    const ApplicationProperties properties = card.piv.select(kRid);
    CHECK(toHex(properties.applicationIdentifier) == "000010000100");
    CHECK(toHex(properties.coexistentTagAuthority) == "A000000308");
    CHECK_FALSE(properties.label);
    card.script.requireFinished();
}

TEST_CASE("select with OpenSC's 9-byte AID reads a full template", "[piv][card]") {
    ScriptedCard card;
    const Bytes algorithms = concat({encodeTlv(0x80, fromHex("11")), encodeTlv(0x80, fromHex("14")),
                                     encodeTlv(0x06, ByteView{})});
    const std::string label = "FMC virtual PIV";
    const Bytes apt = encodeTlv(0x61, concat({encodeTlv(0x4F, kAid), encodeTlv(0x79, encodeTlv(0x4F, kRid)),
                                              encodeTlv(0x50, Bytes(label.begin(), label.end())),
                                              encodeTlv(0xAC, algorithms)}));
    card.script.expect(fromHex("00A4040009A0000003080000100000"), withSw(apt, "9000"));
    const ApplicationProperties properties = card.piv.select(fromHex("A00000030800001000"));
    CHECK(properties.applicationIdentifier == Bytes(kAid.begin(), kAid.end()));
    CHECK(properties.label == label);
    CHECK(properties.algorithms == std::vector<std::uint8_t>{0x11, 0x14});
    card.script.requireFinished();
}

TEST_CASE("select failures", "[piv][card]") {
    ScriptedCard card;
    SECTION("no PIV application: 6A82 through the status table") {
        card.script.expect("00A404000BA000000308000010000100" "00", "6A82");
        try {
            card.piv.select();
            FAIL("select must throw");
        } catch (const CardStatusError& error) {
            CHECK(error.sw() == 0x6A82);
            CHECK(error.kind() == card::StatusKind::notFound);
            CHECK_THAT(error.what(), Catch::StartsWith("SELECT PIV application"));
        }
    }
    SECTION("another application answered") {
        card.script.expect("00A404000BA000000308000010000100" "00", "61074F05A0000000039000");
        CHECK_THROWS_AS(card.piv.select(), CardProtocolError);
    }
    SECTION("no property template") {
        card.script.expect("00A404000BA000000308000010000100" "00", "9000");
        CHECK_THROWS_AS(card.piv.select(), CardProtocolError);
    }
}

// ---- data objects ---------------------------------------------------------------------------

TEST_CASE("readCertificate collects a 61xx chained answer through CardChannel", "[piv][card]") {
    ScriptedCard card;
    Bytes der = fromHex("30820254");
    for (std::size_t i = 0; i < 596; ++i) der.push_back(static_cast<std::uint8_t>(i * 7));
    const Bytes answer = encodeTlv(0x53, encodeCertificateObject(der));
    REQUIRE(answer.size() == 613);
    const ByteView all(answer);
    card.script.expect(fromHex("00CB3FFF055C035FC10100"), withSw(all.first(256), "6100"))
        .expect(fromHex("00C0000000"), withSw(all.subspan(256, 256), "6165"))
        .expect(fromHex("00C0000065"), withSw(all.subspan(512), "9000"));
    const std::optional<Bytes> certificate = card.piv.readCertificate(key::kCardAuthentication);
    REQUIRE(certificate);
    CHECK(*certificate == der);
    CHECK(card.channel.exchangeCount() == 3);
    card.script.requireFinished();
}

TEST_CASE("absent objects read as nullopt; refused ones throw", "[piv][card]") {
    ScriptedCard card;
    SECTION("6A82 -> nullopt") {
        card.script.expect("00CB3FFF055C035FC10500", "6A82");
        CHECK_FALSE(card.piv.readCertificate(key::kPivAuthentication));
    }
    SECTION("an empty object (a deleted certificate) -> nullopt") {
        card.script.expect("00CB3FFF055C035FC10A00", "53009000");
        CHECK_FALSE(card.piv.readCertificate(key::kDigitalSignature));
    }
    SECTION("6982 -> CardStatusError") {
        card.script.expect("00CB3FFF055C035FC10900", "6982");
        try {
            card.piv.readObject(object::kPrintedInformation);
            FAIL("readObject must throw");
        } catch (const CardStatusError& error) {
            CHECK(error.sw() == 0x6982);
            CHECK(std::string(error.what()) ==
                  "GET DATA 5FC109: card answered 6982 (security status not satisfied)");
        }
    }
    SECTION("an answer not wrapped in 53 -> CardProtocolError") {
        card.script.expect("00CB3FFF055C035FC10200", "5403AABBCC9000");
        CHECK_THROWS_AS(card.piv.readChuid(), CardProtocolError);
    }
    SECTION("a truncated answer -> CardProtocolError") {
        card.script.expect("00CB3FFF055C035FC10200", "5310AABBCC9000");
        CHECK_THROWS_AS(card.piv.readChuid(), CardProtocolError);
    }
    SECTION("a slot without a certificate object is a caller error") {
        CHECK_THROWS_AS(card.piv.readCertificate(key::kManagement), std::invalid_argument);
    }
    card.script.requireFinished();
}

TEST_CASE("CHUID and Discovery are read from their wrappers", "[piv][card]") {
    ScriptedCard card;
    const Chuid chuid = nonFederalChuid(uuidFromString("3f2504e0-4f89-41d3-9a0c-0305e82c3301"), "20301231");
    const Bytes discovery = fromHex("4F0BA0000003080000100001005F2F024000");
    card.script.expect(fromHex("00CB3FFF055C035FC10200"), withSw(encodeTlv(0x53, chuid.encode()), "9000"))
        .expect(fromHex("00CB3FFF035C017E00"), withSw(encodeTlv(0x7E, discovery), "9000"));
    CHECK(card.piv.readChuid() == chuid);
    CHECK(card.piv.readDiscovery() == discovery);
    card.script.requireFinished();
}

TEST_CASE("writeCertificate chains a long PUT DATA with CLA 10", "[piv][card]") {
    ScriptedCard card;
    const Bytes der(400, 0x30);
    const Bytes data = concat({fromHex("5C035FC101"), encodeTlv(0x53, encodeCertificateObject(der))});
    REQUIRE(data.size() == 418);
    const ByteView all(data);
    card.script.expect(concat({fromHex("10DB3FFFFF"), all.first(255)}), fromHex("9000"))
        .expect(concat({fromHex("00DB3FFFA3"), all.subspan(255)}), fromHex("9000"));
    card.piv.writeCertificate(key::kCardAuthentication, der);
    card.script.requireFinished();
}

TEST_CASE("PUT DATA without the management key is refused", "[piv][card]") {
    ScriptedCard card;
    const Chuid chuid = nonFederalChuid(randomUuid(), "20301231");
    card.script.expect(concat({fromHex("00DB3FFF"), Bytes{static_cast<std::uint8_t>(5 + 2 + chuid.encode().size())},
                               fromHex("5C035FC102"), encodeTlv(0x53, chuid.encode())}),
                       fromHex("6982"));
    CHECK_THROWS_AS(card.piv.writeChuid(chuid), CardStatusError);
    card.script.requireFinished();
}

// ---- PIN ------------------------------------------------------------------------------------

TEST_CASE("PIN verification, tries left, change and unblock", "[piv][card]") {
    ScriptedCard card;
    SECTION("a wrong PIN reports the tries left") {
        card.script.expect("00200080083132333435FFFFFF", "63C2");
        try {
            card.piv.verifyPin(secret("12345"));
            FAIL("verifyPin must throw");
        } catch (const CardStatusError& error) {
            CHECK(error.triesLeft() == 2);
            CHECK_THAT(error.what(), Catch::Contains("2 tries left"));
        }
    }
    SECTION("the right PIN") {
        card.script.expect("0020008008313233343536FFFF", "9000");
        CHECK_NOTHROW(card.piv.verifyPin(secret("123456")));
    }
    SECTION("a blocked PIN") {
        card.script.expect("0020008008313233343536FFFF", "6983");
        try {
            card.piv.verifyPin(secret("123456"));
            FAIL("verifyPin must throw");
        } catch (const CardStatusError& error) {
            CHECK(error.kind() == card::StatusKind::authenticationBlocked);
        }
    }
    SECTION("tries left from the empty VERIFY") {
        card.script.expect("00200080", "63C3").expect("00200080", "6983").expect("00200080", "9000");
        CHECK(card.piv.pinTriesLeft() == 3);
        CHECK(card.piv.pinTriesLeft() == 0);
        CHECK(card.piv.pinTriesLeft() == std::nullopt);
    }
    SECTION("the empty VERIFY with an unexpected status word") {
        card.script.expect("00200080", "6D00");
        CHECK_THROWS_AS(card.piv.pinTriesLeft(), CardStatusError);
    }
    SECTION("change PIN and PUK, unblock") {
        card.script.expect("0024008010313233343536FFFF" "363534333231FFFF", "9000")
            .expect("00240081103132333435363738" "3837363534333231", "9000")
            .expect("002C0080103837363534333231" "313131313131FFFF", "9000")
            .expect("002C0080103837363534333231" "313131313131FFFF", "63C1");
        card.piv.changePin(secret("123456"), secret("654321"));
        card.piv.changePuk(secret("12345678"), secret("87654321"));
        card.piv.unblockPin(secret("87654321"), secret("111111"));
        try {
            card.piv.unblockPin(secret("87654321"), secret("111111"));
            FAIL("unblockPin must throw");
        } catch (const CardStatusError& error) {
            CHECK(error.triesLeft() == 1);
        }
    }
    card.script.requireFinished();
}

// ---- management key -------------------------------------------------------------------------

namespace {

// Scripts the card's half of the mutual authentication (SP 800-73-4 Part 2 Appendix A): the
// card encrypts its random R as the witness, checks that the host returns R, and answers the
// host's challenge C with E(C) (or `tamper` applied to it).
void scriptMutualAuthentication(ScriptedTransport& script, std::uint8_t algorithmId,
                                crypto::BlockCipherAlgorithm cipher, const SecretBytes& cardKey,
                                const Bytes& cardRandom, bool tamper = false) {
    const std::size_t block = crypto::blockSize(cipher);
    const Bytes header{0x00, 0x87, algorithmId, 0x9B};
    const Bytes witness = crypto::ecbEncrypt(cipher, cardKey, cardRandom);
    script.expect(concat({header, fromHex("047C02800000")}),
                  withSw(encodeTlv(0x7C, encodeTlv(0x80, witness)), "9000"));
    const std::uint8_t templateLength = static_cast<std::uint8_t>(4 + 2 * block);
    const Bytes prefix = concat({header, Bytes{static_cast<std::uint8_t>(templateLength + 2), 0x7C, templateLength,
                                               0x80, static_cast<std::uint8_t>(block)},
                                 cardRandom, Bytes{0x81, static_cast<std::uint8_t>(block)}});
    script.expectPrefix(toHex(prefix), [=](ByteView command) {
        if (command.size() != prefix.size() + block + 1 || command.back() != 0x00)
            throw test::ScriptError("witness response of the wrong shape: " + toHex(command));
        const ByteView hostChallenge = command.subspan(prefix.size(), block);
        Bytes answer = crypto::ecbEncrypt(cipher, cardKey, hostChallenge);
        if (tamper) answer[0] ^= 0x01;
        return withSw(encodeTlv(0x7C, encodeTlv(0x82, answer)), "9000");
    });
}

} // namespace

TEST_CASE("management-key mutual authentication with the default 3DES key", "[piv][card]") {
    ScriptedCard card;
    const Bytes cardRandom = fromHex("A1B2C3D4E5F60718");
    scriptMutualAuthentication(card.script, algorithm::kTripleDes, crypto::BlockCipherAlgorithm::tripleDes,
                               defaultManagementKey(), cardRandom);
    CHECK_NOTHROW(card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey()));
    card.script.requireFinished();
}

TEST_CASE("management-key mutual authentication with AES-128", "[piv][card]") {
    ScriptedCard card;
    const SecretBytes key(fromHex("000102030405060708090A0B0C0D0E0F"));
    scriptMutualAuthentication(card.script, algorithm::kAes128, crypto::BlockCipherAlgorithm::aes128, key,
                               fromHex("00112233445566778899AABBCCDDEEFF"));
    CHECK_NOTHROW(card.piv.authenticateManagementKey(algorithm::kAes128, key));
    card.script.requireFinished();
}

TEST_CASE("management-key authentication failures", "[piv][card]") {
    ScriptedCard card;
    const Bytes cardRandom = fromHex("0102030405060708");
    SECTION("the card answers our challenge wrongly") {
        scriptMutualAuthentication(card.script, algorithm::kTripleDes, crypto::BlockCipherAlgorithm::tripleDes,
                                   defaultManagementKey(), cardRandom, true);
        CHECK_THROWS_AS(card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey()),
                        ManagementKeyMismatch);
    }
    SECTION("the card holds another key: our decrypted witness is wrong, it answers 6982") {
        const SecretBytes cardKey(fromHex("0F0E0D0C0B0A09080F0E0D0C0B0A09080F0E0D0C0B0A0908"));
        const Bytes witness = crypto::ecbEncrypt(crypto::BlockCipherAlgorithm::tripleDes, cardKey, cardRandom);
        const Bytes whatHostDecrypts =
            crypto::ecbDecrypt(crypto::BlockCipherAlgorithm::tripleDes, defaultManagementKey(), witness);
        card.script.expect(fromHex("0087039B047C02800000"), withSw(encodeTlv(0x7C, encodeTlv(0x80, witness)), "9000"))
            .expectPrefix("0087039B167C148008" + toHex(whatHostDecrypts), [](ByteView) { return fromHex("6982"); });
        try {
            card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey());
            FAIL("authentication must throw");
        } catch (const CardStatusError& error) {
            CHECK(error.sw() == 0x6982);
            CHECK_THAT(error.what(), Catch::Contains("wrong management key?"));
        }
    }
    SECTION("a witness that is not one block") {
        card.script.expect("0087039B047C02800000", "7C06800401020304" "9000");
        CHECK_THROWS_AS(card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey()),
                        CardProtocolError);
    }
    SECTION("a key of the wrong size is refused before anything is sent") {
        CHECK_THROWS_AS(card.piv.authenticateManagementKey(algorithm::kAes256, defaultManagementKey()),
                        std::invalid_argument);
    }
    card.script.requireFinished();
}

TEST_CASE("setManagementKey sends the vendor command", "[piv][card]") {
    ScriptedCard card;
    const SecretBytes aes192(fromHex("112233445566778899AABBCCDDEEFF00112233445566778899"));
    REQUIRE(aes192.size() == 25);  // one byte too many: refused
    CHECK_THROWS_AS(card.piv.setManagementKey(algorithm::kAes192, aes192), std::invalid_argument);
    const SecretBytes key(fromHex("112233445566778899AABBCCDDEEFF001122334455667788"));
    card.script.expect("00FFFFFF1B0A9B18112233445566778899AABBCCDDEEFF001122334455667788", "9000")
        .expect("00FFFFFE1B0A9B18112233445566778899AABBCCDDEEFF001122334455667788", "6982");
    card.piv.setManagementKey(algorithm::kAes192, key);
    CHECK_THROWS_AS(card.piv.setManagementKey(algorithm::kAes192, key, true), CardStatusError);
    card.script.requireFinished();
}

// ---- asymmetric keys ------------------------------------------------------------------------

TEST_CASE("generateKeyPair reads the point from 7F49/86", "[piv][card]") {
    ScriptedCard card;
    const auto curve = GENERATE(crypto::Curve::p256, crypto::Curve::p384);
    const std::uint8_t algorithmId = curve == crypto::Curve::p256 ? algorithm::kEccP256 : algorithm::kEccP384;
    const Bytes point = crypto::EcPrivateKey::generate(curve).publicKey().uncompressedPoint();
    const Bytes answer = encodeTlv(0x7F49, encodeTlv(0x86, point));
    CHECK(toHex(answer).substr(0, 10) == (curve == crypto::Curve::p256 ? "7F49438641" : "7F49638661"));
    card.script.expect(concat({fromHex("0047009E05AC038001"), Bytes{algorithmId}, fromHex("00")}), withSw(answer, "9000"));
    const crypto::EcPublicKey key = card.piv.generateKeyPair(key::kCardAuthentication, algorithmId);
    CHECK(key.curve() == curve);
    CHECK(key.uncompressedPoint() == point);
    card.script.requireFinished();
}

TEST_CASE("generateKeyPair rejects answers that are not a point on the curve", "[piv][card]") {
    ScriptedCard card;
    const std::string command = "0047009E05AC03800111" "00";
    SECTION("a P-384 point for a P-256 request") {
        const Bytes point = crypto::EcPrivateKey::generate(crypto::Curve::p384).publicKey().uncompressedPoint();
        card.script.expect(fromHex(command), withSw(encodeTlv(0x7F49, encodeTlv(0x86, point)), "9000"));
        CHECK_THROWS_AS(card.piv.generateKeyPair(key::kCardAuthentication, algorithm::kEccP256), CardProtocolError);
    }
    SECTION("a point off the curve") {
        Bytes point(65, 0x01);
        point[0] = 0x04;
        card.script.expect(fromHex(command), withSw(encodeTlv(0x7F49, encodeTlv(0x86, point)), "9000"));
        CHECK_THROWS_AS(card.piv.generateKeyPair(key::kCardAuthentication, algorithm::kEccP256), CardProtocolError);
    }
    SECTION("no 86 in the template") {
        card.script.expect(fromHex(command), fromHex("7F4903810100" "9000"));
        CHECK_THROWS_AS(card.piv.generateKeyPair(key::kCardAuthentication, algorithm::kEccP256), CardProtocolError);
    }
    SECTION("RSA is not this profile's business") {
        CHECK_THROWS_AS(card.piv.generateKeyPair(key::kCardAuthentication, algorithm::kRsa2048),
                        std::invalid_argument);
    }
    card.script.requireFinished();
}

TEST_CASE("signDigest returns the card's DER signature", "[piv][card]") {
    ScriptedCard card;
    const crypto::EcPrivateKey cardKey = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    const std::string challenge = "fresh terminal challenge";
    const Bytes digest = crypto::sha256(Bytes(challenge.begin(), challenge.end()));
    const Bytes signature = cardKey.signDigest(digest);
    card.script.expect(concat({fromHex("0087119E267C2482008120"), digest, fromHex("00")}),
                       withSw(encodeTlv(0x7C, encodeTlv(0x82, signature)), "9000"));
    const Bytes returned = card.piv.signDigest(key::kCardAuthentication, algorithm::kEccP256, digest);
    CHECK(returned == signature);
    CHECK(cardKey.publicKey().verifyDigest(digest, returned));
    // A digest of the wrong size for the curve never reaches the card.
    CHECK_THROWS_AS(card.piv.signDigest(key::kCardAuthentication, algorithm::kEccP384, digest),
                    std::invalid_argument);
    card.script.requireFinished();
}

TEST_CASE("signDigest failures", "[piv][card]") {
    ScriptedCard card;
    const Bytes digest(32, 0x42);
    const Bytes command = concat({fromHex("0087119C267C2482008120"), digest, fromHex("00")});
    SECTION("9C without the PIN") {
        card.script.expect(command, fromHex("6982"));
        CHECK_THROWS_AS(card.piv.signDigest(key::kDigitalSignature, algorithm::kEccP256, digest), CardStatusError);
    }
    SECTION("an answer without 82") {
        card.script.expect(command, fromHex("7C0481020102" "9000"));
        CHECK_THROWS_AS(card.piv.signDigest(key::kDigitalSignature, algorithm::kEccP256, digest), CardProtocolError);
    }
    SECTION("a signature that is not DER") {
        card.script.expect(command, fromHex("7C0C820A01020304050607080910" "9000"));
        CHECK_THROWS_AS(card.piv.signDigest(key::kDigitalSignature, algorithm::kEccP256, digest), CardProtocolError);
    }
    card.script.requireFinished();
}

// ---- vendor ---------------------------------------------------------------------------------

TEST_CASE("version, serial and metadata", "[piv][card]") {
    ScriptedCard card;
    card.script.expect("00FD000000", "0504039000")
        .expect("00F8000000", "00BC614E9000")
        .expect("00F7009B00", "010103" "02020001" "050101" "9000")
        .expect("00F7008000", "0101FF" "050100" "06020302" "9000")
        .expect("00F8000000", "00BC619000")
        .expect("00FD000000", "6D00");
    CHECK(card.piv.version().toString() == "5.4.3");
    CHECK(card.piv.serial() == 12345678u);
    const SlotMetadata management = card.piv.metadata(key::kManagement);
    CHECK(management.algorithm == algorithm::kTripleDes);
    CHECK(management.pinPolicy == 0);
    CHECK(management.touchPolicy == 1);
    CHECK(management.isDefault == true);
    CHECK_FALSE(management.retriesTotal);
    const SlotMetadata pin = card.piv.metadata(key::kApplicationPin);
    CHECK(pin.isDefault == false);
    CHECK(pin.retriesTotal == 3);
    CHECK(pin.retriesRemaining == 2);
    CHECK_THROWS_AS(card.piv.serial(), CardProtocolError);
    CHECK_THROWS_AS(card.piv.version(), CardStatusError);
    card.script.requireFinished();
}
