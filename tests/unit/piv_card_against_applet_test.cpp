// PivCard driving the virtual card's applet in-process (no pcscd): the issuance flow the
// station runs and the checks a terminal makes, end to end through CardChannel.
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/piv_applet.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card::piv;
using fmc::card::CardStatusError;

namespace {

struct InProcessCard {
    card::vcard::PivApplet applet{card::vcard::CardState::factoryBlank(), [this](const card::vcard::CardState&) {
                                      ++saves;
                                  }};
    card::vcard::AppletTransport transport{applet};
    card::CardChannel channel{transport};
    PivCard piv{channel};
    int saves = 0;

    // Removal and reinsertion: the card forgets its security state; the host selects again.
    void reinsert() {
        applet.powerCycle();
        piv.select();
    }
};

SecretBytes secret(std::string_view text) { return SecretBytes(text); }
SecretBytes defaultManagementKey() {
    return SecretBytes(Bytes(kDefaultManagementKey.begin(), kDefaultManagementKey.end()));
}
Bytes fakeCertificate(std::size_t size) {
    Bytes der{0x30, 0x82, static_cast<std::uint8_t>((size - 4) >> 8), static_cast<std::uint8_t>(size - 4)};
    for (std::size_t i = der.size(); i < size; ++i) der.push_back(static_cast<std::uint8_t>(i * 31));
    return der;
}

} // namespace

TEST_CASE("a blank virtual card answers like a PIV card", "[piv][applet]") {
    InProcessCard card;
    const ApplicationProperties properties = card.piv.select(kRid);
    CHECK(toHex(properties.coexistentTagAuthority) == "A000000308");
    CHECK(card.piv.version().major >= 5);
    CHECK(card.piv.serial() == card.applet.state().serial);
    CHECK(card.piv.readDiscovery() == fromHex("4F0BA0000003080000100001005F2F024000"));
    CHECK_FALSE(card.piv.readChuid());
    CHECK_FALSE(card.piv.readCertificate(key::kCardAuthentication));
    CHECK(card.piv.pinTriesLeft() == 3);
    CHECK(card.piv.metadata(key::kManagement).isDefault == true);
}

TEST_CASE("issuing a card: management key, 9E key, certificate, CHUID, read back, sign", "[piv][applet]") {
    InProcessCard card;
    card.piv.select();

    // Administration needs the management key.
    CHECK_THROWS_AS(card.piv.generateKeyPair(key::kCardAuthentication, algorithm::kEccP256), CardStatusError);
    const SecretBytes wrongKey(fromHex("080706050403020108070605040302010807060504030201"));
    CHECK_THROWS_AS(card.piv.authenticateManagementKey(algorithm::kTripleDes, wrongKey), CardStatusError);
    card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey());

    const crypto::EcPublicKey publicKey = card.piv.generateKeyPair(key::kCardAuthentication, algorithm::kEccP256);
    CHECK(publicKey.curve() == crypto::Curve::p256);
    const SlotMetadata metadata = card.piv.metadata(key::kCardAuthentication);
    CHECK(metadata.algorithm == algorithm::kEccP256);
    CHECK(metadata.origin == 1);

    const Bytes der = fakeCertificate(700);  // longer than one APDU both ways
    const Uuid cardUuid = randomUuid();
    const Chuid chuid = nonFederalChuid(cardUuid, "20301231");
    card.piv.writeCertificate(key::kCardAuthentication, der);
    card.piv.writeCertificate(key::kPivAuthentication, der, CertificateCompression::gzip);
    card.piv.writeChuid(chuid);
    CHECK(card.saves > 0);

    // A terminal: a new session, no PIN, no management key.
    card.reinsert();
    CHECK(card.piv.readCertificate(key::kCardAuthentication) == der);
    CHECK(card.piv.readCertificate(key::kPivAuthentication) == der);
    const std::optional<Chuid> readBack = card.piv.readChuid();
    REQUIRE(readBack);
    CHECK(readBack->guid == cardUuid);
    CHECK(*readBack == chuid);

    const Bytes challenge = crypto::randomBytes(32);
    const Bytes digest = crypto::sha256(challenge);
    const Bytes signature = card.piv.signDigest(key::kCardAuthentication, algorithm::kEccP256, digest);
    CHECK(publicKey.verifyDigest(digest, signature));
    const Bytes otherDigest = crypto::sha256(crypto::randomBytes(32));
    CHECK_FALSE(publicKey.verifyDigest(otherDigest, signature));

    // Writing without the management key is refused after the power cycle.
    CHECK_THROWS_AS(card.piv.writeChuid(chuid), CardStatusError);
}

