// decide() and refuseUnread() (terminal/tap_decision.hpp): the verifier's verdict over a real
// card certificate from a test CA, plus the service's policy, in the terminal's reason codes.
// The card reading is synthetic here; card_reading_test.cpp reads a real (in-process) card.
#include "terminal/tap_decision.hpp"

#include "crypto/pki/card_verifier.hpp"
#include "terminal_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace fmc;
using namespace fmc::terminal;
using namespace fmc::terminal::testing;
namespace pki = fmc::crypto::pki;
using pki::CardVerifier;
using pki::Check;
using pki::ReasonCode;
using pki::RevocationReason;
using pki::Verdict;
using std::chrono::hours;

namespace {

const auto noon = jan2026 + hours(12);

// A terminal's PKI state and one card: what ServicePoint holds, minus PC/SC and the tap log.
struct TapBench {
    pki::testing::TestPki authority = pki::testing::TestPki::create();
    pki::TrustStore trust =
        pki::TrustStore::fromPem(authority.root.certificate().pem() + authority.issuing.certificate().pem());
    pki::RevocationState revocation;
    CardVerifier verifier{trust, hours(24)};
    Uuid cardUuid = randomUuid();
    crypto::EcPrivateKey cardKey = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    pki::Certificate certificate = issueCardCertificate(authority, cardUuid, cardKey.publicKey());

    void importLists(std::vector<pki::RevokedCertificate> cards = {}, std::uint64_t number = 1) {
        revocation.importCrl(trust, authority.crl(number, std::move(cards)));
        revocation.importCrl(trust, authority.arl(number));
    }

    // What readMerchantCard would return for this card: its CHUID, certificate and a fresh
    // challenge signed with `signer` (the card's own 9E key unless a test says otherwise).
    CardReading reading(const crypto::EcPrivateKey* signer = nullptr) const {
        CardReading r;
        r.chuidUuid = cardUuid;
        r.certificateDer = certificate.der();
        r.challenge = CardVerifier::newChallenge();
        r.signature = (signer ? *signer : cardKey).signDigest(r.challenge);
        r.exchanges = 6;
        return r;
    }

    Verdict verify(const CardReading& r, std::chrono::system_clock::time_point at = noon) const {
        return verifier.verify(r.certificateDer, at, revocation, r.challenge, r.signature);
    }

    Decision tap(const catalog::Service& service = library,
                 catalog::CardInterface cardInterface = catalog::CardInterface::contact,
                 std::chrono::system_clock::time_point at = noon) const {
        const CardReading r = reading();
        return decide(r, verify(r, at), service, cardInterface);
    }
};

void checkDenied(const Decision& decision, const std::string& reason) {
    INFO("reason " << decision.reason << ", detail: " << decision.detail);
    CHECK_FALSE(decision.granted);
    CHECK(decision.reason == reason);
    CHECK_FALSE(decision.detail.empty());
}

} // namespace

TEST_CASE("a valid card entitled to the service is granted, with every field filled", "[terminal][decision]") {
    TapBench bench;
    bench.importLists();
    const CardReading reading = bench.reading();
    const Verdict verdict = bench.verify(reading);
    REQUIRE(verdict.accepted());

    const Decision decision = decide(reading, verdict, library, catalog::CardInterface::contactless);
    CHECK(decision.granted);
    CHECK(decision.reason == "ok");
    CHECK(decision.service == "library");
    CHECK(decision.cardInterface == "contactless");
    CHECK(decision.serial == toHex(bench.certificate.serialNumber()));
    CHECK_FALSE(decision.serial.empty());
    CHECK(decision.cardUuid == uuidToString(bench.cardUuid));
    CHECK(decision.entitlements == cardEntitlements);
    CHECK(decision.preferredLanguage == "fr");
    REQUIRE(decision.expires.has_value());
    CHECK(*decision.expires == std::chrono::floor<std::chrono::seconds>(bench.certificate.notAfter()));
    CHECK(*decision.expires == std::chrono::floor<std::chrono::seconds>(jan2026 + 5 * year));
    REQUIRE(decision.crlAgeHours.has_value());
    CHECK(*decision.crlAgeHours == Approx(12.0));
    CHECK(decision.apduExchanges == 6);
    // The reader and the time are the service point's to fill in.
    CHECK(decision.readerName.empty());
    CHECK(decision.elapsedMs == 0);
}

