// Delta CRLs (RFC 5280 §5.2.4): what the CA writes, what deltaEntries computes, and how a
// terminal's RevocationState merges them onto the complete CRL it holds.
#include "pki_test_support.hpp"

#include "crypto/pki/crl_delta.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_index.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {

RevocationList delta(const CertificateAuthority& ca, std::uint64_t number, std::uint64_t base,
                     std::vector<RevokedCertificate> entries, Clock::time_point thisUpdate = jan2026 + hours(1)) {
    RevocationListRequest request{number, thisUpdate, thisUpdate + hours(24), std::move(entries), base};
    return ca.issueRevocationList(request);
}

// The CRL re-signed by the CA's key after `edit`: what a buggy or hostile issuer could send.
Bytes resigned(const TestPki& pki, const RevocationList& crl, void (*edit)(X509_CRL*)) {
    X509CrlHandle copy(X509_CRL_dup(crl.native()));
    REQUIRE(copy);
    edit(copy.get());
    pki.issuingKeys->signRevocationList(copy.get());
    unsigned char* der = nullptr;
    const int length = i2d_X509_CRL(copy.get(), &der);
    REQUIRE(length > 0);
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

const Bytes serialA{0x0A, 0x01}, serialB{0x0B, 0x02}, serialC{0x0C, 0x03}, serialD{0x0D, 0x04};

// Complete CRL 5's entries and the CA's entries an hour later: B's hold became permanent,
// C's hold was released, D is new, A is unchanged.
const std::vector<RevokedCertificate> listAt5{
    {serialA, jan2026 - hours(9), RevocationReason::keyCompromise},
    {serialB, jan2026 - hours(8), RevocationReason::certificateHold},
    {serialC, jan2026 - hours(7), RevocationReason::certificateHold},
};
const std::vector<RevokedCertificate> listAt6{
    {serialA, jan2026 - hours(9), RevocationReason::keyCompromise},
    {serialB, jan2026 + hours(1), RevocationReason::keyCompromise},
    {serialD, jan2026 + hours(1), RevocationReason::superseded},
};

} // namespace

TEST_CASE("a delta CRL carries a critical deltaCRLIndicator with its base", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const RevocationList crl = delta(pki.issuing, 6, 5, {{serialC, jan2026, RevocationReason::removeFromCrl}});
    CHECK(crl.isDelta());
    CHECK(crl.baseCrlNumber() == 5u);
    CHECK(crl.crlNumber() == 6);
    const int index = X509_CRL_get_ext_by_NID(crl.native(), NID_delta_crl, -1);
    REQUIRE(index >= 0);
    CHECK(X509_EXTENSION_get_critical(X509_CRL_get_ext(crl.native(), index)) == 1);

    const RevocationList parsed = RevocationList::fromDer(crl.der());
    CHECK(parsed.baseCrlNumber() == 5u);
    CHECK(parsed.entries().front().reason == RevocationReason::removeFromCrl);
    CHECK_FALSE(pki.crl(5).isDelta());
    CHECK_FALSE(pki.crl(5).baseCrlNumber().has_value());
}

TEST_CASE("the CA refuses removeFromCRL in a complete CRL and a base that is not older", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    CHECK_THROWS_AS(pki.crl(5, {{serialA, jan2026, RevocationReason::removeFromCrl}}), CertificateProfileError);
    CHECK_THROWS_AS(delta(pki.issuing, 6, 6, {}), CertificateProfileError);
    CHECK_THROWS_AS(delta(pki.issuing, 6, 7, {}), CertificateProfileError);
}

