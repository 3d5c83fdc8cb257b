#include "card/errors.hpp"
#include "card/tlv.hpp"

#include <catch2/catch.hpp>

using fmc::Bytes;
using fmc::fromHex;
using namespace fmc::card;

TEST_CASE("BER-TLV encodes tags of one to three bytes and every length form") {
    CHECK(encodeTlv(0x53, fromHex("0102")) == fromHex("53020102"));
    CHECK(encodeTlv(0x7F49, {}) == fromHex("7F4900"));
    CHECK(encodeTlv(0x5FC102, fromHex("AA")) == fromHex("5FC10201AA"));
    CHECK(encodeLength(0x7F) == fromHex("7F"));
    CHECK(encodeLength(0x80) == fromHex("8180"));
    CHECK(encodeLength(0xFF) == fromHex("81FF"));
    CHECK(encodeLength(0x100) == fromHex("820100"));
    CHECK(encodeLength(0x10000) == fromHex("83010000"));
}

TEST_CASE("BER-TLV parses what it encodes") {
    const Bytes value(300, 0x5A);
    const Bytes encoded = fmc::concat({encodeTlv(0x70, value), encodeTlv(0x71, fromHex("00")),
                                  encodeTlv(0xFE, {})});
    const std::vector<Tlv> tlvs = parseTlvs(encoded);
    REQUIRE(tlvs.size() == 3);
    CHECK(tlvs[0] == Tlv{0x70, value});
    CHECK(tlvs[1] == Tlv{0x71, fromHex("00")});
    CHECK(tlvs[2] == Tlv{0xFE, {}});
    CHECK(findTlv(tlvs, 0x71) == fromHex("00"));
    CHECK_FALSE(findTlv(tlvs, 0x72).has_value());
}

TEST_CASE("BER-TLV reads nested templates and skips padding") {
    const Bytes apt = fromHex("6111" "4F06000010000100" "7907" "4F05A000000308");
    const Tlv outer = parseSingleTlv(apt);
    CHECK(outer.tag == 0x61);
    CHECK(isConstructedTag(outer.tag));
    CHECK_FALSE(isConstructedTag(0x4F));
    CHECK(isConstructedTag(0x7F49));
    CHECK_FALSE(isConstructedTag(0x5FC102));
    const auto inner = parseTlvs(outer.value);
    REQUIRE(inner.size() == 2);
    CHECK(parseTlvs(inner[1].value).at(0).value == fromHex("A000000308"));
    CHECK(parseTlvs(fromHex("00FF" "8001AA" "00")).size() == 1);

    const auto [tlv, used] = parseTlvPrefix(fromHex("5301AA9000"));
    CHECK(tlv.value == fromHex("AA"));
    CHECK(used == 3);
}

TEST_CASE("malformed BER-TLV is refused, never read past the end") {
    CHECK_THROWS_AS(parseTlvs(fromHex("53")), TlvError);                 // no length
    CHECK_THROWS_AS(parseTlvs(fromHex("5303AABB")), TlvError);           // value overruns
    CHECK_THROWS_AS(parseTlvs(fromHex("5F")), TlvError);                 // truncated tag
    CHECK_THROWS_AS(parseTlvs(fromHex("5FC1")), TlvError);               // truncated tag
    CHECK_THROWS_AS(parseTlvs(fromHex("5F8181810100")), TlvError);       // tag of four bytes
    CHECK_THROWS_AS(parseTlvs(fromHex("5380")), TlvError);               // indefinite length
    CHECK_THROWS_AS(parseTlvs(fromHex("5384FFFFFFFF")), TlvError);       // 4-byte length
    CHECK_THROWS_AS(parseTlvs(fromHex("5382FFFF00")), TlvError);         // huge length
    CHECK_THROWS_AS(parseTlvs(fromHex("5382")), TlvError);               // truncated length
    CHECK_THROWS_AS(parseSingleTlv(fromHex("5301AA00")), TlvError);      // trailing bytes
}
