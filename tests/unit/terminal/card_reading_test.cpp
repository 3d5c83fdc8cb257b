// readMerchantCard (terminal/card_reading.hpp) over the virtual card's applet in-process: a
// card personalized with the station's own steps (issuance/piv_personalization.hpp), a
// factory card, a half-made card, and faults injected between the reader and the applet.
#include "terminal/card_reading.hpp"

#include "card/pcsc/pcsc_error.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/piv_applet.hpp"
#include "crypto/pki/card_verifier.hpp"
#include "issuance/piv_personalization.hpp"
#include "terminal/tap_decision.hpp"
#include "terminal_test_support.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <source_location>

using namespace fmc;
using namespace fmc::terminal;
using namespace fmc::terminal::testing;
namespace vcard = fmc::card::vcard;
namespace pki = fmc::crypto::pki;

namespace {

const pki::testing::TestPki& authority() {
    static const pki::testing::TestPki instance = pki::testing::TestPki::create();
    return instance;
}

const SecretBytes stationSecret(Bytes(32, 0x5A));

// A card in the reader. `answer` may replace the applet's answer to a command (by returning
// it) or throw, to play a card that misbehaves or leaves; it sees the command's index too.
struct CardInReader : card::Transport {
    explicit CardInReader(vcard::CardState state, vcard::CardInterface cardInterface = vcard::CardInterface::contact)
        : applet(std::move(state), [](const vcard::CardState&) {}, cardInterface) {}

    Bytes transmitRaw(ByteView command) override {
        const std::size_t index = commands++;
        if (answer)
            if (std::optional<Bytes> replaced = answer(command, index)) return *replaced;
        return inner.transmitRaw(command);
    }

    // A fresh presentation: the terminal opens a new channel on a freshly powered card.
    CardReading read() {
        applet.powerCycle();
        card::CardChannel channel(*this);
        return readMerchantCard(channel);
    }

    vcard::PivApplet applet;
    vcard::AppletTransport inner{applet};
    std::function<std::optional<Bytes>(ByteView command, std::size_t index)> answer;
    std::size_t commands = 0;
};

struct Personalized {
    vcard::CardState state;
    Uuid cardUuid{};
    pki::Certificate certificate;
};

// The station's issuance steps (card_issuance.cpp) on a factory card, registry aside.
// `withCertificate` false stops after the CHUID: a card whose issuance died half-way.
Personalized personalize(bool withCertificate = true) {
    vcard::PivApplet applet(vcard::CardState::factoryBlank(), [](const vcard::CardState&) {});
    vcard::AppletTransport transport(applet);
    card::CardChannel channel(transport);
    card::piv::PivCard card(channel);
    issuance::PivPersonalization station(card);

    const Uuid cardUuid = randomUuid();
    station.selectPiv();
    REQUIRE(station.authenticateWithFactoryKey());
    const crypto::EcPublicKey cardKey = station.generateCardKey();
    const pki::Certificate certificate = issueCardCertificate(authority(), cardUuid, cardKey);
    station.writeChuid(cardUuid, "20301231");
    if (withCertificate) {
        const Bytes personalData =
            card::piv::MerchantPersonalData{"BELLO AMINA", "Amina Bello", "NGA", "A1234567", "00000000000000B7"}
                .encode();
        station.writeCertificate(certificate.der());
        station.writePersonalData(personalData);
        const issuance::CardKeys keys = issuance::deriveCardKeys(stationSecret, cardUuid);
        station.setPuk(keys.puk);
        station.setPin(keys.puk, SecretBytes(std::string_view("2468013")));
        station.setManagementKey(keys.managementKey);
    }
    return {applet.state(), cardUuid, certificate};
}

ReadFailure failureOf(CardInReader& card) {
    try {
        (void)card.read();
    } catch (const CardReadError& error) {
        INFO(error.what());
        return error.failure();
    }
    FAIL("the card was read");
    return ReadFailure::unreadable;
}

bool isSelect(ByteView command) { return command.size() > 2 && command[1] == 0xA4; }
bool isGeneralAuthenticate(ByteView command) { return command.size() > 2 && command[1] == 0x87; }

card::pcsc::CardRemovedError removed() {
    return card::pcsc::CardRemovedError("SCardTransmit", 0x80100069, "the card was removed", false,
                                        std::source_location::current());
}

} // namespace

