// The scripted transport itself: other card-profile tests rely on its failure messages.
#include "support/scripted_transport.hpp"

#include <catch2/catch.hpp>

using fmc::fromHex;
using fmc::test::ScriptedTransport;
using fmc::test::ScriptError;

TEST_CASE("scripted transport plays its steps in order", "[piv][scripted]") {
    ScriptedTransport card;
    card.expect("00A4040005A000000308", "9000").expect("00CB3FFF035C017E00", "6A82");
    CHECK(card.transmitRaw(fromHex("00A4040005A000000308")) == fromHex("9000"));
    CHECK_FALSE(card.finished());
    CHECK(card.transmitRaw(fromHex("00CB3FFF035C017E00")) == fromHex("6A82"));
    CHECK(card.finished());
    CHECK_NOTHROW(card.requireFinished());
    CHECK(card.received().size() == 2);
}

TEST_CASE("scripted transport names the step of an unexpected command", "[piv][scripted]") {
    ScriptedTransport card;
    card.expect("00A4040005A000000308", "9000").expect("00FD000000", "050403 9000");
    card.transmitRaw(fromHex("00A4040005A000000308"));
    CHECK_THROWS_WITH(card.transmitRaw(fromHex("00F8000000")),
                      "step 2: unexpected command 00F8000000, expected 00FD000000");
}

TEST_CASE("scripted transport rejects commands past the end of the script", "[piv][scripted]") {
    ScriptedTransport card;
    CHECK_THROWS_WITH(card.transmitRaw(fromHex("00FD000000")),
                      "step 1: unexpected command 00FD000000, expected the end of the script");
}

TEST_CASE("scripted transport reports steps that were never sent", "[piv][scripted]") {
    ScriptedTransport card;
    card.expect("00A4040005A000000308", "9000").expect("00FD000000", "9000");
    card.transmitRaw(fromHex("00A4040005A000000308"));
    CHECK_THROWS_AS(card.requireFinished(), ScriptError);
    CHECK_THROWS_WITH(card.requireFinished(),
                      "script not finished: step 2 of 2 (expected 00FD000000) was never sent");
}

TEST_CASE("scripted transport computes answers for prefix steps", "[piv][scripted]") {
    ScriptedTransport card;
    card.expectPrefix("00870399", [](fmc::ByteView command) {
        fmc::Bytes answer(command.begin() + 4, command.end());
        answer.push_back(0x90);
        answer.push_back(0x00);
        return answer;
    });
    CHECK(card.transmitRaw(fromHex("00870399AABB")) == fromHex("AABB9000"));
    ScriptedTransport other;
    other.expectPrefix("00870399", [](fmc::ByteView) { return fromHex("9000"); });
    CHECK_THROWS_WITH(other.transmitRaw(fromHex("0087039B")),
                      "step 1: unexpected command 0087039B, expected 00870399...");
}
