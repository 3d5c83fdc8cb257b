// Hostile input: truncated, bit-flipped and oversized certificates and CRLs, and card
// certificates whose private extension is wrong. The verifier answers `malformed` (or
// another failing code), the CRL import throws a typed error, and nothing crashes.
#include "pki_test_support.hpp"

#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"
#include "crypto/pki/openssl_handles.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {

struct Fixture {
    TestPki pki = TestPki::create();
    TrustStore trust = TrustStore::fromPem(pki.root.certificate().pem() + pki.issuing.certificate().pem());
    RevocationState revocation;
    CardVerifier verifier{trust, hours(24)};
    TestPki::Card card = pki.issueCard();
    Bytes challenge = CardVerifier::newChallenge();
    Bytes signature = card.key.signDigest(challenge);

    Fixture() {
        revocation.importCrl(trust, pki.crl(1));
        revocation.importCrl(trust, pki.arl(1));
    }
    Verdict verify(const Bytes& der) const {
        return verifier.verify(der, jan2026 + hours(1), revocation, challenge, signature);
    }
};

// A card certificate signed by the issuing CA whose private extension holds `extensionDer`
// (and, optionally, is not critical): a CA that made a mistake, or a forged profile.
Certificate cardWithExtension(const TestPki& pki, const Bytes& extensionDer, bool critical = true) {
    const Certificate good = pki.issueCard().certificate;
    X509Handle copy(X509_dup(good.native()));
    REQUIRE(copy);
    const int index = X509_get_ext_by_NID(copy.get(), cardAttributesNid(), -1);
    X509_EXTENSION_free(X509_delete_ext(copy.get(), index));
    Asn1OctetStringHandle value(ASN1_OCTET_STRING_new());
    REQUIRE(ASN1_OCTET_STRING_set(value.get(), extensionDer.data(), static_cast<int>(extensionDer.size())) == 1);
    X509ExtensionHandle extension(X509_EXTENSION_create_by_NID(nullptr, cardAttributesNid(), critical ? 1 : 0, value.get()));
    REQUIRE(X509_add_ext(copy.get(), extension.get(), -1) == 1);
    pki.issuingKeys->signCertificate(copy.get());
    return Certificate::adopt(copy.release());
}

} // namespace

TEST_CASE("every truncation of a card certificate is malformed", "[pki][malformed]") {
    const Fixture fixture;
    const Bytes der = fixture.card.certificate.der();
    for (std::size_t length = 0; length < der.size(); ++length) {
        const Verdict verdict = fixture.verify(Bytes(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(length)));
        CHECK(verdict.decisiveReason() == ReasonCode::malformed);
        CHECK_FALSE(verdict.accepted());
    }
}

TEST_CASE("single-byte corruptions never crash and never pass", "[pki][malformed]") {
    const Fixture fixture;
    const Bytes der = fixture.card.certificate.der();
    for (std::size_t i = 0; i < der.size(); ++i) {
        Bytes corrupted = der;
        corrupted[i] ^= 0x5A;
        const Verdict verdict = fixture.verify(corrupted);
        INFO("offset " << i << ": " << verdict.summary());
        CHECK_FALSE(verdict.accepted());
    }
}

TEST_CASE("huge lengths and trailing bytes are malformed", "[pki][malformed]") {
    const Fixture fixture;
    Bytes der = fixture.card.certificate.der();
    SECTION("outer length claims 2 GiB") {
        Bytes huge = fromHex("30847FFFFFFF");
        huge.insert(huge.end(), der.begin() + 4, der.end());
        CHECK(fixture.verify(huge).decisiveReason() == ReasonCode::malformed);
    }
    SECTION("a length of length beyond 8 octets") {
        CHECK(fixture.verify(fromHex("3089FFFFFFFFFFFFFFFFFF00")).decisiveReason() == ReasonCode::malformed);
    }
    SECTION("trailing garbage") {
        der.push_back(0x00);
        CHECK(fixture.verify(der).decisiveReason() == ReasonCode::malformed);
    }
    SECTION("empty") { CHECK(fixture.verify({}).decisiveReason() == ReasonCode::malformed); }
}

TEST_CASE("a card certificate with a bad private extension is malformed", "[pki][malformed]") {
    const Fixture fixture;
    const Bytes good = sampleAttributes().encode();
    SECTION("truncated extension value") {
        const Bytes truncated(good.begin(), good.end() - 1);
        CHECK(fixture.verify(cardWithExtension(fixture.pki, truncated).der()).codeOf(Check::certificate) == ReasonCode::malformed);
    }
    SECTION("wrong string type") {
        Bytes wrong = good;
        wrong[4] = 0x13;  // PrintableString for the first entitlement
        CHECK(fixture.verify(cardWithExtension(fixture.pki, wrong).der()).codeOf(Check::certificate) == ReasonCode::malformed);
    }
    SECTION("a huge inner length") {
        CHECK(fixture.verify(cardWithExtension(fixture.pki, fromHex("30847FFFFFFF3000")).der()).codeOf(Check::certificate) ==
              ReasonCode::malformed);
    }
    SECTION("not critical") {
        CHECK(fixture.verify(cardWithExtension(fixture.pki, good, false).der()).codeOf(Check::certificate) == ReasonCode::malformed);
    }
}

TEST_CASE("truncated, corrupted and oversized CRLs are refused with a typed error", "[pki][malformed]") {
    Fixture fixture;
    const Bytes crl = fixture.pki.crl(2, {{fixture.card.certificate.serialNumber(), jan2026, RevocationReason::keyCompromise}}).der();
    for (std::size_t length = 0; length < crl.size(); ++length) {
        const Bytes truncated(crl.begin(), crl.begin() + static_cast<std::ptrdiff_t>(length));
        CHECK_THROWS_AS(fixture.revocation.importCrl(fixture.trust, truncated), MalformedCrlError);
    }
    for (std::size_t i = 0; i < crl.size(); ++i) {
        Bytes corrupted = crl;
        corrupted[i] ^= 0x5A;
        // Either it does not parse, or its signature no longer verifies: never imported.
        CHECK_THROWS_AS(fixture.revocation.importCrl(fixture.trust, corrupted), CryptoError);
    }
    Bytes huge = fromHex("30847FFFFFFF");
    huge.insert(huge.end(), crl.begin() + 3, crl.end());
    CHECK_THROWS_AS(fixture.revocation.importCrl(fixture.trust, huge), MalformedCrlError);
    CHECK_THROWS_AS(RevocationList::fromPem("-----BEGIN X509 CRL-----\n!!!\n-----END X509 CRL-----\n"), MalformedCrlError);
    // Held state untouched: the card is still not revoked under CRL 1.
    CHECK(fixture.verify(fixture.card.certificate.der()).accepted());
}

TEST_CASE("a trust bundle with a stray certificate is refused", "[pki][malformed]") {
    const Fixture fixture;
    CHECK_THROWS_AS(TrustStore::fromPem(fixture.pki.root.certificate().pem() + fixture.card.certificate.pem()),
                    MalformedCertificateError);
    const TestPki stranger = TestPki::create();
    CHECK_THROWS_AS(TrustStore::fromPem(fixture.pki.root.certificate().pem() + stranger.issuing.certificate().pem()),
                    MalformedCertificateError);
    CHECK_THROWS_AS(TrustStore::fromPem(fixture.pki.issuing.certificate().pem()), MalformedCertificateError);
    CHECK_THROWS_AS(TrustStore::fromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                    MalformedCertificateError);
}
