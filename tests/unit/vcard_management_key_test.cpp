// Management-key (9B) authentication with 3DES and AES, SET MANAGEMENT KEY, GET METADATA.
#include "vcard_test_support.hpp"

#include "card/tlv.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::vcard;
using fmc::card::vcard::testing::hex;
using fmc::card::vcard::testing::TestCard;
using crypto::BlockCipherAlgorithm;

namespace {
SecretBytes defaultKey() { return SecretBytes(Bytes(piv::kDefaultManagementKey.begin(), piv::kDefaultManagementKey.end())); }

Bytes setKeyCommandData(std::uint8_t algorithm, const Bytes& key) {
    Bytes data{algorithm, piv::key::kManagement, static_cast<std::uint8_t>(key.size())};
    data.insert(data.end(), key.begin(), key.end());
    return data;
}

std::optional<Bytes> metadataItem(const ResponseApdu& response, TlvTag tag) {
    return findTlv(parseTlvs(response.data()), tag);
}
} // namespace

TEST_CASE("mutual authentication with the factory 3DES key", "[vcard][mgmt]") {
    TestCard card;
    card.select();
    CHECK(card.authenticateDefaultManagementKey() == 0x9000);
}

TEST_CASE("a wrong management key fails and grants nothing", "[vcard][mgmt]") {
    TestCard card;
    card.select();
    CHECK(card.authenticateManagementKey(BlockCipherAlgorithm::tripleDes, piv::algorithm::kTripleDes,
                                         SecretBytes(Bytes(24, 0x42))) == 0x6982);
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, hex("5C035FC1025300"), 0).sw() == 0x6982);
    // The wrong algorithm in P1.
    CHECK(card.send(piv::ins::kGeneralAuthenticate, piv::algorithm::kAes128, 0x9B, hex("7C028000")).sw() == 0x6A86);
    // Step 2 without step 1.
    card.applet.powerCycle();
    card.select();
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C148008000102030405060781080001020304050607")).sw() == 0x6985);
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C02")).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C029900")).sw() == 0x6A80);
}

TEST_CASE("AES-128/192/256 management keys work once set", "[vcard][mgmt]") {
    struct Case {
        BlockCipherAlgorithm cipher;
        std::uint8_t id;
        std::size_t length;
    };
    for (const Case c : {Case{BlockCipherAlgorithm::aes128, piv::algorithm::kAes128, 16},
                         Case{BlockCipherAlgorithm::aes192, piv::algorithm::kAes192, 24},
                         Case{BlockCipherAlgorithm::aes256, piv::algorithm::kAes256, 32}}) {
        TestCard card;
        card.select();
        REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
        const Bytes key = crypto::randomBytes(c.length);
        // yubico-piv-tool's form: 00 FF FF FF Lc { alg 9B len key }.
        REQUIRE(card.send(piv::ins::kSetManagementKey, 0xFF, 0xFF, setKeyCommandData(c.id, key), 0).isSuccess());
        CHECK(card.applet.state().managementAlgorithm == c.id);
        CHECK(card.saves > 0);

        card.applet.powerCycle();
        card.select();
        const ResponseApdu metadata = card.send(piv::ins::kGetMetadata, 0x00, 0x9B);
        REQUIRE(metadata.isSuccess());
        CHECK(metadataItem(metadata, 0x01) == Bytes{c.id});
        CHECK(metadataItem(metadata, 0x05) == Bytes{0x00});
        CHECK(card.authenticateManagementKey(c.cipher, c.id, SecretBytes(key)) == 0x9000);
        CHECK(card.authenticateDefaultManagementKey() == 0x6A86);  // 3DES no longer
    }
}