TEST_CASE("crl_age_hours is rounded to hundredths", "[terminal][decision]") {
    TapBench bench;
    bench.importLists();
    const Decision decision = bench.tap(library, catalog::CardInterface::contact, jan2026 + std::chrono::seconds(4000));
    REQUIRE(decision.crlAgeHours.has_value());
    CHECK(*decision.crlAgeHours == Approx(1.11).margin(1e-9));  // 4000 s = 1.1111 h
}

TEST_CASE("each verifier reason becomes the terminal's reason", "[terminal][decision]") {
    TapBench bench;
    SECTION("revoked") {
        bench.importLists({{bench.certificate.serialNumber(), jan2026, RevocationReason::keyCompromise}});
        checkDenied(bench.tap(), "revoked");
    }
    SECTION("suspended (certificateHold)") {
        bench.importLists({{bench.certificate.serialNumber(), jan2026, RevocationReason::certificateHold}});
        checkDenied(bench.tap(), "suspended");
    }
    SECTION("expired") {
        bench.importLists();
        const Decision decision = bench.tap(library, catalog::CardInterface::contact, jan2026 + 5 * year + hours(1));
        checkDenied(decision, "expired");
        // The certificate parsed, so the operator still sees which card it was and when it ran out.
        CHECK(decision.serial == toHex(bench.certificate.serialNumber()));
        CHECK(decision.expires.has_value());
    }
    SECTION("not-yet-valid") {
        bench.importLists();
        checkDenied(bench.tap(library, catalog::CardInterface::contact, jan2026 - hours(1)), "not-yet-valid");
    }
    SECTION("crl-missing") {
        const Decision decision = bench.tap();
        checkDenied(decision, "crl-missing");
        CHECK_FALSE(decision.crlAgeHours.has_value());
    }
    SECTION("crl-stale") {
        bench.importLists();  // nextUpdate = +24 h
        const Decision decision = bench.tap(library, catalog::CardInterface::contact, jan2026 + hours(25));
        checkDenied(decision, "crl-stale");
        CHECK(*decision.crlAgeHours == Approx(25.0));
    }
    SECTION("untrusted: a card from another authority") {
        bench.importLists();
        const pki::testing::TestPki stranger = pki::testing::TestPki::create();
        bench.certificate = issueCardCertificate(stranger, bench.cardUuid, bench.cardKey.publicKey());
        checkDenied(bench.tap(), "untrusted");
    }
    SECTION("bad-signature: a certificate edited after signing") {
        bench.importLists();
        Bytes der = bench.certificate.der();
        const std::string number = "00000000000000B7";
        const auto at = std::search(der.begin(), der.end(), number.begin(), number.end());
        REQUIRE(at != der.end());
        *(at + 15) = '8';
        bench.certificate = pki::Certificate::fromDer(der);
        checkDenied(bench.tap(), "bad-signature");
    }
    SECTION("card-auth-failed: the challenge signed by another key") {
        bench.importLists();
        const crypto::EcPrivateKey impostor = crypto::EcPrivateKey::generate(crypto::Curve::p256);
        const CardReading reading = bench.reading(&impostor);
        checkDenied(decide(reading, bench.verify(reading), library, catalog::CardInterface::contact),
                    "card-auth-failed");
    }
    SECTION("malformed -> not-a-merchant-card") {
        bench.importLists();
        for (const Bytes& der : {fromHex("DEADBEEF"), bench.authority.issuing.certificate().der()}) {
            CardReading reading = bench.reading();
            reading.certificateDer = der;
            const Decision decision = decide(reading, bench.verify(reading), library, catalog::CardInterface::contact);
            checkDenied(decision, "not-a-merchant-card");
            CHECK(decision.serial.empty());
            CHECK_FALSE(decision.expires.has_value());
        }
    }
}

