// CRLs and the ARL: their content, openssl's view of them, and the rules of import.
#include "pki_test_support.hpp"

#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/serial_number.hpp"
#include "crypto/pki/trust_store.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;


TEST_CASE("a CRL carries number, times, AKI and reason codes", "[pki][crl]") {
    const TestPki pki = TestPki::create();
    const Bytes a = newSerialNumber(), b = newSerialNumber(), c = newSerialNumber(), d = newSerialNumber();
    const std::vector<RevokedCertificate> entries{
        {a, jan2026 - hours(5), RevocationReason::keyCompromise},
        {b, jan2026 - hours(4), RevocationReason::superseded},
        {c, jan2026 - hours(3), RevocationReason::cessationOfOperation},
        {d, jan2026 - hours(2), RevocationReason::certificateHold},
    };
    const RevocationList crl = pki.crl(7, entries);
    CHECK(crl.crlNumber() == 7);
    CHECK(crl.thisUpdate() == jan2026);
    CHECK(crl.nextUpdate() == jan2026 + hours(24));
    CHECK(crl.issuer() == pki.issuing.certificate().subject());
    CHECK(X509_CRL_get_version(crl.native()) == X509_CRL_VERSION_2);
    const ASN1_OCTET_STRING* aki = static_cast<const ASN1_OCTET_STRING*>(nullptr);
    AUTHORITY_KEYID* keyId = static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(crl.native(), NID_authority_key_identifier, nullptr, nullptr));
    REQUIRE(keyId != nullptr);
    aki = keyId->keyid;
    CHECK(Bytes(ASN1_STRING_get0_data(aki), ASN1_STRING_get0_data(aki) + ASN1_STRING_length(aki)) ==
          pki.issuing.certificate().subjectKeyIdentifier());
    AUTHORITY_KEYID_free(keyId);

    auto decoded = crl.entries();
    std::sort(decoded.begin(), decoded.end(), [](const auto& x, const auto& y) { return x.revocationDate < y.revocationDate; });
    CHECK(decoded == entries);
    // Round trip through DER and PEM keeps everything.
    CHECK(RevocationList::fromDer(crl.der()).entries().size() == 4);
    CHECK(RevocationList::fromPem(crl.pem()).crlNumber() == 7);
}

TEST_CASE("an unspecified reason is encoded by leaving the extension out", "[pki][crl]") {
    const TestPki pki = TestPki::create();
    const RevocationList crl = pki.crl(1, {{newSerialNumber(), jan2026, RevocationReason::unspecified}});
    const X509_REVOKED* entry = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl.native()), 0);
    CHECK(X509_REVOKED_get_ext_count(entry) == 0);
    CHECK(crl.entries().front().reason == RevocationReason::unspecified);
}

TEST_CASE("openssl crl -verify agrees on who signed a CRL", "[pki][crl][openssl]") {
    const TestPki pki = TestPki::create();
    const TempDir dir;
    const std::string crl = dir.write("crl.pem", pki.crl(3, {{newSerialNumber(), jan2026, RevocationReason::keyCompromise}}).pem());
    const std::string arl = dir.write("arl.pem", pki.arl(1).pem());
    const std::string issuing = dir.write("issuing.pem", pki.issuing.certificate().pem());
    const std::string root = dir.write("root.pem", pki.root.certificate().pem());

    CHECK(run("openssl crl -noout -verify -in " + crl + " -CAfile " + issuing).output.find("verify OK") != std::string::npos);
    CHECK(run("openssl crl -noout -verify -in " + arl + " -CAfile " + root).output.find("verify OK") != std::string::npos);
    const CommandResult text = run("openssl crl -noout -text -in " + crl);
    CHECK_THAT(text.output, Catch::Contains("X509v3 CRL Number:"));
    CHECK_THAT(text.output, Catch::Contains("Key Compromise"));

    // Our import agrees: the CRL verifies, the state takes it.
    TrustStore trust = pki.trust();
    RevocationState state;
    CHECK(state.importCrl(trust, RevocationList::fromPem(run("cat " + crl).output)).crlNumber() == 3);

    // A CRL from a CA outside the trust store: openssl and our import both refuse.
    const TestPki stranger = TestPki::create();
    const std::string foreign = dir.write("foreign.pem", stranger.crl(9).pem());
    CHECK(run("openssl crl -noout -verify -in " + foreign + " -CAfile " + issuing).output.find("verify OK") == std::string::npos);
    CHECK_THROWS_AS(state.importCrl(trust, stranger.crl(9)), UntrustedCrlError);
}

TEST_CASE("import refuses a CRL that is not newer than the one held", "[pki][crl]") {
    const TestPki pki = TestPki::create();
    TrustStore trust = pki.trust();
    RevocationState state;
    const Bytes serial = newSerialNumber();
    state.importCrl(trust, pki.crl(5, {{serial, jan2026, RevocationReason::keyCompromise}}));
    CHECK_THROWS_AS(state.importCrl(trust, pki.crl(5)), CrlNotNewerError);
    CHECK_THROWS_AS(state.importCrl(trust, pki.crl(4)), CrlNotNewerError);
    // The refused import left the held list in place.
    CHECK(state.forIssuer(pki.issuing.certificate().native())->find(serial) == RevocationReason::keyCompromise);
    state.importCrl(trust, pki.crl(6));
    CHECK_FALSE(state.forIssuer(pki.issuing.certificate().native())->find(serial).has_value());
    // The root's ARL is held separately, with its own numbering.
    state.importCrl(trust, pki.arl(1));
    CHECK(state.size() == 2);
}

