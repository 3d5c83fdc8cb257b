#include "card/status_words.hpp"

#include <catch2/catch.hpp>

using namespace fmc::card;

TEST_CASE("the status word table names every word a PIV card returns") {
    CHECK(describeStatusWord(0x9000).kind == StatusKind::success);
    CHECK(describeStatusWord(0x6110).kind == StatusKind::moreData);
    CHECK(describeStatusWord(0x63C2).kind == StatusKind::wrongPin);
    CHECK(describeStatusWord(0x6700).kind == StatusKind::wrongLength);
    CHECK(describeStatusWord(0x6982).kind == StatusKind::securityStatusNotSatisfied);
    CHECK(describeStatusWord(0x6983).kind == StatusKind::authenticationBlocked);
    CHECK(describeStatusWord(0x6A80).kind == StatusKind::incorrectData);
    CHECK(describeStatusWord(0x6A81).kind == StatusKind::notAllowedOnInterface);
    CHECK(describeStatusWord(0x6A82).kind == StatusKind::notFound);
    CHECK(describeStatusWord(0x6A86).kind == StatusKind::incorrectP1P2);
    CHECK(describeStatusWord(0x6C20).kind == StatusKind::wrongLe);
    CHECK(describeStatusWord(0x6D00).kind == StatusKind::insNotSupported);
    CHECK(describeStatusWord(0x6E00).kind == StatusKind::claNotSupported);
    CHECK(describeStatusWord(0x1234).kind == StatusKind::unknownError);
}

TEST_CASE("status words format for people") {
    CHECK(formatStatusWord(0x6982) == "6982 (security status not satisfied)");
    CHECK(formatStatusWord(0x63C2) == "63C2 (wrong PIN, 2 tries left)");
    CHECK(formatStatusWord(0x63C1) == "63C1 (wrong PIN, 1 try left)");
}

TEST_CASE("unexpected status words become typed errors") {
    const ResponseApdu wrongPin({}, 0x63C1);
    try {
        requireSuccess(wrongPin, "VERIFY PIN");
        FAIL("requireSuccess accepted 63C1");
    } catch (const CardStatusError& error) {
        CHECK(error.sw() == 0x63C1);
        CHECK(error.kind() == StatusKind::wrongPin);
        CHECK(error.triesLeft() == 1);
        CHECK(std::string(error.what()) == "VERIFY PIN: card answered 63C1 (wrong PIN, 1 try left)");
    }
    const ResponseApdu ok(fmc::fromHex("01"), 0x9000);
    CHECK(&requireSuccess(ok, "x") == &ok);
    CHECK_FALSE(CardStatusError("x", 0x6A82).triesLeft().has_value());
}
