// The offline verifier: one test per reason code, and agreement with
// `openssl verify -crl_check_all` on every revocation case.
#include "pki_test_support.hpp"

#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {

constexpr auto maxCrlAge = hours(24);

struct Terminal {
    TestPki pki = TestPki::create();
    TrustStore trust = TrustStore::fromPem(pki.root.certificate().pem() + pki.issuing.certificate().pem());
    RevocationState revocation;
    CardVerifier verifier{trust, maxCrlAge};
    TestPki::Card card = pki.issueCard();

    // A fresh CRL and ARL issued at `when`, listing what is given.
    void importLists(Clock::time_point when, std::vector<RevokedCertificate> cards = {},
                     std::vector<RevokedCertificate> issuingCas = {}) {
        revocation.importCrl(trust, pki.crl(++crlNumber, std::move(cards), when));
        revocation.importCrl(trust, pki.arl(++arlNumber, std::move(issuingCas), when));
    }

    Verdict present(const Bytes& certificateDer, const EcPrivateKey& key, Clock::time_point when) const {
        const Bytes challenge = CardVerifier::newChallenge();
        return verifier.verify(certificateDer, when, revocation, challenge, key.signDigest(challenge));
    }
    Verdict present(Clock::time_point when) const { return present(card.certificate.der(), card.key, when); }

    std::uint64_t crlNumber = 0;
    std::uint64_t arlNumber = 0;
};

const Clock::time_point noon = jan2026 + hours(12);

RevokedCertificate listed(const Certificate& certificate, RevocationReason reason) {
    return {certificate.serialNumber(), jan2026, reason};
}

} // namespace

TEST_CASE("verdict ok: a valid card with fresh lists", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026);
    const Verdict verdict = terminal.present(noon);
    INFO(verdict.summary());
    CHECK(verdict.accepted());
    CHECK(verdict.decisiveReason() == ReasonCode::ok);
    CHECK(verdict.summary() == "certificate=ok path=ok issuer-revocation=ok card-revocation=ok card-authentication=ok");
    REQUIRE(verdict.card.has_value());
    CHECK(verdict.card->cardNumber == "FMC-0000-0001");
    CHECK(verdict.card->attributes.entitlements == sampleAttributes().entitlements);
    CHECK(verdict.card->attributes.preferredLanguage == "vi-VN");
    REQUIRE(verdict.cardCrl.has_value());
    CHECK(verdict.cardCrl->ageHours == Approx(12.0));
    CHECK_FALSE(verdict.cardCrl->stale);
    CHECK(verdict.issuerArl->crlNumber == 1);
}

TEST_CASE("verdict untrusted: a card from another authority", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026);
    const TestPki stranger = TestPki::create();
    const auto foreign = stranger.issueCard();
    const Verdict verdict = terminal.present(foreign.certificate.der(), foreign.key, noon);
    CHECK(verdict.codeOf(Check::path) == ReasonCode::untrusted);
    CHECK_FALSE(verdict.codeOf(Check::cardRevocation).has_value());
    CHECK_FALSE(verdict.accepted());
}

TEST_CASE("verdict untrusted: a card signed by the root itself", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026);
    EcPrivateKey key = EcPrivateKey::generate(Curve::p256);
    const Certificate direct = terminal.pki.root.issueCardCertificate(
        {"FMC-ROOT-1", sampleUuid(), key.publicKey(), sampleAttributes(), jan2026, jan2026 + year, {}});
    const Verdict verdict = terminal.present(direct.der(), key, noon);
    CHECK(verdict.codeOf(Check::path) == ReasonCode::untrusted);
}

TEST_CASE("verdict bad-signature: a certificate edited after signing", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026);
    Bytes der = terminal.card.certificate.der();
    const std::string number = "FMC-0000-0001";
    const auto at = std::search(der.begin(), der.end(), number.begin(), number.end());
    REQUIRE(at != der.end());
    *(at + 12) = '9';  // FMC-0000-0009: still well-formed, no longer what the CA signed
    const Verdict verdict = terminal.present(der, terminal.card.key, noon);
    INFO(verdict.summary());
    CHECK(verdict.codeOf(Check::certificate) == ReasonCode::ok);
    CHECK(verdict.codeOf(Check::path) == ReasonCode::badSignature);
    CHECK(verdict.card->cardNumber == "FMC-0000-0009");
    CHECK_FALSE(verdict.accepted());
}

