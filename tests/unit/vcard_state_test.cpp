// The state file: round trip, atomic replacement, permissions, and refusal of damaged files.
#include "vcard_test_support.hpp"

#include "card/vcard/card_state.hpp"
#include "crypto/digest.hpp"
#include "crypto/ec_key.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::vcard;
using fmc::card::vcard::testing::hex;
using fmc::card::vcard::testing::TestCard;

namespace {


// (std::istreambuf_iterator trips g++ 12's -Wnull-dereference; plain stdio does not.)
std::string readAll(const std::filesystem::path& path) {
    std::string out;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
        char buffer[4096];
        std::size_t got = 0;
        while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, got);
        std::fclose(f);
    }
    return out;
}

} // namespace

TEST_CASE("a missing state file becomes a saved factory-blank card", "[vcard][state]") {
    fmc::test::TempFolder dir;
    const CardStateFile file(dir.path / "card.state");
    const CardState state = file.loadOrCreate();
    REQUIRE(std::filesystem::exists(file.path()));
    struct stat info {};
    REQUIRE(::stat(file.path().c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);  // it holds the private keys
    CHECK(state.pinIsDefault());
    CHECK(state.pukIsDefault());
    CHECK(state.managementKeyIsDefault());
    CHECK(state.pinTriesLeft == 3);
    CHECK(state.uid.size() == 7);
    CHECK(state.serial >= 10000000u);
    CHECK(state.objects.count(piv::object::kDiscovery) == 1);
    // Started again: the same card.
    const CardState again = file.loadOrCreate();
    CHECK(again.serial == state.serial);
    CHECK(again.uid == state.uid);
    // Two factory cards differ.
    CHECK(CardState::factoryBlank().uid != CardState::factoryBlank().uid);
}

TEST_CASE("keys, objects, counters and secrets survive a save and reload", "[vcard][state]") {
    fmc::test::TempFolder dir;
    const CardStateFile file(dir.path / "card.state");
    CardState initial = file.loadOrCreate();
    int saves = 0;
    PivApplet applet(std::move(initial), [&](const CardState& s) { file.save(s); ++saves; });
    AppletTransport transport(applet);
    CardChannel channel(transport);
    auto send = [&](const char* apduHex) { return ResponseApdu::parse(applet.process(hex(apduHex))); };
    REQUIRE(send("00A4040005A000000308").isSuccess());

    // Personalise through the same code paths a host uses.
    auto authenticate = [&] {
        const ResponseApdu witness = send("008703 9B 04 7C028000");
        REQUIRE(witness.isSuccess());
        const SecretBytes key(Bytes(piv::kDefaultManagementKey.begin(), piv::kDefaultManagementKey.end()));
        const Bytes r = crypto::ecbDecrypt(crypto::BlockCipherAlgorithm::tripleDes, key, ByteView(witness.data()).subspan(4));
        const Bytes body = concat({hex("7C148008"), r, hex("81080102030405060708")});
        return channel.transmit(CommandApdu(0x00, 0x87, 0x03, 0x9B, body, 256)).isSuccess();
    };
    REQUIRE(authenticate());
    const ResponseApdu generated = channel.transmit(CommandApdu(0x00, 0x47, 0x00, 0x9E, hex("AC03800111"), 256));
    REQUIRE(generated.isSuccess());
    const Bytes point(generated.data().begin() + 5, generated.data().end());
    REQUIRE(channel.transmit(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, hex("5C035FC1025304FE00AABB"))).isSuccess());
    REQUIRE(channel.transmit(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, hex("5C035FC101530470020102"))).isSuccess());
    REQUIRE(channel.transmit(CommandApdu(0x00, 0xFF, 0xFF, 0xFF, concat({hex("089B10"), Bytes(16, 0x77)}))).isSuccess());
    REQUIRE(channel.transmit(CommandApdu(0x00, 0x24, 0x00, 0x80, hex("313233343536FFFF3938373635FFFFFF"))).sw() == 0x6A80);
    REQUIRE(channel.transmit(CommandApdu(0x00, 0x24, 0x00, 0x80, hex("313233343536FFFF393837363534FFFF"))).isSuccess());
    REQUIRE(channel.transmit(CommandApdu(0x00, 0x20, 0x00, 0x80, hex("303030303030FFFF"))).sw() == 0x63C2);
    CHECK(saves >= 5);

    // "Kill -9" here: only the file remains.
    const CardState reloaded = file.load();
    CHECK(reloaded.serial == applet.state().serial);
    CHECK(reloaded.uid == applet.state().uid);
    CHECK(reloaded.pin == SecretBytes(std::string_view("987654")));
    CHECK(reloaded.pinTriesLeft == 2);
    CHECK(reloaded.managementAlgorithm == 0x08);
    CHECK(reloaded.managementKey == SecretBytes(Bytes(16, 0x77)));
    CHECK(reloaded.objects.at(0x5FC101) == hex("70020102"));
    REQUIRE(reloaded.keys.count(0x9E) == 1);
    const crypto::EcPrivateKey key = crypto::EcPrivateKey::fromPkcs8(reloaded.keys.at(0x9E).pkcs8);
    CHECK(key.publicKey().uncompressedPoint() == point);

    // The reloaded card signs with the same key.
    PivApplet again(reloaded, {});
    REQUIRE(ResponseApdu::parse(again.process(hex("00A4040005A000000308"))).isSuccess());
    const Bytes digest = crypto::sha256(hex("01"));
    const ResponseApdu signature = ResponseApdu::parse(again.process(
        CommandApdu(0x00, 0x87, 0x11, 0x9E, concat({hex("7C2482008120"), digest}), 256).encode()));
    REQUIRE(signature.isSuccess());
    CHECK(key.publicKey().verifyDigest(digest, ByteView(signature.data()).subspan(4)));
    // No temporary file is left behind.
    CHECK_FALSE(std::filesystem::exists(dir.path / "card.state.tmp"));
}

