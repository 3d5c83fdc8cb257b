// SELECT, vendor identity commands, ISO 7816-4 error handling and chaining of the applet.
#include "vcard_test_support.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::vcard;
using fmc::card::vcard::testing::hex;
using fmc::card::vcard::testing::TestCard;

TEST_CASE("SELECT by full or truncated AID answers the application property template", "[vcard]") {
    TestCard card;
    // Full AID, OpenSC's 9 bytes, yubico-piv-tool's 5-byte RID.
    for (const char* select : {"00A404000BA00000030800001000010000", "00A4040009A0000003080000100000",
                               "00A4040005A00000030800"}) {
        // What a YubiKey answers (piv.md).
        CHECK(toHex(card.raw(select)) == "61114F0600001000010079074F05A0000003089000");
    }
    CHECK(card.rawSw("00A4040C05A000000308") == 0x9000);
    CHECK(card.raw("00A4040C05A000000308").size() == 2);
}

TEST_CASE("an unknown AID answers 6A82 and PIV stays selected", "[vcard]") {
    TestCard card;
    REQUIRE(card.select().isSuccess());
    CHECK(card.rawSw("00A4040007D276000085010100") == 0x6A82);
    CHECK(card.rawSw("00A4040004A0000003") == 0x6A82);               // shorter than the RID
    CHECK(card.rawSw("00A404000CA00000030800001000010000") == 0x6A82); // longer than the AID
    CHECK(card.rawSw("00A4000C023F00") == 0x6A82);                    // file selection
    CHECK(card.rawSw("00FD000000") == 0x9000);                        // still PIV
}

TEST_CASE("commands before SELECT are refused", "[vcard]") {
    TestCard card;
    CHECK(card.rawSw("00CB3FFF055C035FC10200") == 0x6985);
    CHECK(card.rawSw("00FD000000") == 0x6985);
    CHECK(card.rawSw("0020008000") == 0x6985);
    CHECK(card.rawSw("00B0000000") == 0x6D00);
    // Power cycling forgets the selection.
    card.select();
    card.applet.powerCycle();
    CHECK(card.rawSw("00FD000000") == 0x6985);
}

TEST_CASE("malformed and unsupported APDUs get their ISO 7816-4 status words", "[vcard]") {
    TestCard card;
    card.select();
    CHECK(card.rawSw("00CB3F") == 0x6700);              // shorter than a header
    CHECK(card.rawSw("00CB3FFF05") == 0x6A80);          // GET DATA without a tag list
    CHECK(card.rawSw("00CB3FFF055C03") == 0x6700);      // Lc says 5, 2 bytes follow
    CHECK(card.rawSw("00CB3FFF025C035FC102") == 0x6700);
    CHECK(card.rawSw("00CB3FFF0000") == 0x6700);        // truncated extended length
    CHECK(card.rawSw("0012000000") == 0x6D00);          // unknown INS
    CHECK(card.rawSw("80CB3FFF055C035FC10200") == 0x6E00);
    CHECK(card.rawSw("0CCB3FFF055C035FC10200") == 0x6E00);  // secure messaging bits
    CHECK(card.rawSw("00CB0000055C035FC10200") == 0x6A86);  // GET DATA wants P1P2 3FFF
    CHECK(card.rawSw("00CB3FFF045C035FC100") == 0x6A80);    // tag list cut short
    CHECK(card.rawSw("00CB3FFF0353010000") == 0x6A80);    // not a 5C tag list
    CHECK(card.rawSw("00CB3FFF055C035FC10200") == 0x6A82);  // CHUID not written yet
    CHECK(card.rawSw("00FD010000") == 0x6A86);
    CHECK(card.rawSw("00C0000000") == 0x6985);              // GET RESPONSE with nothing pending
}

TEST_CASE("random bytes never crash the applet", "[vcard]") {
    TestCard card;
    card.select();
    for (int i = 0; i < 2000; ++i) {
        Bytes apdu = crypto::randomBytes(1 + crypto::randomBytes(1)[0] % 40);
        if (apdu.size() > 1 && (i % 3) == 0) apdu[0] = 0x00;  // reach the dispatcher often
        const Bytes answer = card.applet.process(apdu);
        REQUIRE(answer.size() >= 2);
    }
}

TEST_CASE("vendor GET VERSION and GET SERIAL", "[vcard]") {
    TestCard card;
    card.select();
    CHECK(toHex(card.raw("00FD000000")) == "0504039000");
    const ResponseApdu serial = card.send(piv::ins::kGetSerial, 0, 0);
    REQUIRE(serial.data().size() == 4);
    const std::uint32_t value = static_cast<std::uint32_t>(serial.data()[0]) << 24 |
                                static_cast<std::uint32_t>(serial.data()[1]) << 16 |
                                static_cast<std::uint32_t>(serial.data()[2]) << 8 | serial.data()[3];
    CHECK(value == card.applet.state().serial);
}

