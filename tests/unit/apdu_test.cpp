#include "card/apdu.hpp"
#include "card/errors.hpp"

#include <catch2/catch.hpp>

using fmc::Bytes;
using fmc::fromHex;
using fmc::card::CommandApdu;
using fmc::card::LengthEncoding;
using fmc::card::ResponseApdu;

TEST_CASE("command APDUs encode the four ISO 7816-4 cases in short form") {
    CHECK(CommandApdu(0x00, 0xA4, 0x04, 0x00).encode() == fromHex("00A40400"));
    CHECK(CommandApdu(0x00, 0xC0, 0x00, 0x00, {}, 0x10).encode() == fromHex("00C0000010"));
    CHECK(CommandApdu(0x00, 0xC0, 0x00, 0x00, {}, 256).encode() == fromHex("00C0000000"));
    CHECK(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, fromHex("5C01")).encode() == fromHex("00DB3FFF025C01"));
    CHECK(CommandApdu(0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC102"), 256).encode() ==
          fromHex("00CB3FFF055C035FC10200"));
    CHECK(CommandApdu(0x00, 0xA4, 0x04, 0x00).isoCase() == 1);
    CHECK(CommandApdu(0x00, 0xA4, 0x04, 0x00, {}, 1).isoCase() == 2);
    CHECK(CommandApdu(0x00, 0xA4, 0x04, 0x00, {1}).isoCase() == 3);
    CHECK(CommandApdu(0x00, 0xA4, 0x04, 0x00, {1}, 1).isoCase() == 4);
}

TEST_CASE("command APDUs switch to extended length when data or Ne do not fit") {
    const Bytes big(300, 0xAB);
    const Bytes encoded = CommandApdu(0x00, 0xDB, 0x3F, 0xFF, big, 65536).encode();
    REQUIRE(encoded.size() == 4 + 3 + 300 + 2);
    CHECK(Bytes(encoded.begin() + 4, encoded.begin() + 7) == fromHex("00012C"));
    CHECK(Bytes(encoded.end() - 2, encoded.end()) == fromHex("0000"));  // 65536 encodes as 0000

    CHECK(CommandApdu(0x00, 0xC0, 0, 0, {}, 1000).encode() == fromHex("00C00000" "0003E8"));
    CHECK(CommandApdu(0x00, 0xA4, 4, 0, {1, 2}).encode(LengthEncoding::extended) ==
          fromHex("00A40400" "000002" "0102"));
    CHECK_THROWS_AS(CommandApdu(0x00, 0xDB, 0, 0, big).encode(LengthEncoding::shortOnly), std::length_error);
    CHECK_THROWS_AS(CommandApdu(0x00, 0xDB, 0, 0, Bytes(65536, 0)), std::length_error);
}

TEST_CASE("command APDUs parse back to the same value in every case and form") {
    const std::vector<CommandApdu> samples{
        {0x00, 0xA4, 0x04, 0x00},
        {0x00, 0xC0, 0x00, 0x00, {}, 17},
        {0x00, 0xC0, 0x00, 0x00, {}, 256},
        {0x10, 0xDB, 0x3F, 0xFF, Bytes(255, 0x11)},
        {0x00, 0x87, 0x11, 0x9E, Bytes(40, 0x22), 256},
        {0x00, 0xDB, 0x3F, 0xFF, Bytes(3000, 0x33)},
        {0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC101"), 65536},
        {0x00, 0xC0, 0x00, 0x00, {}, 4096},
    };
    for (const CommandApdu& apdu : samples) {
        CAPTURE(fmc::toHex(apdu.encode()));
        CHECK(CommandApdu::parse(apdu.encode()) == apdu);
    }
}

TEST_CASE("malformed command APDUs are refused") {
    using fmc::card::MalformedApdu;
    CHECK_THROWS_AS(CommandApdu::parse(fromHex("00A404")), MalformedApdu);          // short header
    CHECK_THROWS_AS(CommandApdu::parse(fromHex("00A4040005A000")), MalformedApdu);  // Lc too big
    CHECK_THROWS_AS(CommandApdu::parse(fromHex("00A4040002A0000000")), MalformedApdu);
    CHECK_THROWS_AS(CommandApdu::parse(fromHex("00A404000000")), MalformedApdu);    // truncated ext.
    CHECK(CommandApdu::parse(fromHex("00A40400000000")).ne() == 65536);            // case 2E, Le=0000
    CHECK_THROWS_AS(CommandApdu::parse(fromHex("00A4040000000000")), MalformedApdu);  // ext. Lc 0
    CHECK_NOTHROW(CommandApdu::parse(fromHex("00A40400000100")));                   // case 2E, Le=256
    CHECK_THROWS_AS(CommandApdu::parse(fromHex("00A4040000000301")), MalformedApdu);  // ext. Lc > data
}

TEST_CASE("command builders carry the expected bytes") {
    using namespace fmc::card::iso7816;
    CHECK(selectByAid(fromHex("A000000308")).encode() == fromHex("00A4040005A00000030800"));
    CHECK(getResponse(0x20).encode() == fromHex("00C0000020"));
    CHECK(getContactlessUid().encode() == fromHex("FFCA000000"));
}

TEST_CASE("responses need a status word") {
    const ResponseApdu ok = ResponseApdu::parse(fromHex("01029000"));
    CHECK(ok.data() == fromHex("0102"));
    CHECK(ok.sw() == 0x9000);
    CHECK(ok.isSuccess());
    CHECK(ok.encode() == fromHex("01029000"));
    CHECK(ResponseApdu::parse(fromHex("6A82")).sw1() == 0x6A);
    CHECK_THROWS_AS(ResponseApdu::parse(fromHex("90")), fmc::card::CardProtocolError);
    CHECK_THROWS_AS(ResponseApdu::parse(Bytes{}), fmc::card::CardProtocolError);
}

TEST_CASE("APDU logs never show secret data") {
    using fmc::card::ApduDirection;
    using fmc::card::maskedForLog;
    const Bytes verify = fromHex("0020008008" "3837363534333231");  // PIN 87654321
    const std::string logged = maskedForLog(verify, ApduDirection::command);
    CHECK(logged == "00200080 [8 bytes]");
    CHECK(logged.find("3837") == std::string::npos);
    CHECK(maskedForLog(fromHex("00A4040005A00000030800"), ApduDirection::command) ==
          "00A40400 A000000308 Le=256");
    CHECK(maskedForLog(fromHex("53024142" "9000"), ApduDirection::response) == "[4 bytes] 9000");
    CHECK(maskedForLog(fromHex("6982"), ApduDirection::response) == "6982");
    CHECK(maskedForLog(fromHex("00"), ApduDirection::command).find("no header") != std::string::npos);
}
