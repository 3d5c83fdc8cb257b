// PivPersonalization (issuance/piv_personalization.hpp) over the virtual card's applet,
// in-process: the station's steps on a factory card, the read-back that must catch a wrong
// card, a retried issuance, and the wipe back to the factory state.
#include "issuance/piv_personalization.hpp"

#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/piv_applet.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "unit/pki_test_support.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace fmc;
using fmc::card::CardStatusError;
using fmc::issuance::CardKeys;
using fmc::issuance::CardRefusedError;
using fmc::issuance::PivPersonalization;
namespace piv = fmc::card::piv;
namespace pki = fmc::crypto::pki;

namespace {

SecretBytes secret(std::string_view text) { return SecretBytes(text); }

// A factory-fresh card in the "reader", with the station's view of it on top.
struct FactoryCard {
    card::vcard::PivApplet applet{card::vcard::CardState::factoryBlank(), [](const card::vcard::CardState&) {}};
    card::vcard::AppletTransport transport{applet};
    card::CardChannel channel{transport};
    piv::PivCard card{channel};
    PivPersonalization station{card};

    // Out of the reader and back: security state lost, PIV selected again.
    void reinsert() {
        applet.powerCycle();
        station.selectPiv();
    }
};

const pki::testing::TestPki& testPki() {
    static const pki::testing::TestPki instance = pki::testing::TestPki::create();
    return instance;
}

// What one issuance wrote, for the read-back and the later checks.
struct Issued {
    Uuid cardUuid{};
    CardKeys keys;
    SecretBytes pin;
    PivPersonalization::Expected expected;
};

const SecretBytes stationSecret = SecretBytes(fromHex("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"));

// The whole issuance sequence of card_issuance.cpp, without the registry.
Issued personalize(FactoryCard& card, const std::string& pin = "2468013") {
    const Uuid cardUuid = randomUuid();
    CardKeys keys = issuance::deriveCardKeys(stationSecret, cardUuid);

    card.station.selectPiv();
    REQUIRE(card.station.authenticateWithFactoryKey());
    const crypto::EcPublicKey cardKey = card.station.generateCardKey();
    const Bytes personalData =
        piv::MerchantPersonalData{"WANG XIAOMING", "王小明", "CHN", "E98765432", "00000000000000A1"}.encode();
    const pki::Certificate certificate = testPki().issuing.issueCardCertificate(pki::CardCertificateRequest{
        "00000000000000A1", cardUuid, cardKey,
        pki::CardAttributes{{"MARKET-STALL"}, "zh-CN", crypto::sha256(personalData)}, pki::testing::jan2026,
        pki::testing::jan2026 + 5 * pki::testing::year, {}});

    card.station.writeChuid(cardUuid, "20301231");
    card.station.writeCertificate(certificate.der());
    card.station.writePersonalData(personalData);
    card.station.setPuk(keys.puk);
    card.station.setPin(keys.puk, secret(pin));
    card.station.setManagementKey(keys.managementKey);
    return Issued{cardUuid, std::move(keys), secret(pin),
                  PivPersonalization::Expected{cardUuid, certificate.der(), personalData, cardKey}};
}

std::uint16_t swOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const CardStatusError& error) {
        return error.sw();
    }
    return 0x9000;
}

} // namespace