TEST_CASE("ATRs carry a correct check byte", "[vcard][atr]") {
    TestCard contact;
    TestCard contactless(CardInterface::contactless);
    // A YubiKey 4/5 contact ATR, and a YubiKey 5 NFC on a PC/SC contactless reader.
    CHECK(toHex(contact.applet.atr()) == "3BF81300008131FE15597562696B657934D4");
    CHECK(toHex(contactless.applet.atr()) == "3B8D80018073C021C057597562694B6579F9");
    for (const Bytes& atr : {contact.applet.atr(), contactless.applet.atr()}) {
        std::uint8_t x = 0;
        for (std::size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
        CHECK(x == 0);
    }
    // PC/SC Part 3: 3B 8n 80 01, n = number of historical bytes.
    const Bytes atr = contactless.applet.atr();
    CHECK((atr[1] & 0x0F) == atr.size() - 5);
}

TEST_CASE("the contactless UID pseudo-APDU", "[vcard]") {
    TestCard contactless(CardInterface::contactless);
    const Bytes answer = contactless.raw("FFCA000000");
    CHECK(Bytes(answer.begin(), answer.end() - 2) == contactless.applet.state().uid);
    CHECK(contactless.applet.state().uid.size() == 7);
    CHECK(contactless.rawSw("FFCA000000") == 0x9000);
    CHECK(contactless.rawSw("FFCA010000") == 0x6A81);
    // A contact card does not know CLA FF.
    TestCard contact;
    CHECK(contact.rawSw("FFCA000000") == 0x6E00);
}

TEST_CASE("long answers go out in 61xx chunks, continued by GET RESPONSE", "[vcard][chaining]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    Bytes object(600);
    for (std::size_t i = 0; i < object.size(); ++i) object[i] = static_cast<std::uint8_t>(i);
    Bytes put = hex("5C035FC105");
    const Bytes wrapped = encodeTlv(0x53, object);
    put.insert(put.end(), wrapped.begin(), wrapped.end());
    REQUIRE(card.send(piv::ins::kPutData, 0x3F, 0xFF, put, 0).isSuccess());

    // Raw: first 256 bytes and 61 00 (256 or more to come).
    Bytes first = card.raw("00CB3FFF055C035FC10500");
    REQUIRE(first.size() == 258);
    CHECK(toHex(ByteView(first).last(2)) == "6100");
    Bytes second = card.raw("00C0000000");
    REQUIRE(second.size() == 258);
    CHECK(toHex(ByteView(second).last(2)) == "615C");  // 604 - 512 = 92 bytes left
    const Bytes third = card.raw("00C0000000");
    CHECK(third.size() == 92 + 2);
    CHECK(toHex(ByteView(third).last(2)) == "9000");
    Bytes reassembled(first.begin(), first.end() - 2);
    reassembled.insert(reassembled.end(), second.begin(), second.end() - 2);
    reassembled.insert(reassembled.end(), third.begin(), third.end() - 2);
    CHECK(reassembled == wrapped);

    // Through the channel the pieces come back whole.
    const ResponseApdu whole = card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC105"));
    REQUIRE(whole.isSuccess());
    CHECK(whole.data() == wrapped);
    // A smaller Le makes smaller chunks.
    const Bytes small = card.raw("00CB3FFF055C035FC10510");
    CHECK(small.size() == 18);
    CHECK(small[16] == 0x61);
}

TEST_CASE("extended APDUs get the whole answer at once", "[vcard][chaining]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    Bytes put = hex("5C035FC10A");
    const Bytes wrapped = encodeTlv(0x53, Bytes(1000, 0xAB));
    put.insert(put.end(), wrapped.begin(), wrapped.end());
    // Extended Lc, no chaining.
    const Bytes command = CommandApdu(0x00, piv::ins::kPutData, 0x3F, 0xFF, put).encode(LengthEncoding::extended);
    CHECK(card.applet.process(command) == hex("9000"));
    const Bytes get = CommandApdu(0x00, piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC10A"), 65536)
                          .encode(LengthEncoding::extended);
    const Bytes answer = card.applet.process(get);
    CHECK(answer.size() == wrapped.size() + 2);
    CHECK(toHex(ByteView(answer).last(2)) == "9000");
}

TEST_CASE("command chaining with CLA 10 accumulates blocks", "[vcard][chaining]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    Bytes put = hex("5C035FC101");
    const Bytes wrapped = encodeTlv(0x53, Bytes(700, 0x5A));
    put.insert(put.end(), wrapped.begin(), wrapped.end());
    // Each chained block is answered 9000; the object exists only after the last block.
    CardChannel channel(card.transport);
    const std::size_t before = channel.exchangeCount();
    REQUIRE(channel.transmit(CommandApdu(0x00, piv::ins::kPutData, 0x3F, 0xFF, put)).isSuccess());
    CHECK(channel.exchangeCount() - before == 3);
    CHECK(card.send(piv::ins::kGetData, 0x3F, 0xFF, hex("5C035FC101")).data() == wrapped);

    // Raw: a chained block then an unrelated command drops the chain.
    CHECK(card.rawSw("10DB3FFF035C035F") == 0x9000);
    CHECK(card.rawSw("00FD000000") == 0x9000);
    CHECK(card.rawSw("00DB3FFF04C10253" "00") == 0x6A80);  // the tail alone is not an object
}