TEST_CASE("SET MANAGEMENT KEY checks authentication and format", "[vcard][mgmt]") {
    TestCard card;
    card.select();
    const Bytes key(16, 0x11);
    CHECK(card.send(piv::ins::kSetManagementKey, 0xFF, 0xFF, setKeyCommandData(0x08, key), 0).sw() == 0x6982);
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    CHECK(card.send(piv::ins::kSetManagementKey, 0xFF, 0xFF, setKeyCommandData(0x08, Bytes(15, 1)), 0).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kSetManagementKey, 0xFF, 0xFF, setKeyCommandData(0x11, key), 0).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kSetManagementKey, 0xFF, 0xFF, hex("089A10"), 0).sw() == 0x6A80);
    CHECK(card.send(piv::ins::kSetManagementKey, 0xFF, 0x00, setKeyCommandData(0x08, key), 0).sw() == 0x6A86);
    // Touch policy (P2 FE) is accepted; a 3DES key can be set back.
    CHECK(card.send(piv::ins::kSetManagementKey, 0xFF, 0xFE, setKeyCommandData(0x03, Bytes(24, 0x21)), 0).isSuccess());
    CHECK(card.authenticateManagementKey(BlockCipherAlgorithm::tripleDes, 0x03, SecretBytes(Bytes(24, 0x21))) == 0x9000);
}

TEST_CASE("external authentication and card challenge (OpenSC piv-tool style)", "[vcard][mgmt]") {
    TestCard card;
    card.select();
    const ResponseApdu challenge = card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C028100"));
    REQUIRE(challenge.isSuccess());
    REQUIRE(challenge.data().size() == 12);
    CHECK(toHex(ByteView(challenge.data()).first(4)) == "7C0A8108");
    const Bytes encrypted = crypto::ecbEncrypt(BlockCipherAlgorithm::tripleDes, defaultKey(),
                                               ByteView(challenge.data()).subspan(4));
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, encodeTlv(0x7C, encodeTlv(0x82, encrypted)), 0).isSuccess());
    CHECK(card.send(piv::ins::kPutData, 0x3F, 0xFF, hex("5C035FC1025300"), 0).isSuccess());

    // The card proves it holds the key: 7C { 81 C, 82 00 } -> 7C { 82 E(C) }.
    const Bytes c = crypto::randomBytes(8);
    Bytes body = encodeTlv(0x81, c);
    body.push_back(0x82);
    body.push_back(0x00);
    const ResponseApdu proof = card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, encodeTlv(0x7C, body));
    REQUIRE(proof.isSuccess());
    CHECK(proof.data() == encodeTlv(0x7C, encodeTlv(0x82, crypto::ecbEncrypt(BlockCipherAlgorithm::tripleDes, defaultKey(), c))));

    // A wrong external response fails.
    card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C028100"));
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x03, 0x9B, hex("7C0A82080000000000000000"), 0).sw() == 0x6982);
}

TEST_CASE("GET METADATA for the PIN, the PUK and the management key", "[vcard][mgmt]") {
    TestCard card;
    card.select();
    const ResponseApdu pin = card.send(piv::ins::kGetMetadata, 0x00, 0x80);
    REQUIRE(pin.isSuccess());
    CHECK(metadataItem(pin, 0x05) == Bytes{0x01});
    CHECK(metadataItem(pin, 0x06) == Bytes{0x03, 0x03});
    card.verifyPin("000000");
    CHECK(metadataItem(card.send(piv::ins::kGetMetadata, 0x00, 0x80), 0x06) == Bytes{0x03, 0x02});
    const ResponseApdu management = card.send(piv::ins::kGetMetadata, 0x00, 0x9B);
    CHECK(metadataItem(management, 0x01) == Bytes{0x03});
    CHECK(metadataItem(management, 0x05) == Bytes{0x01});
    CHECK(card.send(piv::ins::kGetMetadata, 0x00, 0x9E).sw() == 0x6A82);  // empty slot
    CHECK(card.send(piv::ins::kGetMetadata, 0x00, 0x42).sw() == 0x6A86);
}

TEST_CASE("random bytes for OpenSC's C_GenerateRandom (P1 00)", "[vcard][mgmt]") {
    TestCard card;
    card.select();
    const ResponseApdu first = card.send(piv::ins::kGeneralAuthenticate, 0x00, 0x9B, hex("7C028100"));
    const ResponseApdu second = card.send(piv::ins::kGeneralAuthenticate, 0x00, 0x9B, hex("7C028100"));
    REQUIRE(first.isSuccess());
    CHECK(toHex(ByteView(first.data()).first(4)) == "7C0A8108");
    CHECK(first.data() != second.data());
    // P1 00 is only good for a bare challenge request.
    CHECK(card.send(piv::ins::kGeneralAuthenticate, 0x00, 0x9B, hex("7C028000")).sw() == 0x6A86);
}