TEST_CASE("per-card keys derive deterministically from the station secret and the card UUID",
          "[issuance][personalization]") {
    const Uuid first = uuidFromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    const Uuid second = uuidFromString("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    const CardKeys a = issuance::deriveCardKeys(stationSecret, first);
    const CardKeys again = issuance::deriveCardKeys(stationSecret, first);
    CHECK(a.managementKey == again.managementKey);
    CHECK(a.puk == again.puk);
    CHECK(a.managementKey.size() == 32);
    REQUIRE(a.puk.size() == 8);
    for (const std::uint8_t digit : a.puk.view()) CHECK((digit >= '0' && digit <= '9'));

    const CardKeys otherCard = issuance::deriveCardKeys(stationSecret, second);
    CHECK_FALSE(otherCard.managementKey == a.managementKey);
    CHECK_FALSE(otherCard.puk == a.puk);
    const SecretBytes otherSecret(Bytes(32, 0x42));
    const CardKeys otherStation = issuance::deriveCardKeys(otherSecret, first);
    CHECK_FALSE(otherStation.managementKey == a.managementKey);
    CHECK_FALSE(otherStation.puk == a.puk);
}

TEST_CASE("a factory card: PIV present, no UUID, the factory key works", "[issuance][personalization]") {
    FactoryCard card;
    card.station.selectPiv();
    CHECK_FALSE(card.station.cardUuid());
    CHECK(card.station.authenticateWithFactoryKey());
    // The factory key really is authenticated: administration works.
    CHECK_NOTHROW(card.station.generateCardKey());
}

// admitCard tries the derived key first for any card whose CHUID names a card the registry
// knows, e.g. one whose issuance died after writing the CHUID but before the new management
// key: that card still has the 3DES factory key, so the AES-256 try must say "no", not throw.
TEST_CASE("the derived key is simply refused by a card that still has the factory key",
          "[issuance][personalization]") {
    FactoryCard card;
    card.station.selectPiv();
    const CardKeys keys = issuance::deriveCardKeys(stationSecret, randomUuid());
    bool accepted = true;
    CHECK_NOTHROW(accepted = card.station.authenticateWith(keys.managementKey));
    CHECK_FALSE(accepted);
    CHECK(card.station.authenticateWithFactoryKey());
}

TEST_CASE("the whole issuance sequence passes the read-back", "[issuance][personalization]") {
    FactoryCard card;
    const Issued issued = personalize(card);
    CHECK_NOTHROW(card.station.verifyPersonalization(issued.expected, issued.keys, issued.pin));
    CHECK(card.station.cardUuid() == issued.cardUuid);

    const card::vcard::CardState& state = card.applet.state();
    CHECK_FALSE(state.pinIsDefault());
    CHECK_FALSE(state.pukIsDefault());
    CHECK_FALSE(state.managementKeyIsDefault());
    CHECK(state.managementAlgorithm == piv::algorithm::kAes256);
    CHECK(state.puk == issued.keys.puk);
    CHECK(state.pin == issued.pin);
}

TEST_CASE("after issuance the factory key is refused and the derived key works", "[issuance][personalization]") {
    FactoryCard card;
    const Issued issued = personalize(card);
    card.reinsert();
    bool factoryWorks = true;
    // A foreign or already-issued card must come back as "no", so that admitCard can say
    // "not blank and not ours" instead of failing on the way.
    CHECK_NOTHROW(factoryWorks = card.station.authenticateWithFactoryKey());
    CHECK_FALSE(factoryWorks);
    card.reinsert();
    CHECK(card.station.authenticateWith(issued.keys.managementKey));
    CHECK_NOTHROW(card.station.writePersonalData(issued.expected.personalData));
    // Another card's derived key is the wrong key of the right algorithm.
    card.reinsert();
    CHECK_FALSE(card.station.authenticateWith(issuance::deriveCardKeys(stationSecret, randomUuid()).managementKey));
}

TEST_CASE("after issuance the PIN is the holder's and guards the personal data", "[issuance][personalization]") {
    FactoryCard card;
    const Issued issued = personalize(card);
    card.reinsert();
    // Without the PIN the personal data is not readable (6982); the CHUID and certificate are.
    CHECK(swOf([&] { (void)card.card.readObject(piv::kMerchantPersonalDataObject); }) == 0x6982);
    CHECK(card.card.readCertificate(piv::kMerchantCardKeySlot) == issued.expected.certificateDer);
    CHECK(swOf([&] { card.card.verifyPin(secret("123456")); }) == 0x63C2);
    card.card.verifyPin(issued.pin);
    CHECK(card.card.readObject(piv::kMerchantPersonalDataObject) == issued.expected.personalData);
    CHECK(piv::MerchantPersonalData::decode(*card.card.readObject(piv::kMerchantPersonalDataObject)).nativeName ==
          "王小明");
    // The factory PUK is gone too; the derived one works.
    CHECK(swOf([&] { card.card.changePuk(secret("12345678"), secret("12345678")); }) == 0x63C2);
    CHECK_NOTHROW(card.card.changePuk(issued.keys.puk, issued.keys.puk));
}

TEST_CASE("setPuk again on a card that already has the station's PUK (a retried issuance)",
          "[issuance][personalization]") {
    FactoryCard card;
    const Issued issued = personalize(card);
    const int pukTries = card.applet.state().pukTriesLeft;
    card.reinsert();
    REQUIRE(card.station.authenticateWith(issued.keys.managementKey));
    CHECK_NOTHROW(card.station.setPuk(issued.keys.puk));
    CHECK(card.applet.state().puk == issued.keys.puk);
    // The metadata says the PUK is not the factory one, so no try was spent on the factory PUK.
    CHECK(card.applet.state().pukTriesLeft == pukTries);
    CHECK_NOTHROW(card.station.setPin(issued.keys.puk, secret("975310")));
    CHECK(card.applet.state().pin == secret("975310"));

    // Twice in a row on a card fresh from the factory: the second call finds the PUK set.
    FactoryCard fresh;
    fresh.station.selectPiv();
    REQUIRE(fresh.station.authenticateWithFactoryKey());
    fresh.station.setPuk(issued.keys.puk);
    CHECK_NOTHROW(fresh.station.setPuk(issued.keys.puk));
    CHECK(fresh.applet.state().puk == issued.keys.puk);
}

TEST_CASE("setPin unblocks a blocked PIN with the PUK", "[issuance][personalization]") {
    FactoryCard card;
    const Issued issued = personalize(card);
    card.reinsert();
    for (int i = 0; i < 3; ++i) (void)swOf([&] { card.card.verifyPin(secret("000000")); });
    CHECK(swOf([&] { card.card.verifyPin(issued.pin); }) == 0x6983);
    card.station.setPin(issued.keys.puk, secret("13579246"));
    CHECK_NOTHROW(card.card.verifyPin(secret("13579246")));
}

TEST_CASE("the read-back refuses a card that is not what was issued", "[issuance][personalization]") {
    FactoryCard card;
    const Issued issued = personalize(card);
    REQUIRE_NOTHROW(card.station.verifyPersonalization(issued.expected, issued.keys, issued.pin));

    SECTION("another UUID was expected") {
        PivPersonalization::Expected expected = issued.expected;
        expected.cardUuid = randomUuid();
        CHECK_THROWS_AS(card.station.verifyPersonalization(expected, issued.keys, issued.pin), CardRefusedError);
    }
    SECTION("the certificate on the card differs") {
        card.reinsert();
        REQUIRE(card.station.authenticateWith(issued.keys.managementKey));
        Bytes other = issued.expected.certificateDer;
        other.back() ^= 0x01;
        card.station.writeCertificate(other);
        CHECK_THROWS_AS(card.station.verifyPersonalization(issued.expected, issued.keys, issued.pin),
                        CardRefusedError);
        card.card.writeObject(piv::object::kCardAuthenticationCert, ByteView());  // no certificate at all
        CHECK_THROWS_AS(card.station.verifyPersonalization(issued.expected, issued.keys, issued.pin),
                        CardRefusedError);
    }
    SECTION("the card holds another key than the certified one (a cloned certificate)") {
        PivPersonalization::Expected expected = issued.expected;
        expected.cardKey = crypto::EcPrivateKey::generate(crypto::Curve::p256).publicKey();
        CHECK_THROWS_AS(card.station.verifyPersonalization(expected, issued.keys, issued.pin), CardRefusedError);

        // The same, the other way round: a second card given the first card's certificate.
        FactoryCard clone;
        const Issued cloneIssued = personalize(clone);
        clone.reinsert();
        REQUIRE(clone.station.authenticateWith(cloneIssued.keys.managementKey));
        clone.station.writeCertificate(issued.expected.certificateDer);
        PivPersonalization::Expected cloned = cloneIssued.expected;
        cloned.certificateDer = issued.expected.certificateDer;
        cloned.cardKey = issued.expected.cardKey;
        CHECK_THROWS_AS(clone.station.verifyPersonalization(cloned, cloneIssued.keys, cloneIssued.pin),
                        CardRefusedError);
    }
    SECTION("the personal data on the card differs") {
        card.reinsert();
        REQUIRE(card.station.authenticateWith(issued.keys.managementKey));
        card.station.writePersonalData(piv::MerchantPersonalData{"WANG XIAOMING", "王小明", "CHN", "E00000000",
                                                                  "00000000000000A1"}
                                           .encode());
        CHECK_THROWS_AS(card.station.verifyPersonalization(issued.expected, issued.keys, issued.pin),
                        CardRefusedError);
    }
    SECTION("the management key is not the derived one") {
        CardKeys wrongKeys{issuance::deriveCardKeys(stationSecret, randomUuid()).managementKey, issued.keys.puk};
        CHECK_THROWS_AS(card.station.verifyPersonalization(issued.expected, wrongKeys, issued.pin),
                        CardRefusedError);
    }
}

TEST_CASE("resetToFactory returns an issued card to the factory state", "[issuance][personalization]") {
    FactoryCard card;
    const Issued issued = personalize(card);
    card.reinsert();
    REQUIRE(card.station.authenticateWith(issued.keys.managementKey));
    card.station.resetToFactory(issued.keys);

    card.reinsert();
    CHECK(card.station.authenticateWithFactoryKey());
    CHECK_FALSE(card.station.cardUuid());
    CHECK_FALSE(card.card.readCertificate(piv::kMerchantCardKeySlot));
    card.card.verifyPin(secret("123456"));
    CHECK_FALSE(card.card.readObject(piv::kMerchantPersonalDataObject));
    CHECK_NOTHROW(card.card.changePuk(secret("12345678"), secret("12345678")));

    const card::vcard::CardState& state = card.applet.state();
    CHECK(state.pinIsDefault());
    CHECK(state.pukIsDefault());
    CHECK(state.managementKeyIsDefault());
    CHECK(state.managementAlgorithm == piv::algorithm::kTripleDes);
    CHECK(state.pinTriesLeft == 3);
    CHECK(state.pukTriesLeft == 3);
    // The certified key is gone: the 9E key no longer signs for the old public key.
    const Bytes challenge = crypto::randomBytes(32);
    const Bytes signature =
        card.card.signDigest(piv::kMerchantCardKeySlot, piv::kMerchantCardKeyAlgorithm, challenge);
    CHECK_FALSE(issued.expected.cardKey.verifyDigest(challenge, signature));

    // And the station can issue it again.
    FactoryCard& again = card;
    const Issued reissued = personalize(again);
    CHECK_NOTHROW(again.station.verifyPersonalization(reissued.expected, reissued.keys, reissued.pin));
}