TEST_CASE("PIN-protected keys, PIN change, blocking and unblocking", "[piv][applet]") {
    InProcessCard card;
    card.piv.select();
    card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey());
    const crypto::EcPublicKey publicKey = card.piv.generateKeyPair(key::kPivAuthentication, algorithm::kEccP384);
    const Bytes digest = crypto::sha384(fromHex("0102030405"));

    CHECK_THROWS_AS(card.piv.signDigest(key::kPivAuthentication, algorithm::kEccP384, digest), CardStatusError);
    try {
        card.piv.verifyPin(secret("000000"));
        FAIL("a wrong PIN must throw");
    } catch (const CardStatusError& error) {
        CHECK(error.triesLeft() == 2);
    }
    CHECK(card.piv.pinTriesLeft() == 2);
    card.piv.verifyPin(secret(kDefaultPin));
    CHECK(card.piv.pinTriesLeft() == std::nullopt);  // verified: the card gives no count
    CHECK(publicKey.verifyDigest(digest, card.piv.signDigest(key::kPivAuthentication, algorithm::kEccP384, digest)));

    card.piv.changePin(secret(kDefaultPin), secret("24681357"));
    card.reinsert();
    CHECK(card.piv.pinTriesLeft() == 3);
    CHECK_THROWS_AS(card.piv.verifyPin(secret(kDefaultPin)), CardStatusError);
    card.piv.verifyPin(secret("24681357"));

    card.reinsert();
    for (int attempt = 0; attempt < kPinRetries; ++attempt)
        CHECK_THROWS_AS(card.piv.verifyPin(secret("999999")), CardStatusError);
    CHECK(card.piv.pinTriesLeft() == 0);
    try {
        card.piv.verifyPin(secret("24681357"));
        FAIL("a blocked PIN must throw");
    } catch (const CardStatusError& error) {
        CHECK(error.kind() == card::StatusKind::authenticationBlocked);
    }
    CHECK_THROWS_AS(card.piv.unblockPin(secret("00000000"), secret("135790")), CardStatusError);
    card.piv.unblockPin(secret(kDefaultPuk), secret("135790"));
    card.piv.verifyPin(secret("135790"));
    CHECK(publicKey.verifyDigest(digest, card.piv.signDigest(key::kPivAuthentication, algorithm::kEccP384, digest)));
}

TEST_CASE("replacing the management key with an AES key", "[piv][applet]") {
    InProcessCard card;
    card.piv.select();
    const SecretBytes stationKey(crypto::randomBytes(32));
    CHECK_THROWS_AS(card.piv.setManagementKey(algorithm::kAes256, stationKey), CardStatusError);
    card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey());
    card.piv.setManagementKey(algorithm::kAes256, stationKey);
    CHECK(card.piv.metadata(key::kManagement).isDefault == false);

    card.reinsert();
    CHECK_THROWS_AS(card.piv.authenticateManagementKey(algorithm::kTripleDes, defaultManagementKey()),
                    CardStatusError);
    const SecretBytes wrongAes(crypto::randomBytes(32));
    CHECK_THROWS_AS(card.piv.authenticateManagementKey(algorithm::kAes256, wrongAes), CardStatusError);
    card.piv.authenticateManagementKey(algorithm::kAes256, stationKey);
    CHECK_NOTHROW(card.piv.writeChuid(nonFederalChuid(randomUuid(), "20301231")));
}
