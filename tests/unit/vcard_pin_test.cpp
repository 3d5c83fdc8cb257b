// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER: real counters and blocking.
#include "vcard_test_support.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::vcard;
using fmc::card::vcard::testing::hex;
using fmc::card::vcard::testing::TestCard;

namespace {
Bytes twoSecrets(std::string_view first, std::string_view second) {
    Bytes out = TestCard::padded(first);
    const Bytes tail = TestCard::padded(second);
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
}
} // namespace

TEST_CASE("VERIFY with an empty body reports the PIN state", "[vcard][pin]") {
    TestCard card;
    card.select();
    CHECK(card.rawSw("0020008000") == 0x63C3);
    CHECK(card.rawSw("00200080") == 0x63C3);
    CHECK(card.verifyPin("123456").isSuccess());
    CHECK(card.rawSw("00200080") == 0x9000);
    // P1 FF resets the security status (SP 800-73-4 Part 2 §3.2.1).
    CHECK(card.rawSw("0020FF80") == 0x9000);
    CHECK(card.rawSw("00200080") == 0x63C3);
}

TEST_CASE("wrong PINs count down, block, and the PUK unblocks", "[vcard][pin]") {
    TestCard card;
    card.select();
    CHECK(card.verifyPin("654321").sw() == 0x63C2);
    CHECK(card.verifyPin("654321").sw() == 0x63C1);
    CHECK(card.verifyPin("123456").isSuccess());  // a good PIN restores the counter
    CHECK(card.rawSw("00200080") == 0x9000);
    CHECK(card.verifyPin("000000").sw() == 0x63C2);
    CHECK(card.verifyPin("000000").sw() == 0x63C1);
    CHECK(card.verifyPin("000000").sw() == 0x63C0);
    CHECK(card.verifyPin("123456").sw() == 0x6983);  // blocked: even the right PIN fails
    CHECK(card.rawSw("00200080") == 0x6983);
    CHECK(card.applet.state().pinTriesLeft == 0);

    CHECK(card.send(piv::ins::kResetRetryCounter, 0x00, 0x80, twoSecrets("87654321", "24681357"), 0).sw() == 0x63C2);
    CHECK(card.send(piv::ins::kResetRetryCounter, 0x00, 0x80, twoSecrets("12345678", "24681357"), 0).isSuccess());
    CHECK(card.applet.state().pukTriesLeft == 3);
    CHECK(card.verifyPin("123456").sw() == 0x63C2);
    CHECK(card.verifyPin("24681357").isSuccess());
}

TEST_CASE("a blocked PUK stays blocked", "[vcard][pin]") {
    TestCard card;
    card.select();
    for (int expected : {0x63C2, 0x63C1, 0x63C0})
        CHECK(card.send(piv::ins::kResetRetryCounter, 0x00, 0x80, twoSecrets("00000000", "111111"), 0).sw() == expected);
    CHECK(card.send(piv::ins::kResetRetryCounter, 0x00, 0x80, twoSecrets("12345678", "111111"), 0).sw() == 0x6983);
    CHECK(card.send(piv::ins::kChangeReferenceData, 0x00, 0x81, twoSecrets("12345678", "11111111"), 0).sw() == 0x6983);
}

TEST_CASE("CHANGE REFERENCE DATA changes the PIN and the PUK", "[vcard][pin]") {
    TestCard card;
    card.select();
    CHECK(card.send(piv::ins::kChangeReferenceData, 0x00, 0x80, twoSecrets("111111", "7654321"), 0).sw() == 0x63C2);
    CHECK(card.send(piv::ins::kChangeReferenceData, 0x00, 0x80, twoSecrets("123456", "7654321"), 0).isSuccess());
    CHECK(card.applet.state().pinTriesLeft == 3);
    CHECK(card.verifyPin("123456").sw() == 0x63C2);
    CHECK(card.verifyPin("7654321").isSuccess());
    CHECK(card.send(piv::ins::kChangeReferenceData, 0x00, 0x81, twoSecrets("12345678", "abcdefgh"), 0).isSuccess());
    CHECK_FALSE(card.applet.state().pukIsDefault());
    CHECK(card.send(piv::ins::kResetRetryCounter, 0x00, 0x80, twoSecrets("abcdefgh", "999999"), 0).isSuccess());
}

TEST_CASE("badly formed PINs are refused without spending a try", "[vcard][pin]") {
    TestCard card;
    card.select();
    CHECK(card.verifyPin("12345").sw() == 0x6A80);       // too short
    CHECK(card.verifyPin("12a456").sw() == 0x6A80);      // not digits
    CHECK(card.rawSw("0020008008313233FF35363738") == 0x6A80);  // padding in the middle
    CHECK(card.rawSw("0020008004313233") == 0x6700);     // Lc does not match
    CHECK(card.rawSw("00200080043132333400") == 0x6A80); // not 8 bytes
    CHECK(card.send(piv::ins::kChangeReferenceData, 0x00, 0x80, twoSecrets("123456", "12"), 0).sw() == 0x6A80);
    CHECK(card.applet.state().pinTriesLeft == 3);
    CHECK(card.rawSw("00200081083132333435363738") == 0x6A88);  // the PUK cannot be verified
    CHECK(card.rawSw("0020007708313233343536FFFF") == 0x6A86);
    CHECK(card.rawSw("0020018008313233343536FFFF") == 0x6A86);
}

TEST_CASE("every counter change is saved before the answer", "[vcard][pin]") {
    TestCard card;
    card.select();
    const int before = card.saves;
    card.verifyPin("999999");
    CHECK(card.saves == before + 1);
    card.verifyPin("123456");  // resets the counter: saved again
    CHECK(card.saves == before + 2);
    card.verifyPin("123456");  // nothing changed: no write
    CHECK(card.saves == before + 2);
}

TEST_CASE("the vendor RESET works only with PIN and PUK blocked", "[vcard][pin]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    REQUIRE(card.send(0x47, 0x00, 0x9E, hex("AC03800111")).isSuccess());
    const std::uint32_t serial = card.applet.state().serial;
    CHECK(card.rawSw("00FB0000") == 0x6985);
    for (int i = 0; i < 3; ++i) card.verifyPin("000000");
    CHECK(card.rawSw("00FB0000") == 0x6985);  // the PUK still works
    for (int i = 0; i < 3; ++i)
        card.send(piv::ins::kResetRetryCounter, 0x00, 0x80, twoSecrets("00000000", "111111"), 0);
    CHECK(card.rawSw("00FB0000") == 0x9000);
    CHECK(card.applet.state().keys.empty());
    CHECK(card.applet.state().pinIsDefault());
    CHECK(card.applet.state().pinTriesLeft == 3);
    CHECK(card.applet.state().serial == serial);
    CHECK(card.verifyPin("123456").isSuccess());
}