TEST_CASE("verdict expired and not-yet-valid", "[pki][verifier]") {
    Terminal terminal;
    SECTION("expired") {
        const auto after = terminal.card.certificate.notAfter() + hours(1);
        terminal.importLists(after - hours(1));
        const Verdict verdict = terminal.present(after);
        CHECK(verdict.codeOf(Check::path) == ReasonCode::expired);
        CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::ok);
        CHECK(verdict.decisiveReason() == ReasonCode::expired);
    }
    SECTION("not yet valid") {
        const auto before = jan2026 - hours(2);
        terminal.importLists(before - hours(1));
        const Verdict verdict = terminal.present(before);
        CHECK(verdict.codeOf(Check::path) == ReasonCode::notYetValid);
    }
}

TEST_CASE("verdict revoked: card on the CRL, for each reason", "[pki][verifier]") {
    Terminal terminal;
    const auto reason = GENERATE(RevocationReason::keyCompromise, RevocationReason::superseded,
                                 RevocationReason::cessationOfOperation, RevocationReason::unspecified);
    terminal.importLists(jan2026, {listed(terminal.card.certificate, reason)});
    const Verdict verdict = terminal.present(noon);
    CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::revoked);
    CHECK(verdict.codeOf(Check::path) == ReasonCode::ok);
    CHECK(verdict.decisiveReason() == ReasonCode::revoked);
    // Another card of the same CA is unaffected.
    const auto other = terminal.pki.issueCard("FMC-0000-0002", 0x40);
    CHECK(terminal.present(other.certificate.der(), other.key, noon).accepted());
}

TEST_CASE("verdict revoked: issuing CA on the root's ARL", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026, {}, {listed(terminal.pki.issuing.certificate(), RevocationReason::keyCompromise)});
    const Verdict verdict = terminal.present(noon);
    CHECK(verdict.codeOf(Check::issuerRevocation) == ReasonCode::revoked);
    CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::ok);
    CHECK_FALSE(verdict.accepted());
}

TEST_CASE("verdict suspended, then reinstated", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026, {listed(terminal.card.certificate, RevocationReason::certificateHold)});
    CHECK(terminal.present(noon).codeOf(Check::cardRevocation) == ReasonCode::suspended);
    // Reinstatement: the next CRL simply leaves the card out (RFC 5280 §5.3.1, certificateHold).
    terminal.importLists(jan2026 + hours(1));
    CHECK(terminal.present(noon).accepted());
}

TEST_CASE("verdict crl-missing", "[pki][verifier]") {
    Terminal terminal;
    SECTION("no CRL at all") {
        const Verdict verdict = terminal.present(noon);
        CHECK(verdict.codeOf(Check::issuerRevocation) == ReasonCode::crlMissing);
        CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::crlMissing);
        CHECK_FALSE(verdict.cardCrl.has_value());
    }
    SECTION("the CRL but no ARL") {
        terminal.revocation.importCrl(terminal.trust, terminal.pki.crl(1));
        const Verdict verdict = terminal.present(noon);
        CHECK(verdict.codeOf(Check::issuerRevocation) == ReasonCode::crlMissing);
        CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::ok);
    }
    CHECK_FALSE(terminal.present(noon).accepted());
}

