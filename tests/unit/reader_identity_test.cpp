// "Is it one of ours" for the readers command (card/reader_identity): the 9E certificate of a
// PIV card and the credential of an NTAG216, read in-process from the virtual card's applet
// and tag, with the issuer trusted, not trusted, or trust unknown.
#include "card/nfc/ndef.hpp"
#include "card/nfc/type2_tag.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "card/reader_identity.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/ntag216_tag.hpp"
#include "card/vcard/piv_applet.hpp"
#include "crypto/pki/tag_credential.hpp"
#include "unit/pki_test_support.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card;
using crypto::pki::testing::TestPki;
using crypto::pki::testing::jan2026;
using crypto::pki::testing::year;

namespace {

// One PKI for the whole file: key generation is the slow part.
const TestPki& ourPki() {
    static const TestPki pki = TestPki::create();
    return pki;
}
const TestPki& otherPki() {
    static const TestPki pki = TestPki::create();
    return pki;
}
TrustedIssuingCas trusting(const TestPki& pki) { return std::vector{pki.issuing.certificate()}; }

struct InProcessPivCard {
    vcard::PivApplet applet{vcard::CardState::factoryBlank(), [](const vcard::CardState&) {}};
    vcard::AppletTransport transport{applet};
    CardChannel channel{transport};
    piv::PivCard piv{channel};

    void write9eCertificate(const crypto::pki::Certificate& certificate) {
        piv.select();
        const Bytes key(piv::kDefaultManagementKey.begin(), piv::kDefaultManagementKey.end());
        piv.authenticateManagementKey(piv::algorithm::kTripleDes, SecretBytes(key));
        piv.writeCertificate(piv::kMerchantCardKeySlot, certificate.der());
        applet.powerCycle();
        piv.select();
    }
};

ReaderReport identifyPiv(InProcessPivCard& card, const TrustedIssuingCas& trusted) {
    ReaderReport report;
    card.piv.select();
    identifyPivCard(card.piv, report, trusted);
    return report;
}

struct InProcessTag {
    vcard::Ntag216Tag tag;
    vcard::AppletTransport transport{tag};
    CardChannel channel{transport};

    explicit InProcessTag(vcard::Ntag216State state) : tag(std::move(state), [](const vcard::Ntag216State&) {}) {}
    static InProcessTag blank(const Bytes& uid) { return InProcessTag(vcard::Ntag216State::factoryBlank(uid)); }
};

ReaderReport identify(InProcessTag& tag, const TrustedIssuingCas& trusted) {
    ReaderReport report;
    report.contactlessUid = nfc::Type2Tag(tag.channel).uid();
    identifyTag(tag.channel, report, trusted);
    return report;
}

const Bytes kUid = fromHex("04A1B2C3D4E5F6");

Bytes credentialFor(const Bytes& uid) {
    crypto::pki::TagCredentialRequest request;
    request.credentialUuid = crypto::pki::testing::sampleUuid(0x42);
    request.tagUid = uid;
    request.entitlements = {"WATER_1"};
    request.preferredLanguage = "fr";
    request.notBefore = jan2026;
    request.notAfter = jan2026 + year;
    return ourPki().issuing.issueTagCredential(request);
}

} // namespace

TEST_CASE("a blank PIV card is not ours; an issued one is, with its issuer", "[identity][piv]") {
    InProcessPivCard card;
    const ReaderReport blank = identifyPiv(card, trusting(ourPki()));
    CHECK_FALSE(blank.fmc);
    CHECK(blank.notOursReason == "no 9E (card authentication) certificate");

    const TestPki::Card issued = ourPki().issueCard("FMC-0000-0042", 0x42);
    card.write9eCertificate(issued.certificate);

    const ReaderReport ours = identifyPiv(card, trusting(ourPki()));
    REQUIRE(ours.fmc);
    CHECK(ours.fmc->kind == FmcCredential::Kind::card);
    CHECK(ours.fmc->serialNumber == issued.certificate.serialNumber());
    CHECK(ours.fmc->cardUuid == uuidToString(crypto::pki::testing::sampleUuid(0x42)));
    CHECK(ours.fmc->issuerName == "FMC Issuing CA Hanoi 1");
    CHECK(ours.fmc->issuerKeyId == ourPki().issuing.certificate().subjectKeyIdentifier());
    CHECK(ours.fmc->notAfter == issued.certificate.notAfter());
    CHECK_FALSE(ours.fmc->boundUid);
    CHECK(ours.issuerTrust == IssuerTrust::trusted);

    CHECK(identifyPiv(card, trusting(otherPki())).issuerTrust == IssuerTrust::untrusted);
    CHECK(identifyPiv(card, std::nullopt).issuerTrust == IssuerTrust::unknown);
    CHECK(identifyPiv(card, std::vector<crypto::pki::Certificate>{}).issuerTrust == IssuerTrust::untrusted);
}

