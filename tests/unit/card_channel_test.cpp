#include "card/errors.hpp"
#include "card/transport.hpp"
#include "support/scripted_transport.hpp"

#include <catch2/catch.hpp>

using fmc::Bytes;
using fmc::fromHex;
using fmc::card::CardChannel;
using fmc::card::CommandApdu;
using fmc::test::ScriptedTransport;

TEST_CASE("the channel follows 61xx with GET RESPONSE and joins the pieces") {
    ScriptedTransport card;
    card.expect("00CB3FFF055C035FC10100", "0102036104")
        .expect("00C0000004", "040506076100")
        .expect("00C0000000", "089000");
    CardChannel channel(card);
    const auto response = channel.transmit({0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC101"), 256});
    CHECK(response.data() == fromHex("0102030405060708"));
    CHECK(response.sw() == 0x9000);
    CHECK(channel.exchangeCount() == 3);
    card.requireFinished();
}

TEST_CASE("the channel resends once with the Le that 6Cxx names") {
    ScriptedTransport card;
    card.expect("00FD000000", "6C03").expect("00FD000003", "0504039000");
    CardChannel channel(card);
    const auto response = channel.transmit({0x00, 0xFD, 0x00, 0x00, {}, 256});
    CHECK(response.data() == fromHex("050403"));
    card.requireFinished();
}

TEST_CASE("long commands are chained with CLA 0x10 in 255-byte blocks") {
    const Bytes data(600, 0xAA);
    const std::string block(255 * 2, 'A');
    ScriptedTransport card;
    card.expect("10DB3FFFFF" + block, "9000")
        .expect("10DB3FFFFF" + block, "9000")
        .expect("00DB3FFF5A" + std::string(90 * 2, 'A'), "9000");
    CardChannel channel(card);
    CHECK(channel.transmit({0x00, 0xDB, 0x3F, 0xFF, data}).isSuccess());
    card.requireFinished();
}

TEST_CASE("a chained block the card refuses ends the chain with the card's answer") {
    ScriptedTransport card;
    card.expect("10DB3FFFFF" + std::string(255 * 2, 'B'), "6982");
    CardChannel channel(card);
    CHECK(channel.transmit({0x00, 0xDB, 0x3F, 0xFF, Bytes(300, 0xBB)}).sw() == 0x6982);
    card.requireFinished();
}

TEST_CASE("extended length is used instead of chaining when the reader allows it") {
    ScriptedTransport card;
    card.expect(fmc::toHex(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, Bytes(300, 0xCC)).encode()), "9000");
    CardChannel channel(card, {.extendedLength = true});
    CHECK(channel.transmit({0x00, 0xDB, 0x3F, 0xFF, Bytes(300, 0xCC)}).isSuccess());
    card.requireFinished();
}

TEST_CASE("an endless 61xx chain or an oversized answer is a protocol error, not a hang") {
    ScriptedTransport endless;
    endless.expect("00CB3FFF00", "6101");
    for (int i = 0; i < 5; ++i) endless.expect("00C0000001", "AA6101");
    CardChannel channel(endless, {.maxResponseChain = 4});
    CHECK_THROWS_AS(channel.transmit({0x00, 0xCB, 0x3F, 0xFF, {}, 256}), fmc::card::CardProtocolError);

    ScriptedTransport huge;
    huge.expect("00CB3FFF00", "6100").expect("00C0000000", std::string(256 * 2, 'E') + "6100");
    CardChannel bounded(huge, {.maxResponseBytes = 200});
    CHECK_THROWS_AS(bounded.transmit({0x00, 0xCB, 0x3F, 0xFF, {}, 256}), fmc::card::CardProtocolError);
}

TEST_CASE("a response without a status word is a protocol error") {
    ScriptedTransport card;
    // The virtual reader returns a lone byte or nothing when the card vanishes mid-APDU.
    card.expectPrefix("00A40400", [](fmc::ByteView) { return fromHex("90"); });
    CardChannel channel(card);
    CHECK_THROWS_AS(channel.transmit({0x00, 0xA4, 0x04, 0x00, {}, 256}), fmc::card::CardProtocolError);
}