TEST_CASE("verdict crl-stale", "[pki][verifier]") {
    Terminal terminal;
    SECTION("past nextUpdate") {
        terminal.importLists(jan2026);  // CRL nextUpdate = +24 h
        const Verdict verdict = terminal.present(jan2026 + hours(25));
        CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::crlStale);
        CHECK(verdict.cardCrl->stale);
        CHECK(verdict.cardCrl->ageHours == Approx(25.0));
    }
    SECTION("older than the terminal allows, though before nextUpdate") {
        terminal.revocation.importCrl(terminal.trust, terminal.pki.crl(1, {}, jan2026, hours(72)));
        terminal.revocation.importCrl(terminal.trust, terminal.pki.arl(1));
        const Verdict verdict = terminal.present(jan2026 + hours(30));
        CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::crlStale);
        // The root signs its ARL rarely (its key is offline): only the ARL's own nextUpdate
        // or an explicit maximum ARL age makes it stale, not the card CRL's maximum age.
        CHECK(verdict.codeOf(Check::issuerRevocation) == ReasonCode::ok);
        const CardVerifier strict(terminal.trust, hours(24), hours(24));
        const Bytes challenge = CardVerifier::newChallenge();
        const Verdict strictVerdict = strict.verify(terminal.card.certificate.der(), jan2026 + hours(30), terminal.revocation,
                                                    challenge, terminal.card.key.signDigest(challenge));
        CHECK(strictVerdict.codeOf(Check::issuerRevocation) == ReasonCode::crlStale);
    }
    SECTION("a stale list that names the card still says revoked") {
        terminal.importLists(jan2026, {listed(terminal.card.certificate, RevocationReason::keyCompromise)});
        CHECK(terminal.present(jan2026 + hours(25)).codeOf(Check::cardRevocation) == ReasonCode::revoked);
    }
}

TEST_CASE("verdict malformed", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026);
    const Bytes challenge = CardVerifier::newChallenge();
    const Bytes signature = terminal.card.key.signDigest(challenge);
    SECTION("not DER") {
        const Verdict verdict = terminal.verifier.verify(fromHex("DEADBEEF"), noon, terminal.revocation, challenge, signature);
        CHECK(verdict.checks.size() == 1);
        CHECK(verdict.decisiveReason() == ReasonCode::malformed);
        CHECK_FALSE(verdict.card.has_value());
    }
    SECTION("a CA certificate presented as a card") {
        const Verdict verdict = terminal.verifier.verify(terminal.pki.issuing.certificate().der(), noon,
                                                         terminal.revocation, challenge, signature);
        CHECK(verdict.codeOf(Check::certificate) == ReasonCode::malformed);
    }
}

TEST_CASE("verdict card-auth-failed", "[pki][verifier]") {
    Terminal terminal;
    terminal.importLists(jan2026);
    const Bytes challenge = CardVerifier::newChallenge();
    REQUIRE(challenge.size() == 32);
    CHECK(challenge != CardVerifier::newChallenge());
    const Bytes der = terminal.card.certificate.der();
    SECTION("a cloned certificate without the card's key") {
        const EcPrivateKey impostor = EcPrivateKey::generate(Curve::p256);
        const Verdict verdict = terminal.verifier.verify(der, noon, terminal.revocation, challenge, impostor.signDigest(challenge));
        CHECK(verdict.codeOf(Check::cardAuthentication) == ReasonCode::cardAuthFailed);
        CHECK(verdict.codeOf(Check::path) == ReasonCode::ok);
    }
    SECTION("a replayed signature over an older challenge") {
        const Bytes old = CardVerifier::newChallenge();
        const Verdict verdict = terminal.verifier.verify(der, noon, terminal.revocation, challenge, terminal.card.key.signDigest(old));
        CHECK(verdict.codeOf(Check::cardAuthentication) == ReasonCode::cardAuthFailed);
    }
    SECTION("garbage and a short challenge") {
        CHECK(terminal.verifier.verify(der, noon, terminal.revocation, challenge, fromHex("3000")).codeOf(Check::cardAuthentication) ==
              ReasonCode::cardAuthFailed);
        const Bytes shortChallenge(16, 0x42);
        CHECK(terminal.verifier.verify(der, noon, terminal.revocation, shortChallenge, terminal.card.key.signDigest(shortChallenge))
                  .codeOf(Check::cardAuthentication) == ReasonCode::cardAuthFailed);
    }
}