TEST_CASE("deltaEntries lists new, changed and removed serials in serial order", "[pki][crl][delta]") {
    const auto removedAt = jan2026 + hours(1);
    const auto changes = deltaEntries(listAt5, listAt6, removedAt);
    REQUIRE(changes.size() == 3);
    CHECK(changes[0] == listAt6[1]);  // B: hold made permanent
    CHECK(changes[1] == RevokedCertificate{serialC, removedAt, RevocationReason::removeFromCrl});
    CHECK(changes[2] == listAt6[2]);  // D: new
    CHECK(deltaEntries(listAt5, listAt5, removedAt).empty());
    // A hold released and placed again has a new date: a terminal that saw the release must see it.
    auto reheld = listAt5;
    reheld[2].revocationDate = jan2026 + hours(2);
    CHECK(deltaEntries(listAt5, reheld, removedAt) == std::vector<RevokedCertificate>{reheld[2]});
    // Serials compare as numbers, leading zeros or not.
    CHECK(deltaEntries({{Bytes{0x00, 0x81}, jan2026, RevocationReason::unspecified}},
                       {{Bytes{0x81}, jan2026, RevocationReason::unspecified}}, removedAt)
              .empty());
}

TEST_CASE("a hold placed and released between base and delta is removed for terminals that saw it",
          "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    const RevokedCertificate heldInBetween{Bytes{0x7E, 0x01}, jan2026 + hours(1), RevocationReason::certificateHold};
    auto listAt6WithHold = listAt5;
    listAt6WithHold.push_back(heldInBetween);
    const auto removedAt = jan2026 + hours(2);
    // Full 5, then full 6 with the hold, then (hold released) full 7 = listAt5 and delta 7 on base 5.
    const auto changes = deltaEntries(listAt5, listAt5, removedAt, {listAt6WithHold});
    REQUIRE(changes == std::vector<RevokedCertificate>{{heldInBetween.serialNumber, removedAt,
                                                         RevocationReason::removeFromCrl}});
    // A terminal holding complete CRL 6 applies delta 7 and no longer lists the card.
    RevocationState state;
    state.importCrl(trust, pki.crl(6, listAt6WithHold).der());
    REQUIRE(state.importCrl(trust, delta(pki.issuing, 7, 5, changes).der()).find(heldInBetween.serialNumber) ==
            std::nullopt);
    // Serials listed the same way at both ends and in between need no entry.
    CHECK(deltaEntries(listAt5, listAt6, removedAt, {listAt5, listAt6}) == deltaEntries(listAt5, listAt6, removedAt));
    // A hold released and placed again within the same second (same date at both ends) but
    // missing from a list in between is listed again for the terminals holding that list.
    const std::vector<RevokedCertificate> withoutC{listAt5[0], listAt5[1]};
    CHECK(deltaEntries(listAt5, listAt5, removedAt, {withoutC}) == std::vector<RevokedCertificate>{listAt5[2]});
}

TEST_CASE("a delta applied to the held complete CRL gives the newer complete list", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    const RevocationList full5 = pki.crl(5, listAt5);
    const RevocationList delta6 = delta(pki.issuing, 6, 5, deltaEntries(listAt5, listAt6, jan2026 + hours(1)));
    const bool fromDer = GENERATE(false, true);

    RevocationState state;
    if (fromDer) {
        state.importCrl(trust, full5.der());
    } else {
        state.importCrl(trust, full5);
    }
    const RevocationIndex& index = fromDer ? state.importCrl(trust, delta6.der()) : state.importCrl(trust, delta6);
    CHECK(index.crlNumber() == 6);
    CHECK(index.completeCrlNumber() == 5);
    CHECK(index.thisUpdate() == delta6.thisUpdate());
    CHECK(index.nextUpdate() == delta6.nextUpdate());
    CHECK(index.size() == 3);
    CHECK(index.find(serialA) == RevocationReason::keyCompromise);
    CHECK(index.find(serialB) == RevocationReason::keyCompromise);  // hold -> keyCompromise
    CHECK(index.find(serialC) == std::nullopt);                      // hold released
    CHECK(index.find(serialD) == RevocationReason::superseded);      // added
    CHECK(state.size() == 1);

    // The same answers as the complete CRL 6 itself.
    const RevocationIndex full6 = RevocationIndex::build(pki.crl(6, listAt6), pki.issuing.certificate());
    for (const Bytes& serial : {serialA, serialB, serialC, serialD}) CHECK(index.find(serial) == full6.find(serial));
}