TEST_CASE("the private key never leaves the card", "[vcard][state]") {
    TestCard card;
    card.select();
    REQUIRE(card.authenticateDefaultManagementKey() == 0x9000);
    REQUIRE(card.send(0x47, 0x00, 0x9E, hex("AC03800111")).isSuccess());
    const Bytes pkcs8(card.applet.state().keys.at(0x9E).pkcs8.view().begin(),
                      card.applet.state().keys.at(0x9E).pkcs8.view().end());
    // RFC 5915 ECPrivateKey inside the PKCS#8: version 1, then the 32-byte scalar.
    const Bytes marker = hex("020101 0420");
    const auto at = std::search(pkcs8.begin(), pkcs8.end(), marker.begin(), marker.end());
    REQUIRE(at != pkcs8.end());
    const Bytes privateScalar(at + 5, at + 5 + 32);
    // Every readable answer of the card, none contains the PKCS#8 or a long slice of it.
    std::vector<Bytes> answers;
    for (const char* tag : {"5C017E", "5C035FC101", "5C035FC102", "5C035FC10C"})
        answers.push_back(card.send(0xCB, 0x3F, 0xFF, hex(tag)).data());
    for (int ref : {0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x80, 0x81}) answers.push_back(card.send(0xF7, 0x00, static_cast<std::uint8_t>(ref)).data());
    for (const Bytes& answer : answers) {
        CHECK(std::search(answer.begin(), answer.end(), pkcs8.begin(), pkcs8.end()) == answer.end());
        CHECK(std::search(answer.begin(), answer.end(), privateScalar.begin(), privateScalar.end()) == answer.end());
    }
}

TEST_CASE("damaged state files are refused with a clear error", "[vcard][state]") {
    fmc::test::TempFolder dir;
    const CardStateFile file(dir.path / "card.state");
    const CardState state = CardState::factoryBlank();
    file.save(state);
    const std::string good = readAll(file.path());
    CHECK(good.rfind("fmc-vcard-state 1\n", 0) == 0);

    auto write = [&](const std::string& text) { std::ofstream(file.path(), std::ios::binary | std::ios::trunc) << text; };
    write("something else\n");
    CHECK_THROWS_AS(file.load(), CardStateError);
    write(good.substr(0, good.find("puk ")));  // truncated: no PUK, no management key
    CHECK_THROWS_AS(file.load(), CardStateError);
    write(good + "pin-tries x\n");
    CHECK_THROWS_AS(file.load(), CardStateError);
    write(good + "object 5FC102 ZZ\n");
    CHECK_THROWS_AS(file.load(), CardStateError);
    write(good + "colour blue\n");
    CHECK_THROWS_AS(file.load(), CardStateError);
    write(good);
    CHECK(file.load().serial == state.serial);
    CHECK_THROWS_AS(CardStateFile(dir.path / "missing" / "x").load(), CardStateError);
}

TEST_CASE("a failing save answers 6581 and the card keeps working", "[vcard][state]") {
    bool failing = false;
    PivApplet applet(CardState::factoryBlank(), [&](const CardState&) {
        if (failing) throw CardStateError("disk full");
    });
    REQUIRE(ResponseApdu::parse(applet.process(hex("00A4040005A000000308"))).isSuccess());
    failing = true;
    CHECK(ResponseApdu::parse(applet.process(hex("0020008008303030303030FFFF"))).sw() == 0x6581);
    failing = false;
    CHECK(ResponseApdu::parse(applet.process(hex("0020008008313233343536FFFF"))).isSuccess());
}

TEST_CASE("a failing save never gives back a spent PIN try", "[vcard][state]") {
    bool failing = false;
    PivApplet applet(CardState::factoryBlank(), [&](const CardState&) {
        if (failing) throw CardStateError("disk full");
    });
    REQUIRE(ResponseApdu::parse(applet.process(hex("00A4040005A000000308"))).isSuccess());
    failing = true;
    for (int attempt = 0; attempt < 3; ++attempt)  // wrong PIN 000000, answered 6581 each time
        CHECK(ResponseApdu::parse(applet.process(hex("0020008008303030303030FFFF"))).sw() == 0x6581);
    CHECK(applet.state().pinTriesLeft == 0);
    CHECK(ResponseApdu::parse(applet.process(hex("0020008008303030303030FFFF"))).sw() == 0x6983);
    failing = false;
    // Blocked: even the right PIN (123456) is refused.
    CHECK(ResponseApdu::parse(applet.process(hex("0020008008313233343536FFFF"))).sw() == 0x6983);
}