TEST_CASE("reason code names are the documented ones", "[pki][verifier]") {
    CHECK(reasonCodeName(ReasonCode::badSignature) == "bad-signature");
    CHECK(reasonCodeName(ReasonCode::notYetValid) == "not-yet-valid");
    CHECK(reasonCodeName(ReasonCode::crlMissing) == "crl-missing");
    CHECK(reasonCodeName(ReasonCode::crlStale) == "crl-stale");
    CHECK(reasonCodeName(ReasonCode::cardAuthFailed) == "card-auth-failed");
}

TEST_CASE("openssl verify -crl_check_all agrees with the verifier", "[pki][verifier][openssl]") {
    struct Case {
        const char* name;
        std::vector<RevocationReason> cardReasons;    // empty: not listed
        std::vector<RevocationReason> issuerReasons;  // empty: not listed
        hours presentedAfter;                         // lists are issued at jan2026
        const char* opensslSays;                      // the line openssl verify prints
        bool tamper = false;
    };
    const std::vector<Case> cases{
        {"ok", {}, {}, hours(12), ": OK"},
        {"revoked keyCompromise", {RevocationReason::keyCompromise}, {}, hours(12), "certificate revoked"},
        {"revoked superseded", {RevocationReason::superseded}, {}, hours(12), "certificate revoked"},
        {"revoked cessationOfOperation", {RevocationReason::cessationOfOperation}, {}, hours(12), "certificate revoked"},
        {"suspended", {RevocationReason::certificateHold}, {}, hours(12), "certificate revoked"},
        {"issuing CA revoked", {}, {RevocationReason::keyCompromise}, hours(12), "error 23 at 1 depth"},
        {"CRL past nextUpdate", {}, {}, hours(25), "CRL has expired"},
        {"card expired", {}, {}, 5 * year + hours(1), "certificate has expired"},
        {"bad signature", {}, {}, hours(12), "certificate signature failure", true},
    };
    Terminal terminal;
    const TempDir dir;
    const std::string root = dir.write("root.pem", terminal.pki.root.certificate().pem());
    const std::string issuing = dir.write("issuing.pem", terminal.pki.issuing.certificate().pem());
    for (const Case& c : cases) {
        INFO(c.name);
        const auto when = jan2026 + c.presentedAfter;
        // Lists issued shortly before the moment of use (the expired case needs lists from then).
        const auto listTime = c.presentedAfter > hours(24 * 30) ? when - hours(2) : jan2026;
        std::vector<RevokedCertificate> cards, issuers;
        for (auto reason : c.cardReasons) cards.push_back(listed(terminal.card.certificate, reason));
        for (auto reason : c.issuerReasons) issuers.push_back(listed(terminal.pki.issuing.certificate(), reason));
        const RevocationList crl = terminal.pki.crl(++terminal.crlNumber, cards, listTime);
        const RevocationList arl = terminal.pki.arl(++terminal.arlNumber, issuers, listTime);
        terminal.revocation.importCrl(terminal.trust, crl);
        terminal.revocation.importCrl(terminal.trust, arl);

        Bytes der = terminal.card.certificate.der();
        if (c.tamper) {
            const std::string number = "FMC-0000-0001";
            *(std::search(der.begin(), der.end(), number.begin(), number.end()) + 12) = '9';
        }
        const std::string lists = dir.write("lists.pem", crl.pem() + arl.pem());
        const std::string cardFile = dir.write("card.der", std::string(der.begin(), der.end()));
        const CommandResult openssl =
            run("openssl x509 -inform DER -in " + cardFile + " -out " + cardFile + ".pem && openssl verify -attime " +
                epochSeconds(when) + " -ignore_critical -crl_check_all -CAfile " + root + " -untrusted " + issuing +
                " -CRLfile " + lists + " " + cardFile + ".pem");
        const Verdict verdict = terminal.present(der, terminal.card.key, when);
        INFO(verdict.summary());
        INFO(openssl.output);
        CHECK(verdict.accepted() == (openssl.exitCode == 0));
        CHECK_THAT(openssl.output, Catch::Contains(c.opensslSays));
        if (c.name == std::string("ok")) CHECK(verdict.accepted());
    }
}
