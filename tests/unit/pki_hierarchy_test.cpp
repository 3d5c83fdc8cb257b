// Root, issuing CA and card certificates: their profile, and what the openssl CLI makes of
// them.
#include "pki_test_support.hpp"

#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/serial_number.hpp"

#include <openssl/x509v3.h>

#include <catch2/catch.hpp>

#include <set>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {
bool hasCriticalExtension(const Certificate& certificate, int nid) {
    const int index = X509_get_ext_by_NID(certificate.native(), nid, -1);
    return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(certificate.native(), index)) == 1;
}
} // namespace

TEST_CASE("serial numbers are positive, 16 octets, and differ", "[pki][hierarchy]") {
    std::set<Bytes> seen;
    for (int i = 0; i < 200; ++i) {
        const Bytes serial = newSerialNumber();
        REQUIRE(serial.size() == 16);
        CHECK((serial[0] & 0x80) == 0);
        CHECK((serial[0] & 0x40) != 0);
        seen.insert(serial);
    }
    CHECK(seen.size() == 200);
}

TEST_CASE("the root and the issuing CA follow the CA profile", "[pki][hierarchy]") {
    const TestPki pki = TestPki::create();
    const Certificate& root = pki.root.certificate();
    const Certificate& issuing = pki.issuing.certificate();

    CHECK(root.isSelfSigned());
    CHECK(root.isCa());
    CHECK(root.publicKey().curve() == Curve::p384);
    CHECK(root.subject() == "CN=FMC Root CA,O=Public Security");
    CHECK(X509_get_pathlen(root.native()) == 1);
    CHECK(hasCriticalExtension(root, NID_basic_constraints));
    CHECK(hasCriticalExtension(root, NID_key_usage));
    CHECK(X509_get_key_usage(root.native()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));

    CHECK_FALSE(issuing.isSelfSigned());
    CHECK(issuing.isCa());
    CHECK(issuing.issuer() == root.subject());
    CHECK(X509_get_pathlen(issuing.native()) == 0);
    CHECK(X509_get_key_usage(issuing.native()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    CHECK(issuing.serialNumber().size() == 16);
    // AKI of the issuing CA = SKI of the root (RFC 5280 §4.2.1.1).
    const ASN1_OCTET_STRING* authorityKeyId = X509_get0_authority_key_id(issuing.native());
    REQUIRE(authorityKeyId != nullptr);
    const Bytes aki(ASN1_STRING_get0_data(authorityKeyId), ASN1_STRING_get0_data(authorityKeyId) + ASN1_STRING_length(authorityKeyId));
    CHECK(aki == root.subjectKeyIdentifier());
    CHECK(X509_verify(issuing.native(), X509_get0_pubkey(root.native())) == 1);
}

TEST_CASE("a card certificate follows the card profile", "[pki][hierarchy]") {
    const TestPki pki = TestPki::create();
    const auto card = pki.issueCard("FMC-2026-000042", 0x30);
    const Certificate& certificate = card.certificate;

    CHECK(certificate.subject() == "CN=FMC-2026-000042");
    CHECK(certificate.issuer() == pki.issuing.certificate().subject());
    CHECK_FALSE(certificate.isCa());
    CHECK(X509_get_key_usage(certificate.native()) == KU_DIGITAL_SIGNATURE);
    CHECK(hasCriticalExtension(certificate, NID_key_usage));
    CHECK(hasCriticalExtension(certificate, cardAttributesNid()));
    CHECK(certificate.publicKey().uncompressedPoint() == card.key.publicKey().uncompressedPoint());
    CHECK(certificate.notBefore() == jan2026);
    CHECK(certificate.notAfter() == jan2026 + 5 * year);

    const CardIdentity identity = CardCertificateProfile::read(certificate);
    CHECK(identity.cardNumber == "FMC-2026-000042");
    CHECK(identity.cardUuid == sampleUuid(0x30));
    CHECK(identity.attributes == sampleAttributes());
    CHECK(identity.serialNumber == certificate.serialNumber());
}

TEST_CASE("the CA uses a serial number the registry chose", "[pki][hierarchy]") {
    const TestPki pki = TestPki::create();
    const Bytes serial = newSerialNumber();
    EcPrivateKey key = EcPrivateKey::generate(Curve::p256);
    const Certificate certificate = pki.issuing.issueCardCertificate(
        {"FMC-1", sampleUuid(), key.publicKey(), sampleAttributes(), jan2026, jan2026 + year, serial});
    CHECK(certificate.serialNumber() == serial);
}

TEST_CASE("validity outside the issuer's is refused", "[pki][hierarchy]") {
    const TestPki pki = TestPki::create();
    EcPrivateKey key = EcPrivateKey::generate(Curve::p256);
    const auto issuingEnd = pki.issuing.certificate().notAfter();
    CardCertificateRequest request{"FMC-1", sampleUuid(), key.publicKey(), sampleAttributes(), jan2026, issuingEnd + hours(1), {}};
    CHECK_THROWS_AS(pki.issuing.issueCardCertificate(request), CertificateProfileError);
    request.notAfter = issuingEnd;
    CHECK_NOTHROW(pki.issuing.issueCardCertificate(request));
    request.notBefore = pki.issuing.certificate().notBefore() - hours(1);
    CHECK_THROWS_AS(pki.issuing.issueCardCertificate(request), CertificateProfileError);
    request.notBefore = request.notAfter;
    CHECK_THROWS_AS(pki.issuing.issueCardCertificate(request), CertificateProfileError);

    CHECK_THROWS_AS(pki.root.issueSubordinateCa(key.publicKey(), {"Late CA", "X", jan2026, jan2026 + 30 * year, {}}),
                    CertificateProfileError);
}

TEST_CASE("a card request outside the profile is refused", "[pki][hierarchy]") {
    const TestPki pki = TestPki::create();
    EcPrivateKey key = EcPrivateKey::generate(Curve::p256);
    CardCertificateRequest request{"", sampleUuid(), key.publicKey(), sampleAttributes(), jan2026, jan2026 + year, {}};
    CHECK_THROWS_AS(pki.issuing.issueCardCertificate(request), CertificateProfileError);
    request.cardNumber = std::string(65, '1');
    CHECK_THROWS_AS(pki.issuing.issueCardCertificate(request), CertificateProfileError);
    request.cardNumber = "FMC-1";
    request.attributes.personalDataDigest.resize(20);
    CHECK_THROWS_AS(pki.issuing.issueCardCertificate(request), CertificateProfileError);
}

TEST_CASE("a CA refuses a key store that does not hold its key", "[pki][hierarchy]") {
    const TestPki pki = TestPki::create();
    auto otherKeys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p256));
    CHECK_THROWS_AS(CertificateAuthority(pki.issuing.certificate(), otherKeys), CertificateProfileError);
}