TEST_CASE("a hand-made verdict: every reason code, and the first failing check decides", "[terminal][decision]") {
    struct Mapping {
        ReasonCode code;
        const char* reason;
    };
    const Mapping mappings[] = {
        {ReasonCode::untrusted, "untrusted"},       {ReasonCode::badSignature, "bad-signature"},
        {ReasonCode::expired, "expired"},           {ReasonCode::notYetValid, "not-yet-valid"},
        {ReasonCode::revoked, "revoked"},           {ReasonCode::suspended, "suspended"},
        {ReasonCode::crlMissing, "crl-missing"},    {ReasonCode::crlStale, "crl-stale"},
        {ReasonCode::malformed, "not-a-merchant-card"}, {ReasonCode::cardAuthFailed, "card-auth-failed"},
    };
    CardReading reading;  // no certificate: the hand-made verdicts carry no card identity
    reading.exchanges = 5;
    for (const Mapping& mapping : mappings) {
        Verdict verdict;
        verdict.add(Check::certificate, ReasonCode::ok);
        verdict.add(Check::path, mapping.code, "the decisive one");
        verdict.add(Check::cardRevocation, ReasonCode::revoked, "a later failure that must not win");
        const Decision decision = decide(reading, verdict, mediation, catalog::CardInterface::contact);
        INFO(pki::reasonCodeName(mapping.code));
        CHECK_FALSE(decision.granted);
        CHECK(decision.reason == mapping.reason);
        CHECK(decision.detail == "path: the decisive one");
        CHECK(decision.apduExchanges == 5);
        CHECK(decision.service == "mediation");
    }
}

TEST_CASE("the CHUID must carry the certificate's card UUID", "[terminal][decision]") {
    TapBench bench;
    bench.importLists();
    CardReading reading = bench.reading();
    reading.chuidUuid = randomUuid();  // the certificate and its key copied onto another card
    const Verdict verdict = bench.verify(reading);
    REQUIRE(verdict.accepted());
    const Decision decision = decide(reading, verdict, library, catalog::CardInterface::contact);
    checkDenied(decision, "card-auth-failed");
    CHECK(decision.cardUuid == uuidToString(bench.cardUuid));  // the certificate's, for the log
}

TEST_CASE("the service's interfaces and entitlement", "[terminal][decision]") {
    TapBench bench;
    bench.importLists();
    SECTION("a contact-only service tapped contactless") {
        checkDenied(bench.tap(tradeLicensing, catalog::CardInterface::contactless), "interface-not-allowed");
        CHECK(bench.tap(tradeLicensing, catalog::CardInterface::contact).granted);
    }
    SECTION("a service the card is not entitled to") {
        const Decision decision = bench.tap(mediation, catalog::CardInterface::contact);
        checkDenied(decision, "not-entitled");
        CHECK(decision.entitlements == cardEntitlements);
    }
    SECTION("the interface is checked before the entitlement") {
        const catalog::Service contactOnlyMediation = service("mediation", {catalog::CardInterface::contact});
        checkDenied(bench.tap(contactOnlyMediation, catalog::CardInterface::contactless), "interface-not-allowed");
    }
    SECTION("a verifier failure wins over the service's policy") {
        TapBench revoked;
        revoked.importLists({{revoked.certificate.serialNumber(), jan2026, RevocationReason::superseded}});
        checkDenied(revoked.tap(mediation, catalog::CardInterface::contactless), "revoked");
    }
}

TEST_CASE("refuseUnread: each read failure is a reason of its own", "[terminal][decision]") {
    struct Mapping {
        ReadFailure failure;
        const char* reason;
    };
    for (const Mapping& mapping : {Mapping{ReadFailure::notAMerchantCard, "not-a-merchant-card"},
                                   Mapping{ReadFailure::cardRemoved, "card-removed"},
                                   Mapping{ReadFailure::unreadable, "unreadable"}}) {
        const Decision decision =
            refuseUnread(CardReadError(mapping.failure, "what the reader said"), tradeLicensing,
                         catalog::CardInterface::contactless);
        CHECK_FALSE(decision.granted);
        CHECK(decision.reason == mapping.reason);
        CHECK(decision.detail == "what the reader said");
        CHECK(decision.service == "trade.licensing");
        CHECK(decision.cardInterface == "contactless");
        CHECK(decision.serial.empty());
        CHECK(decision.entitlements.empty());
        CHECK_FALSE(decision.expires.has_value());
        CHECK_FALSE(decision.crlAgeHours.has_value());
    }
}
