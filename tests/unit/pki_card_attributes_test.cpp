// The private extension's DER: a known answer worked out by hand from the ASN.1 module in
// card_attributes.hpp, and strict decoding of everything that is not exactly that DER.
#include "crypto/pki/card_attributes.hpp"
#include "crypto/pki/card_uuid.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace fmc;
using namespace fmc::crypto::pki;

namespace {

Bytes digest0to31() {
    Bytes digest(32);
    for (std::size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<std::uint8_t>(i);
    return digest;
}

// SEQUENCE { SEQUENCE { UTF8String "A1", UTF8String "B" }, UTF8String "en", OCTET STRING 00..1F }
const std::string knownAnswerHex =
    "302F"
    "3007" "0C024131" "0C0142"
    "0C02656E"
    "0420" "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

CardAttributes knownInput() { return {{"A1", "B"}, "en", digest0to31()}; }

} // namespace

TEST_CASE("card attributes encode to the known DER and decode back", "[pki][attributes]") {
    CHECK(toHex(knownInput().encode()) == knownAnswerHex);
    CHECK(CardAttributes::decode(fromHex(knownAnswerHex)) == knownInput());
}

TEST_CASE("card attributes with no entitlements encode an empty SEQUENCE OF", "[pki][attributes]") {
    const CardAttributes none{{}, "zh-Hant-TW", digest0to31()};
    const Bytes der = none.encode();
    CHECK(toHex(der).substr(0, 8) == "30303000");  // outer length 0x30, then 30 00
    CHECK(CardAttributes::decode(der) == none);
}

TEST_CASE("card attributes refuse values outside the profile", "[pki][attributes]") {
    CardAttributes bad = knownInput();
    SECTION("digest not 32 bytes") { bad.personalDataDigest.pop_back(); }
    SECTION("empty language") { bad.preferredLanguage.clear(); }
    SECTION("language with a space") { bad.preferredLanguage = "en US"; }
    SECTION("language subtag too long") { bad.preferredLanguage = "en-abcdefghi"; }
    SECTION("language primary subtag of one letter") { bad.preferredLanguage = "e"; }
    SECTION("entitlement with a non-ASCII character") { bad.entitlements = {"caf\xC3\xA9"}; }
    SECTION("empty entitlement") { bad.entitlements = {""}; }
    CHECK_THROWS_AS(bad.encode(), CertificateProfileError);
}

TEST_CASE("card attributes accept common BCP 47 tags", "[pki][attributes]") {
    for (const char* tag : {"vi", "en-US", "zh-Hans-CN", "sr-Latn-RS", "de-CH-1996", "yue"}) {
        CardAttributes attributes = knownInput();
        attributes.preferredLanguage = tag;
        CHECK_NOTHROW(attributes.encode());
    }
}

TEST_CASE("card attributes decoding refuses anything but the exact DER", "[pki][attributes]") {
    const Bytes good = fromHex(knownAnswerHex);
    SECTION("every truncation") {
        for (std::size_t length = 0; length < good.size(); ++length)
            CHECK_THROWS_AS(CardAttributes::decode(ByteView(good.data(), length)), MalformedCertificateError);
    }
    SECTION("a trailing byte") {
        Bytes longer = good;
        longer.push_back(0x00);
        CHECK_THROWS_AS(CardAttributes::decode(longer), MalformedCertificateError);
    }
    SECTION("PrintableString where UTF8String belongs") {
        Bytes wrongType = good;
        wrongType[4] = 0x13;
        CHECK_THROWS_AS(CardAttributes::decode(wrongType), MalformedCertificateError);
    }
    SECTION("INTEGER where the digest belongs") {
        Bytes wrongType = good;
        wrongType[15] = 0x02;
        CHECK_THROWS_AS(CardAttributes::decode(wrongType), MalformedCertificateError);
    }
    SECTION("a huge length") {
        CHECK_THROWS_AS(CardAttributes::decode(fromHex("30847FFFFFFF3007")), MalformedCertificateError);
        CHECK_THROWS_AS(CardAttributes::decode(fromHex("30FF")), MalformedCertificateError);
    }
    SECTION("BER: a non-minimal length is not DER") {
        Bytes ber = fromHex("30812F");
        ber.insert(ber.end(), good.begin() + 2, good.end());
        CHECK_THROWS_AS(CardAttributes::decode(ber), MalformedCertificateError);
    }
    SECTION("BER: indefinite length is not DER") {
        Bytes ber = fromHex("3080");
        ber.insert(ber.end(), good.begin() + 2, good.end());
        ber.push_back(0x00);
        ber.push_back(0x00);
        CHECK_THROWS_AS(CardAttributes::decode(ber), MalformedCertificateError);
    }
    SECTION("a 31-byte digest") {
        const Bytes shortDigest = fromHex("302E3007" "0C0241310C0142" "0C02656E" "041F"
                                          "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E");
        CHECK_THROWS_AS(CardAttributes::decode(shortDigest), MalformedCertificateError);
    }
}

TEST_CASE("card attributes OID is registered under the project's UUID arc", "[pki][attributes]") {
    CHECK(cardAttributesOid == "2.25.275236413673659619814416448863005970414.1");
    const int nid = cardAttributesNid();
    CHECK(nid != 0);
    CHECK(nid == cardAttributesNid());
}

TEST_CASE("card UUID URNs round-trip and refuse bad text", "[pki][attributes]") {
    const CardUuid uuid{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    CHECK(uuidUrn(uuid) == "urn:uuid:01234567-89ab-cdef-0123-456789abcdef");
    CHECK(uuidFromUrn("urn:uuid:01234567-89AB-CDEF-0123-456789ABCDEF") == uuid);
    CHECK_THROWS_AS(uuidFromUrn("urn:uuid:01234567-89ab-cdef-0123-456789abcdeg"), std::invalid_argument);
    CHECK_THROWS_AS(uuidFromUrn("urn:uuid:0123456789ab-cdef-0123-456789abcdef0"), std::invalid_argument);
    CHECK_THROWS_AS(uuidFromUrn("01234567-89ab-cdef-0123-456789abcdef"), std::invalid_argument);
}
