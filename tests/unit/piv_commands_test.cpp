// Known byte sequences for every PIV command builder: SP 800-73-4 Part 2 §3 and the bytes
// yubico-piv-tool (lib/ykpiv.c) sends for the vendor commands.
#include "card/piv/piv_commands.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace fmc;
using namespace fmc::card::piv;

namespace {
std::string encoded(const card::CommandApdu& apdu) { return toHex(apdu.encode()); }
std::string hex(std::string_view text) { return toHex(fromHex(text)); }
SecretBytes secret(std::string_view text) { return SecretBytes(text); }
} // namespace

TEST_CASE("SELECT carries the AID it is given and asks for the property template", "[piv][commands]") {
    CHECK(encoded(commands::select()) == hex("00A404000B A0000003080000100001 00 00"));
    const Bytes openScAid = fromHex("A00000030800001000");
    CHECK(encoded(commands::select(openScAid)) == hex("00A4040009 A00000030800001000 00"));
    CHECK(encoded(commands::select(kRid)) == hex("00A4040005 A000000308 00"));
    CHECK_THROWS_AS(commands::select(Bytes{}), std::invalid_argument);
}

TEST_CASE("GET DATA names the object in a 5C tag list", "[piv][commands]") {
    CHECK(encoded(commands::getData(object::kChuid)) == hex("00CB3FFF 05 5C035FC102 00"));
    CHECK(encoded(commands::getData(object::kCardAuthenticationCert)) == hex("00CB3FFF 05 5C035FC101 00"));
    CHECK(encoded(commands::getData(object::kDiscovery)) == hex("00CB3FFF 03 5C017E 00"));
}

TEST_CASE("PUT DATA wraps the value in 53, Discovery as a bare 7E", "[piv][commands]") {
    CHECK(encoded(commands::putData(object::kChuid, fromHex("0102"))) == hex("00DB3FFF 09 5C035FC102 53020102"));
    const Bytes discovery = fromHex("4F0BA0000003080000100001005F2F024000");
    CHECK(encoded(commands::putData(object::kDiscovery, discovery)) ==
          hex("00DB3FFF 14 7E12 4F0BA000000308000010000100 5F2F024000"));
    // Values over 127 bytes get the long length form the cards expect.
    const auto big = commands::putData(object::kCardAuthenticationCert, Bytes(200, 0xAB));
    CHECK(toHex(big.data()).substr(0, 16) == "5C035FC1015381C8");
    CHECK(big.data().size() == 5 + 3 + 200);
    CHECK(big.ne() == 0);
}

TEST_CASE("GENERATE ASYMMETRIC KEY PAIR names the slot and the mechanism", "[piv][commands]") {
    CHECK(encoded(commands::generateKeyPair(key::kCardAuthentication, algorithm::kEccP256)) ==
          hex("0047009E 05 AC03800111 00"));
    CHECK(encoded(commands::generateKeyPair(key::kPivAuthentication, algorithm::kEccP384)) ==
          hex("0047009A 05 AC03800114 00"));
}

TEST_CASE("GENERAL AUTHENTICATE templates", "[piv][commands]") {
    const Bytes digest = fromHex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    CHECK(encoded(commands::signDigest(key::kCardAuthentication, algorithm::kEccP256, digest)) ==
          hex("0087119E 26 7C24 8200 8120") + toHex(digest) + "00");
    CHECK(encoded(commands::managementKeyWitnessRequest(algorithm::kTripleDes)) == hex("0087039B 04 7C028000 00"));
    CHECK(encoded(commands::managementKeyWitnessRequest(algorithm::kAes192)) == hex("00870A9B 04 7C028000 00"));
    const SecretBytes witness(fromHex("1122334455667788"));
    CHECK(encoded(commands::managementKeyWitnessResponse(algorithm::kTripleDes, witness,
                                                         fromHex("0102030405060708"))) ==
          hex("0087039B 16 7C14 80081122334455667788 81080102030405060708 00"));
    CHECK(encoded(commands::cardChallenge(algorithm::kTripleDes)) == hex("0087039B 04 7C028100 00"));
}

TEST_CASE("VERIFY pads the PIN with FF; the empty form asks for the state", "[piv][commands]") {
    CHECK(encoded(commands::verifyPin(secret("123456"))) == hex("00200080 08 313233343536FFFF"));
    CHECK(encoded(commands::verifyPin(secret("12345678"))) == hex("00200080 08 3132333435363738"));
    CHECK(encoded(commands::pinStatusQuery()) == "00200080");
    CHECK_THROWS_AS(commands::verifyPin(secret("123456789")), std::invalid_argument);
    CHECK_THROWS_AS(commands::verifyPin(SecretBytes{}), std::invalid_argument);
}

TEST_CASE("CHANGE REFERENCE DATA and RESET RETRY COUNTER carry two padded blocks", "[piv][commands]") {
    CHECK(encoded(commands::changeReferenceData(key::kApplicationPin, secret("123456"), secret("654321"))) ==
          hex("00240080 10 313233343536FFFF 363534333231FFFF"));
    CHECK(encoded(commands::changeReferenceData(key::kPuk, secret("12345678"), secret("87654321"))) ==
          hex("00240081 10 3132333435363738 3837363534333231"));
    CHECK(encoded(commands::resetRetryCounter(secret("12345678"), secret("1234"))) ==
          hex("002C0080 10 3132333435363738 31323334FFFFFFFF"));
}

TEST_CASE("vendor commands match what yubico-piv-tool sends", "[piv][commands]") {
    CHECK(encoded(commands::getVersion()) == "00FD000000");
    CHECK(encoded(commands::getSerial()) == "00F8000000");
    CHECK(encoded(commands::getMetadata(key::kManagement)) == "00F7009B00");
    const SecretBytes defaultKey(Bytes(kDefaultManagementKey.begin(), kDefaultManagementKey.end()));
    CHECK(encoded(commands::setManagementKey(algorithm::kTripleDes, defaultKey)) ==
          hex("00FFFFFF 1B 039B18 010203040506070801020304050607080102030405060708"));
    CHECK(encoded(commands::setManagementKey(algorithm::kTripleDes, defaultKey, true)) ==
          hex("00FFFFFE 1B 039B18 010203040506070801020304050607080102030405060708"));
    const SecretBytes aes128(fromHex("000102030405060708090A0B0C0D0E0F"));
    CHECK(encoded(commands::setManagementKey(algorithm::kAes128, aes128)) ==
          hex("00FFFFFF 13 089B10 000102030405060708090A0B0C0D0E0F"));
    CHECK_THROWS_AS(commands::setManagementKey(algorithm::kAes256, aes128), std::invalid_argument);
    CHECK_THROWS_AS(commands::setManagementKey(algorithm::kEccP256, aes128), std::invalid_argument);
}
