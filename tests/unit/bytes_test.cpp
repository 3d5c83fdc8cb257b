#include "crypto/bytes.hpp"

#include <catch2/catch.hpp>

using namespace fmc;

TEST_CASE("hex round trip") {
    CHECK(toHex(Bytes{0x00, 0x9F, 0xFF}) == "009FFF");
    CHECK(fromHex("00 9f:ff") == Bytes{0x00, 0x9F, 0xFF});
    CHECK_THROWS_AS(fromHex("0"), std::invalid_argument);
    CHECK_THROWS_AS(fromHex("0g"), std::invalid_argument);
    CHECK(concat({fromHex("01"), fromHex("0203")}) == fromHex("010203"));
}

TEST_CASE("secrets compare in constant time and are emptied when cleared or moved") {
    SecretBytes pin(std::string_view("123456"));
    SecretBytes same(std::string_view("123456"));
    CHECK(pin == same);
    CHECK_FALSE(pin == SecretBytes(std::string_view("123457")));
    SecretBytes moved(std::move(pin));
    CHECK(moved.size() == 6);
    CHECK(pin.empty());  // NOLINT(bugprone-use-after-move): moved-from secrets are wiped
    moved.clear();
    CHECK(moved.empty());
}