TEST_CASE("a 9E certificate outside the card profile is not ours", "[identity][piv]") {
    InProcessPivCard card;
    card.write9eCertificate(ourPki().issuing.certificate());  // a CA certificate, not a card's
    const ReaderReport report = identifyPiv(card, trusting(ourPki()));
    CHECK_FALSE(report.fmc);
    CHECK_THAT(report.notOursReason, Catch::StartsWith("the 9E certificate is not a Foreign Merchant Card's"));
}

TEST_CASE("a blank and a foreign NFC tag are not ours", "[identity][tag]") {
    InProcessTag blank = InProcessTag::blank(kUid);
    const ReaderReport empty = identify(blank, trusting(ourPki()));
    CHECK(empty.ndefMessagePresent == false);
    CHECK_FALSE(empty.fmc);

    InProcessTag foreign = InProcessTag::blank(kUid);
    nfc::Type2Tag(foreign.channel)
        .writeNdefMessage(nfc::encodeNdefMessage({{nfc::Tnf::wellKnown, {'U'}, {}, Bytes{0x04}}}));
    const ReaderReport other = identify(foreign, trusting(ourPki()));
    CHECK(other.ndefMessagePresent == true);
    CHECK_FALSE(other.fmc);
    CHECK(other.notOursReason == "no single application/cwt record: a foreign tag");
}

TEST_CASE("an issued NFC tag is ours; its copy on another UID is found out", "[identity][tag]") {
    InProcessTag tag = InProcessTag::blank(kUid);
    const Bytes credential = credentialFor(kUid);
    nfc::Type2Tag(tag.channel)
        .writeNdefMessage(nfc::encodeNdefMessage({nfc::mediaRecord(crypto::pki::tagCredentialMediaType, credential)}));

    const ReaderReport ours = identify(tag, trusting(ourPki()));
    REQUIRE(ours.fmc);
    const crypto::pki::TagCredential parsed = crypto::pki::TagCredential::parse(credential);
    CHECK(ours.fmc->kind == FmcCredential::Kind::tag);
    CHECK(ours.fmc->serialNumber == parsed.serialNumber);
    CHECK(ours.fmc->issuerName == "FMC Issuing CA Hanoi 1");
    CHECK(ours.fmc->issuerKeyId == ourPki().issuing.certificate().subjectKeyIdentifier());
    CHECK(ours.fmc->notAfter == jan2026 + year);
    CHECK(ours.fmc->boundUid == kUid);
    CHECK(ours.fmc->uidMatches == true);
    CHECK(ours.issuerTrust == IssuerTrust::trusted);
    CHECK(identify(tag, trusting(otherPki())).issuerTrust == IssuerTrust::untrusted);
    CHECK(identify(tag, std::nullopt).issuerTrust == IssuerTrust::unknown);

    // Every page copied to a tag with another UID: the credential still verifies, the UID not.
    vcard::Ntag216State copied = tag.tag.state();
    copied.setUid(fromHex("04111111111111"));
    InProcessTag copy(copied);
    const ReaderReport report = identify(copy, trusting(ourPki()));
    REQUIRE(report.fmc);
    CHECK(report.fmc->uidMatches == false);
    CHECK(report.issuerTrust == IssuerTrust::trusted);
    CHECK(hintsForReader([&] {
              ReaderReport withFamily = report;
              withFamily.cardPresent = true;
              withFamily.cardFamily = CardFamily::ntag21x;
              return withFamily;
          }())
              .front()
              .id == HintId::copiedTag);
}