TEST_CASE("a personalized card reads in at most 6 exchanges, its signature verifies", "[terminal][reading]") {
    const Personalized issued = personalize();
    const auto cardInterface = GENERATE(vcard::CardInterface::contact, vcard::CardInterface::contactless);
    CardInReader card(issued.state, cardInterface);

    const CardReading reading = card.read();
    INFO("exchanges: " << reading.exchanges);
    CHECK(reading.exchanges <= 6);
    CHECK(reading.exchanges == card.commands);  // GET RESPONSEs included
    CHECK(reading.chuidUuid == issued.cardUuid);
    CHECK(reading.certificateDer == issued.certificate.der());
    CHECK(reading.challenge.size() == pki::CardVerifier::challengeSize);
    CHECK(issued.certificate.publicKey().verifyDigest(reading.challenge, reading.signature));

    // Two taps, two challenges: a signature is never replayable.
    const CardReading again = card.read();
    CHECK(again.challenge != reading.challenge);
    CHECK_FALSE(issued.certificate.publicKey().verifyDigest(again.challenge, reading.signature));

    // And the whole tap decides "granted" for a service the card carries.
    const pki::TrustStore trust =
        pki::TrustStore::fromPem(authority().root.certificate().pem() + authority().issuing.certificate().pem());
    pki::RevocationState revocation;
    revocation.importCrl(trust, authority().crl(1));
    revocation.importCrl(trust, authority().arl(1));
    const pki::CardVerifier verifier(trust, std::chrono::hours(24));
    const pki::Verdict verdict = verifier.verify(reading.certificateDer, jan2026 + std::chrono::hours(1), revocation,
                                                 reading.challenge, reading.signature);
    INFO(verdict.summary());
    const catalog::CardInterface asServed = cardInterface == vcard::CardInterface::contact
                                                ? catalog::CardInterface::contact
                                                : catalog::CardInterface::contactless;
    const Decision decision = decide(reading, verdict, library, asServed);
    CHECK(decision.granted);
    CHECK(decision.reason == "ok");
    CHECK(decision.apduExchanges == reading.exchanges);
}

TEST_CASE("a factory card is not a merchant card", "[terminal][reading]") {
    CardInReader card(vcard::CardState::factoryBlank());
    CHECK(failureOf(card) == ReadFailure::notAMerchantCard);
}

TEST_CASE("a card with a CHUID but no 9E certificate is not a merchant card", "[terminal][reading]") {
    CardInReader card(personalize(/*withCertificate=*/false).state);
    CHECK(failureOf(card) == ReadFailure::notAMerchantCard);
}

TEST_CASE("a card without the PIV application is not a merchant card", "[terminal][reading]") {
    CardInReader card(personalize().state);
    card.answer = [](ByteView command, std::size_t) -> std::optional<Bytes> {
        if (isSelect(command)) return fromHex("6A82");
        return std::nullopt;
    };
    CHECK(failureOf(card) == ReadFailure::notAMerchantCard);
}

TEST_CASE("a card that leaves or misbehaves mid-read", "[terminal][reading]") {
    CardInReader card(personalize().state);
    SECTION("removed before the signature") {
        card.answer = [](ByteView command, std::size_t) -> std::optional<Bytes> {
            if (isGeneralAuthenticate(command)) throw removed();
            return std::nullopt;
        };
        CHECK(failureOf(card) == ReadFailure::cardRemoved);
    }
    SECTION("reset by another program") {
        card.answer = [](ByteView, std::size_t index) -> std::optional<Bytes> {
            if (index == 1)
                throw card::pcsc::CardResetError("SCardTransmit", 0x80100068, "the card was reset", true,
                                                 std::source_location::current());
            return std::nullopt;
        };
        CHECK(failureOf(card) == ReadFailure::cardRemoved);
    }
    SECTION("an answer without the structure PIV asks for") {
        card.answer = [](ByteView, std::size_t index) -> std::optional<Bytes> {
            if (index == 1) return fromHex("5303010203" "9000");  // the CHUID: not a CHUID
            return std::nullopt;
        };
        CHECK(failureOf(card) == ReadFailure::unreadable);
    }
    SECTION("a status word no PIV card gives to SELECT") {
        card.answer = [](ByteView command, std::size_t) -> std::optional<Bytes> {
            if (isSelect(command)) return fromHex("6F00");
            return std::nullopt;
        };
        CHECK(failureOf(card) == ReadFailure::unreadable);
    }
    SECTION("the signature refused") {
        card.answer = [](ByteView command, std::size_t) -> std::optional<Bytes> {
            if (isGeneralAuthenticate(command)) return fromHex("6982");
            return std::nullopt;
        };
        CHECK(failureOf(card) == ReadFailure::unreadable);
    }
}

TEST_CASE("pcscd failing is not a card problem: it passes through", "[terminal][reading]") {
    CardInReader card(personalize().state);
    card.answer = [](ByteView, std::size_t index) -> std::optional<Bytes> {
        if (index == 2)
            throw card::pcsc::PcscServiceUnavailable("SCardTransmit", 0x8010001D, "pcscd stopped", false,
                                                     std::source_location::current());
        return std::nullopt;
    };
    CHECK_THROWS_AS(card.read(), card::pcsc::PcscServiceUnavailable);
}
