// An NFC tag at the terminal, in-process: the credential written to the virtual NTAG216 with
// the station's own NDEF framing, read back with readMerchantTag, verified with verifyTag, and
// decided by decideTag at low assurance against each kind of service policy.
#include "card/nfc/ndef.hpp"
#include "card/nfc/type2_tag.hpp"
#include "card/transport.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/ntag216_tag.hpp"
#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/tag_credential.hpp"
#include "terminal/card_reading.hpp"
#include "terminal/tap_decision.hpp"
#include "terminal_test_support.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::terminal;
using namespace fmc::terminal::testing;
namespace pki = fmc::crypto::pki;
namespace nfc = fmc::card::nfc;
namespace vcard = fmc::card::vcard;
using std::chrono::hours;

namespace {

const auto noon = jan2026 + hours(12);
const Bytes kUid{0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6};

catalog::Service lowAssurance(catalog::Service service) {
    service.minAssurance = catalog::AssuranceLevel::low;
    return service;
}

// A terminal's PKI state and one tag in the virtual reader.
struct TagBench {
    pki::testing::TestPki authority = pki::testing::TestPki::create();
    pki::TrustStore trust =
        pki::TrustStore::fromPem(authority.root.certificate().pem() + authority.issuing.certificate().pem());
    pki::RevocationState revocation;
    pki::CardVerifier verifier{trust, hours(24)};
    vcard::Ntag216Tag tag{vcard::Ntag216State::factoryBlank(kUid), {}};
    vcard::AppletTransport transport{tag};
    card::CardChannel channel{transport};

    TagBench() {
        revocation.importCrl(trust, authority.crl(1, {}));
        revocation.importCrl(trust, authority.arl(1));
    }

    void write(ByteView message) { nfc::Type2Tag(channel).writeNdefMessage(message); }
    void issue(const Bytes& uid = kUid) {
        const Bytes credential = authority.issuing.issueTagCredential(pki::TagCredentialRequest{
            Bytes{0x4A, 0x01}, randomUuid(), uid, cardEntitlements, "fr", jan2026, jan2026 + 5 * year, {}});
        write(nfc::encodeNdefMessage({nfc::mediaRecord(pki::tagCredentialMediaType, credential)}));
    }
    Decision tap(const catalog::Service& service) {
        const TagReading reading = readMerchantTag(channel);
        return decideTag(reading, verifier.verifyTag(reading.credential, reading.uid, noon, revocation), service);
    }
};

} // namespace

TEST_CASE("a tag is read in a few exchanges: its UID and its one credential", "[terminal][tag]") {
    TagBench bench;
    bench.issue();
    card::CardChannel terminal(bench.transport);  // counts the terminal's exchanges only
    const TagReading reading = readMerchantTag(terminal);
    CHECK(reading.uid == kUid);
    CHECK(pki::TagCredential::parse(reading.credential).tagUid == kUid);
    // UID, the capability container, then 16-byte reads of the TLV and the message.
    CHECK(reading.exchanges >= 3);
    CHECK(reading.exchanges <= 2 + (4 + reading.credential.size() + 32) / 16 + 1);
}

TEST_CASE("a tag without our credential is not a merchant card", "[terminal][tag]") {
    TagBench bench;
    const auto refused = [&] {
        try {
            (void)readMerchantTag(bench.channel);
        } catch (const CardReadError& error) {
            return error.failure();
        }
        FAIL("the tag was read as a merchant tag");
        return ReadFailure::unreadable;
    };
    SECTION("blank") { CHECK(refused() == ReadFailure::notAMerchantCard); }
    SECTION("a URI record") {
        bench.write(nfc::encodeNdefMessage({{nfc::Tnf::wellKnown, {'U'}, {}, {0x04, 'x', '.', 'o', 'r', 'g'}}}));
        CHECK(refused() == ReadFailure::notAMerchantCard);
    }
    SECTION("a broken NDEF message") {
        bench.write(Bytes{0xD2, 0x0F, 0x40});  // a media record whose lengths run past the end
        CHECK(refused() == ReadFailure::notAMerchantCard);
    }
}

TEST_CASE("a tag decides at low assurance: only services that accept it grant it", "[terminal][tag][decision]") {
    TagBench bench;
    bench.issue();
    SECTION("a service whose policy accepts low assurance") {
        const Decision decision = bench.tap(lowAssurance(library));
        CHECK(decision.granted);
        CHECK(decision.reason == "ok");
        CHECK(decision.assurance == "low");
        CHECK(decision.cardInterface == "contactless");
        CHECK(decision.serial == "4A01");
        CHECK(decision.entitlements == cardEntitlements);
    }
    SECTION("the default policy (high) refuses it") {
        REQUIRE(library.minAssurance == catalog::AssuranceLevel::high);
        const Decision decision = bench.tap(library);
        CHECK_FALSE(decision.granted);
        CHECK(decision.reason == "assurance-too-low");
        CHECK(decision.assurance == "low");
        CHECK_THAT(decision.detail, Catch::Contains("requires high assurance"));
    }
    SECTION("the interface is checked first, the entitlement last") {
        CHECK(bench.tap(lowAssurance(tradeLicensing)).reason == "interface-not-allowed");
        CHECK(bench.tap(lowAssurance(service("parks", {catalog::CardInterface::contactless}))).reason == "not-entitled");
    }
}

TEST_CASE("a copy on another UID, a tampered credential, a malformed one", "[terminal][tag][decision]") {
    TagBench bench;
    SECTION("copied from a tag with another UID") {
        bench.issue(Bytes{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66});
        const Decision decision = bench.tap(lowAssurance(library));
        CHECK(decision.reason == "card-auth-failed");
        CHECK_THAT(decision.detail, Catch::Contains("a copy"));
    }
    SECTION("a malformed credential: nothing was judged, so no assurance") {
        bench.write(nfc::encodeNdefMessage({nfc::mediaRecord(pki::tagCredentialMediaType, Bytes{0x84, 0x40})}));
        const Decision decision = bench.tap(lowAssurance(library));
        CHECK(decision.reason == "not-a-merchant-card");
        CHECK(decision.assurance.empty());
    }
}