TEST_CASE("a delta whose base is above the held list, or with nothing held, is refused", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    const RevocationList delta8 = delta(pki.issuing, 8, 6, {{serialD, jan2026, RevocationReason::superseded}});

    RevocationState state;
    CHECK_THROWS_AS(state.importCrl(trust, delta8), DeltaCrlBaseError);
    CHECK_THROWS_AS(state.importCrl(trust, delta8.der()), DeltaCrlBaseError);
    CHECK(state.size() == 0);

    state.importCrl(trust, pki.crl(5, listAt5));
    CHECK_THROWS_AS(state.importCrl(trust, delta8), DeltaCrlBaseError);
    CHECK_THROWS_AS(state.importCrl(trust, delta8.der()), DeltaCrlBaseError);
    const RevocationIndex* held = state.forIssuer(pki.issuing.certificate().native());
    REQUIRE(held != nullptr);
    CHECK(held->crlNumber() == 5);
    CHECK(held->find(serialD) == std::nullopt);
}

TEST_CASE("a delta that is not newer than the held list is refused", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    RevocationState state;
    state.importCrl(trust, pki.crl(5, listAt5));
    const RevocationList delta5 = delta(pki.issuing, 5, 4, {{serialD, jan2026, RevocationReason::superseded}});
    CHECK_THROWS_AS(state.importCrl(trust, delta5), CrlNotNewerError);

    const RevocationList delta6 = delta(pki.issuing, 6, 5, {{serialD, jan2026, RevocationReason::superseded}});
    state.importCrl(trust, delta6);
    CHECK_THROWS_AS(state.importCrl(trust, delta6.der()), CrlNotNewerError);  // replayed
    // A complete CRL with the delta's number holds the same information (§5.2.3): not newer.
    CHECK_THROWS_AS(state.importCrl(trust, pki.crl(6, listAt6)), CrlNotNewerError);
    CHECK(state.forIssuer(pki.issuing.certificate().native())->crlNumber() == 6);
}

TEST_CASE("a delta signed by another key under the issuing CA's name is refused", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    auto impostorKeys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p256));
    const Certificate impostorCertificate = pki.root.issueSubordinateCa(
        impostorKeys->publicKey(),
        {"FMC Issuing CA Hanoi 1", "Public Security", at(1748736000), at(1748736000) + 10 * year, {}});
    const CertificateAuthority impostor(impostorCertificate, impostorKeys);
    const RevocationList forged = delta(impostor, 6, 5, {{serialA, jan2026, RevocationReason::removeFromCrl}});
    REQUIRE(forged.issuer() == pki.issuing.certificate().subject());

    RevocationState state;
    state.importCrl(trust, pki.crl(5, listAt5));
    CHECK_THROWS_AS(state.importCrl(trust, forged), UntrustedCrlError);
    CHECK_THROWS_AS(state.importCrl(trust, forged.der()), UntrustedCrlError);
    const RevocationIndex* held = state.forIssuer(pki.issuing.certificate().native());
    CHECK(held->find(serialA) == RevocationReason::keyCompromise);
    CHECK(held->crlNumber() == 5);
    CHECK_THROWS_AS(held->withDelta(forged), UntrustedCrlError);
}