TEST_CASE("a tampered CRL is refused on import", "[pki][crl]") {
    const TestPki pki = TestPki::create();
    TrustStore trust = pki.trust();
    RevocationState state;
    Bytes der = pki.crl(2, {{newSerialNumber(), jan2026, RevocationReason::keyCompromise}}).der();
    // Flip a bit of the last revoked serial inside the signed part.
    const RevocationList original = RevocationList::fromDer(der);
    const Bytes serial = original.entries().front().serialNumber;
    const auto at = std::search(der.begin(), der.end(), serial.begin(), serial.end());
    REQUIRE(at != der.end());
    *(at + 3) ^= 0x01;
    CHECK_THROWS_AS(state.importCrl(trust, der), UntrustedCrlError);
    CHECK(state.size() == 0);
}

TEST_CASE("the revocation index finds serials in logarithmic time", "[pki][crl]") {
    const TestPki pki = TestPki::create();
    std::vector<RevokedCertificate> entries;
    for (int i = 0; i < 2000; ++i)
        entries.push_back({newSerialNumber(), jan2026, i % 2 == 0 ? RevocationReason::superseded : RevocationReason::certificateHold});
    // Short serials too: ordering must be numeric, not by byte string.
    entries.push_back({Bytes{0x01}, jan2026, RevocationReason::keyCompromise});
    entries.push_back({Bytes{0x01, 0x00}, jan2026, RevocationReason::cessationOfOperation});
    const RevocationIndex index = RevocationIndex::build(pki.crl(1, entries), pki.issuing.certificate());
    CHECK(index.size() == entries.size());
    for (const RevokedCertificate& entry : entries) CHECK(index.find(entry.serialNumber) == entry.reason);
    CHECK(index.find(Bytes{0x00, 0x01}) == RevocationReason::keyCompromise);  // leading zero ignored
    CHECK_FALSE(index.find(Bytes{0x02}).has_value());
    CHECK_FALSE(index.find(newSerialNumber()).has_value());
    CHECK_FALSE(index.find(Bytes(25, 0x7F)).has_value());
}

TEST_CASE("CRL age and staleness are data for the terminal", "[pki][crl]") {
    const TestPki pki = TestPki::create();
    const RevocationIndex index = RevocationIndex::build(pki.crl(1, {}, jan2026, hours(24)), pki.issuing.certificate());
    CHECK(index.ageHours(jan2026 + hours(6)) == Approx(6.0));
    CHECK_FALSE(index.isStale(jan2026 + hours(6), hours(12)));
    CHECK(index.isStale(jan2026 + hours(13), hours(12)));   // older than the policy allows
    CHECK(index.isStale(jan2026 + hours(25), hours(48)));   // past nextUpdate
}

TEST_CASE("importing from DER gives the same index as importing the parsed list", "[pki][crl]") {
    const TestPki pki = TestPki::create();
    TrustStore trust = pki.trust();
    std::vector<RevokedCertificate> entries;
    const RevocationReason reasons[] = {RevocationReason::unspecified, RevocationReason::keyCompromise,
                                        RevocationReason::superseded, RevocationReason::cessationOfOperation,
                                        RevocationReason::certificateHold};
    for (int i = 0; i < 500; ++i) entries.push_back({newSerialNumber(), jan2026, reasons[i % 5]});
    entries.push_back({Bytes{0x01}, jan2026, RevocationReason::keyCompromise});
    entries.push_back({Bytes{0x00, 0x80}, jan2026, RevocationReason::superseded});  // needs a 00 pad
    const RevocationList crl = pki.crl(7, entries);

    // The fast path must really take this list (nullopt would mean it fell back).
    const auto fromDer = RevocationIndex::buildFromDer(crl.der(), trust);
    REQUIRE(fromDer.has_value());
    const RevocationIndex& fast = fromDer->first;
    const RevocationIndex parsed = RevocationIndex::build(crl, pki.issuing.certificate());
    CHECK(fast.size() == parsed.size());
    CHECK(fast.crlNumber() == parsed.crlNumber());
    CHECK(fast.thisUpdate() == parsed.thisUpdate());
    CHECK(fast.nextUpdate() == parsed.nextUpdate());
    for (const RevokedCertificate& entry : entries) {
        CHECK(fast.find(entry.serialNumber) == parsed.find(entry.serialNumber));
        CHECK(fast.find(entry.serialNumber) == entry.reason);
    }
    CHECK_FALSE(fast.find(newSerialNumber()).has_value());

    RevocationState viaDer;
    viaDer.importCrl(trust, crl.der());
    CHECK(viaDer.forIssuer(pki.issuing.certificate().native())->size() == entries.size());
}