TEST_CASE("certificates round-trip through DER and PEM", "[pki][hierarchy]") {
    const TestPki pki = TestPki::create();
    const auto card = pki.issueCard();
    CHECK(Certificate::fromDer(card.certificate.der()) == card.certificate);
    CHECK(Certificate::fromPem(card.certificate.pem()) == card.certificate);
    const auto bundle = Certificate::allFromPem(pki.root.certificate().pem() + pki.issuing.certificate().pem());
    REQUIRE(bundle.size() == 2);
    CHECK(bundle[1] == pki.issuing.certificate());
}

TEST_CASE("openssl x509 -text shows the card profile", "[pki][hierarchy][openssl]") {
    const TestPki pki = TestPki::create();
    const auto card = pki.issueCard("FMC-2026-000042", 0x30);
    const TempDir dir;
    const std::string file = dir.write("card.pem", card.certificate.pem());
    const CommandResult text = run("openssl x509 -noout -text -in " + file);
    REQUIRE(text.exitCode == 0);
    CHECK_THAT(text.output, Catch::Contains("Subject: CN = FMC-2026-000042"));
    CHECK_THAT(text.output, Catch::Contains("URI:" + uuidUrn(sampleUuid(0x30))));
    CHECK_THAT(text.output, Catch::Contains("X509v3 Key Usage: critical"));
    CHECK_THAT(text.output, Catch::Contains("Digital Signature"));
    CHECK_THAT(text.output, Catch::Contains(std::string(cardAttributesOid) + ": critical"));
    // The DER dump shows the entitlement codes and language as text.
    CHECK_THAT(text.output, Catch::Contains("MARKET-STALL"));
    CHECK_THAT(text.output, Catch::Contains("ASN1 OID: prime256v1"));
}

TEST_CASE("openssl verify accepts the chain", "[pki][hierarchy][openssl]") {
    const TestPki pki = TestPki::create();
    const auto card = pki.issueCard();
    const TempDir dir;
    const std::string root = dir.write("root.pem", pki.root.certificate().pem());
    const std::string issuing = dir.write("issuing.pem", pki.issuing.certificate().pem());
    const std::string cardFile = dir.write("card.pem", card.certificate.pem());
    const std::string base = "openssl verify -attime " + epochSeconds(jan2026 + hours(1)) + " -CAfile " + root +
                             " -untrusted " + issuing + " ";

    // The attributes extension is critical on purpose (RFC 5280 §4.2): generic software that
    // does not know it must not accept the card, so plain openssl refuses, and accepts once
    // told to leave critical extensions to the caller, which is what our verifier does for
    // exactly this one extension.
    const CommandResult plain = run(base + cardFile);
    CHECK(plain.exitCode != 0);
    CHECK_THAT(plain.output, Catch::Contains("unhandled critical extension"));

    const CommandResult accepted = run(base + "-ignore_critical " + cardFile);
    CHECK(accepted.exitCode == 0);
    CHECK_THAT(accepted.output, Catch::Contains(": OK"));

    // And the issuing CA alone, which has no private extension.
    const CommandResult issuingAlone =
        run("openssl verify -attime " + epochSeconds(jan2026) + " -CAfile " + root + " " + issuing);
    CHECK(issuingAlone.exitCode == 0);
}
