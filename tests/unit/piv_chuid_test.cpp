// CHUID and FASC-N codec (SP 800-73-4 Part 1 §3.1.2; TIG SCEPACS §6), and UUID text.
#include "card/errors.hpp"
#include "card/piv/chuid.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace fmc;
using namespace fmc::card::piv;
using fmc::card::CardProtocolError;

namespace {
// The FASC-N of yubico-piv-tool's CHUID template: agency 9999, system 9999, credential 999999,
// series 0, issue 1, person 0000000000, category 3, organization 0000, association 1.
constexpr std::string_view kNonFederalFascN = "D4E739DA739CED39CE739D836858210842108421C84210C3EB";
const Uuid kCardUuid = uuidFromString("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
} // namespace

TEST_CASE("UUID text round trip", "[piv][chuid]") {
    CHECK(toHex(kCardUuid) == "3F2504E04F8941D39A0C0305E82C3301");
    CHECK(uuidToString(kCardUuid) == "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    CHECK(uuidFromString("urn:uuid:3F2504E0-4F89-41D3-9A0C-0305E82C3301") == kCardUuid);
    CHECK_THROWS_AS(uuidFromString("3f2504e04f8941d39a0c0305e82c3301"), std::invalid_argument);
    CHECK_THROWS_AS(uuidFromString("3f2504e0-4f89-41d3-9a0c-0305e82c330g"), std::invalid_argument);
    CHECK_THROWS_AS(uuidFromString("3f2504e0-4f89-41d3-9a0c_0305e82c3301"), std::invalid_argument);
    CHECK_THROWS_AS(uuidFromString(""), std::invalid_argument);
}

TEST_CASE("random UUIDs are version 4 and differ", "[piv][chuid]") {
    const Uuid a = randomUuid();
    const Uuid b = randomUuid();
    CHECK(a != b);
    CHECK((a[6] >> 4) == 4);
    CHECK((a[8] & 0xC0) == 0x80);
}

TEST_CASE("FASC-N with agency code 9999 encodes to the known bytes", "[piv][chuid]") {
    const Bytes encoded = FascN{}.encode();
    CHECK(toHex(encoded) == kNonFederalFascN);
    CHECK(toHex(encoded).substr(0, 6) == "D4E739");  // piv.md: agency 9999 starts D4 E7 39
    CHECK(FascN::decode(encoded) == FascN{});
}

TEST_CASE("FASC-N round trip with other digits", "[piv][chuid]") {
    FascN fascn;
    fascn.agencyCode = "1234";
    fascn.credentialNumber = "000042";
    fascn.personIdentifier = "9876543210";
    CHECK(FascN::decode(fascn.encode()) == fascn);
    fascn.systemCode = "12a4";
    CHECK_THROWS_AS(fascn.encode(), std::invalid_argument);
    fascn.systemCode = "123";
    CHECK_THROWS_AS(fascn.encode(), std::invalid_argument);
}

TEST_CASE("FASC-N decoding detects damage", "[piv][chuid]") {
    Bytes bytes = fromHex(kNonFederalFascN);
    SECTION("a flipped bit breaks a character's parity") {
        bytes[7] ^= 0x10;
        CHECK_THROWS_AS(FascN::decode(bytes), CardProtocolError);
    }
    SECTION("wrong length") {
        bytes.pop_back();
        CHECK_THROWS_AS(FascN::decode(bytes), CardProtocolError);
    }
}

TEST_CASE("a non-federal CHUID encodes in Part 1 order", "[piv][chuid]") {
    const Chuid chuid = nonFederalChuid(kCardUuid, "20301231");
    CHECK(toHex(chuid.encode()) == std::string("3019") + std::string(kNonFederalFascN) +
                                       "34103F2504E04F8941D39A0C0305E82C3301" + "35083230333031323331" +
                                       "3E00" + "FE00");
    CHECK(Chuid::parse(chuid.encode()) == chuid);
    CHECK_THROWS_AS(nonFederalChuid(kCardUuid, "2030-12-31"), std::invalid_argument);
    CHECK_THROWS_AS(nonFederalChuid(kCardUuid, "20301331"), std::invalid_argument);
}

TEST_CASE("CHUID round trip with cardholder UUID and signature", "[piv][chuid]") {
    Chuid chuid = nonFederalChuid(kCardUuid, "20290101");
    chuid.cardholderUuid = uuidFromString("00112233-4455-6677-8899-aabbccddeeff");
    chuid.issuerSignature = Bytes(300, 0x5A);  // long-form length
    const Bytes encoded = chuid.encode();
    CHECK(Chuid::parse(encoded) == chuid);
    // 36 sits between 35 and 3E.
    const std::string hex = toHex(encoded);
    CHECK(hex.find("36100011223344556677") < hex.find("3E82012C"));
}

TEST_CASE("CHUID parsing skips fields it does not use", "[piv][chuid]") {
    // Buffer length EE and an organizational identifier 32 (Part 1 Table 9) before the FASC-N.
    const Bytes withExtras = concat({fromHex("EE0100" "32021234"), nonFederalChuid(kCardUuid, "20301231").encode()});
    CHECK(Chuid::parse(withExtras).guid == kCardUuid);
    // Old cards without a 3E read as unsigned.
    const Bytes noSignature = fromHex(std::string("3019") + std::string(kNonFederalFascN) +
                                      "34103F2504E04F8941D39A0C0305E82C3301" "35083230333031323331" "FE00");
    CHECK(Chuid::parse(noSignature).issuerSignature.empty());
}

TEST_CASE("malformed CHUIDs are protocol errors", "[piv][chuid]") {
    const std::string fascn = std::string("3019") + std::string(kNonFederalFascN);
    const std::string guid = "34103F2504E04F8941D39A0C0305E82C3301";
    const std::string expiry = "35083230333031323331";
    SECTION("no GUID") { CHECK_THROWS_AS(Chuid::parse(fromHex(fascn + expiry + "3E00FE00")), CardProtocolError); }
    SECTION("no FASC-N") { CHECK_THROWS_AS(Chuid::parse(fromHex(guid + expiry + "3E00FE00")), CardProtocolError); }
    SECTION("no expiry") { CHECK_THROWS_AS(Chuid::parse(fromHex(fascn + guid + "3E00FE00")), CardProtocolError); }
    SECTION("short GUID") {
        CHECK_THROWS_AS(Chuid::parse(fromHex(fascn + "340F3F2504E04F8941D39A0C0305E82C33" + expiry)), CardProtocolError);
    }
    SECTION("expiry not a date") {
        CHECK_THROWS_AS(Chuid::parse(fromHex(fascn + guid + "35083230333031333331")), CardProtocolError);
    }
    SECTION("truncated") {
        const Bytes whole = fromHex(fascn + guid + expiry + "3E00FE00");
        CHECK_THROWS_AS(Chuid::parse(ByteView(whole).first(30)), CardProtocolError);
    }
    SECTION("FASC-N of the wrong size") {
        CHECK_THROWS_AS(Chuid::parse(fromHex("3018" + std::string(kNonFederalFascN).substr(2) + guid + expiry)),
                        CardProtocolError);
    }
}