TEST_CASE("deltas chain: each applies on top of the previous one", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    const auto t = jan2026;
    const std::vector<RevokedCertificate> listAt7{
        {serialA, t - hours(9), RevocationReason::keyCompromise},
        {serialB, t + hours(1), RevocationReason::keyCompromise},
        {serialC, t + hours(2), RevocationReason::certificateHold},  // held again
        {serialD, t + hours(1), RevocationReason::superseded},
    };
    const std::vector<RevokedCertificate> listAt8{
        {serialB, t + hours(1), RevocationReason::keyCompromise},
        {serialC, t + hours(2), RevocationReason::certificateHold},
    };  // A and D leave (expired certificates, say)

    RevocationState state;
    state.importCrl(trust, pki.crl(5, listAt5));
    state.importCrl(trust, delta(pki.issuing, 6, 5, deltaEntries(listAt5, listAt6, t + hours(1)), t + hours(1)));
    // Delta 7 against base 5 (cumulative) and delta 8 against base 6 both apply to what is held.
    state.importCrl(trust, delta(pki.issuing, 7, 5, deltaEntries(listAt5, listAt7, t + hours(2)), t + hours(2)).der());
    const RevocationIndex& index =
        state.importCrl(trust, delta(pki.issuing, 8, 6, deltaEntries(listAt6, listAt8, t + hours(3)), t + hours(3)));
    CHECK(index.crlNumber() == 8);
    CHECK(index.completeCrlNumber() == 5);
    CHECK(index.thisUpdate() == t + hours(3));
    CHECK(index.size() == 2);
    CHECK(index.find(serialA) == std::nullopt);
    CHECK(index.find(serialB) == RevocationReason::keyCompromise);
    CHECK(index.find(serialC) == RevocationReason::certificateHold);
    CHECK(index.find(serialD) == std::nullopt);

    // A new complete CRL replaces the merged list.
    const RevocationIndex& replaced = state.importCrl(trust, pki.crl(9, listAt5));
    CHECK(replaced.completeCrlNumber() == 9);
    CHECK(replaced.find(serialA) == RevocationReason::keyCompromise);
}

TEST_CASE("malformed deltas and complete CRLs posing as one are refused", "[pki][crl][delta]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    const RevocationList delta6 =
        delta(pki.issuing, 6, 5, {{serialC, jan2026, RevocationReason::removeFromCrl}, {serialD, jan2026, {}}});
    RevocationState state;
    state.importCrl(trust, pki.crl(5, listAt5));

    SECTION("a truncated delta") {
        const Bytes der = delta6.der();
        for (std::size_t keep : {std::size_t{1}, der.size() / 2, der.size() - 1}) {
            const Bytes truncated(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(keep));
            CHECK_THROWS_AS(RevocationList::fromDer(truncated), MalformedCrlError);
            CHECK_THROWS_AS(state.importCrl(trust, truncated), MalformedCrlError);
        }
    }
    SECTION("a delta is never indexed as a complete CRL") {
        CHECK_THROWS_AS(RevocationIndex::build(delta6, pki.issuing.certificate()), MalformedCrlError);
        CHECK_FALSE(RevocationIndex::buildFromDer(delta6.der(), trust).has_value());
        CHECK_THROWS_AS(state.forIssuer(pki.issuing.certificate().native())->withDelta(pki.crl(7)), MalformedCrlError);
    }
    SECTION("a non-critical delta indicator") {
        const Bytes der = resigned(pki, delta6, [](X509_CRL* crl) {
            X509_EXTENSION_set_critical(X509_CRL_get_ext(crl, X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1)), 0);
        });
        CHECK_THROWS_AS(RevocationList::fromDer(der), MalformedCrlError);
        CHECK_THROWS_AS(state.importCrl(trust, der), MalformedCrlError);
    }
    SECTION("a complete CRL with a removeFromCRL entry") {
        const Bytes der = resigned(pki, delta6, [](X509_CRL* crl) {
            X509_EXTENSION_free(X509_CRL_delete_ext(crl, X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1)));
        });
        const RevocationList complete = RevocationList::fromDer(der);
        REQUIRE_FALSE(complete.isDelta());
        CHECK_THROWS_AS(RevocationIndex::build(complete, pki.issuing.certificate()), MalformedCrlError);
        CHECK_FALSE(RevocationIndex::buildFromDer(der, trust).has_value());
        RevocationState fresh;
        CHECK_THROWS_AS(fresh.importCrl(trust, der), MalformedCrlError);
        CHECK(fresh.size() == 0);
    }
    CHECK(state.forIssuer(pki.issuing.certificate().native())->crlNumber() == 5);
}
