// The virtual NTAG216 (fmc-vcard --ntag216): the PC/SC storage-card pseudo-APDUs and their
// status words, READ roll-over, OTP and lock bytes, the factory-blank tag, and its state file.
#include "card/nfc/ndef.hpp"
#include "card/nfc/type2_tag.hpp"
#include "card/transport.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/card_state.hpp"
#include "card/vcard/fault_injection.hpp"
#include "card/vcard/ntag216_state.hpp"
#include "card/vcard/ntag216_tag.hpp"
#include "crypto/file_io.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

using namespace fmc;
using namespace fmc::card::vcard;

namespace {

const Bytes kUid = fromHex("04A1B2C3D4E5F6");

struct TestTag {
    explicit TestTag(Ntag216State initial = Ntag216State::factoryBlank(kUid))
        : tag(std::move(initial), [this](const Ntag216State& changed) {
              if (failSaves) throw std::runtime_error("disk full");
              saved = changed;
              ++saves;
          }) {}
    Bytes raw(std::string_view apduHex) { return tag.process(fromHex(apduHex)); }
    std::string hex(std::string_view apduHex) { return toHex(raw(apduHex)); }
    std::string sw(std::string_view apduHex) {
        const std::string all = hex(apduHex);
        return all.substr(all.size() - 4);
    }
    std::string page(std::uint8_t number) { return toHex(tag.state().page(number)); }

    int saves = 0;
    bool failSaves = false;
    Ntag216State saved;
    Ntag216Tag tag;
};


void writeAll(const std::filesystem::path& path, std::string_view text) {
    FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
}

} // namespace

TEST_CASE("a factory-blank NTAG216 has its UID, check bytes, CC, empty NDEF TLV and default config", "[vcard][ntag]") {
    const Ntag216State blank = Ntag216State::factoryBlank(kUid);
    CHECK(blank.uid() == kUid);
    // BCC0 = 88 ^ 04 ^ A1 ^ B2 = 9F, BCC1 = C3 ^ D4 ^ E5 ^ F6 = 04.
    CHECK(toHex(blank.page(0)) == "04A1B29F");
    CHECK(toHex(blank.page(1)) == "C3D4E5F6");
    CHECK(toHex(blank.page(2)) == "04480000");  // BCC1, internal 48, nothing locked
    CHECK(toHex(blank.page(3)) == "E1106D00");
    CHECK(toHex(blank.page(4)) == "0300FE00");
    for (std::uint8_t page = 5; page <= ntag216::kLastUserPage; ++page) CHECK(toHex(blank.page(page)) == "00000000");
    CHECK(toHex(blank.page(ntag216::kDynamicLockPage)) == "000000BD");
    CHECK(toHex(blank.page(ntag216::kConfig0Page)) == "040000FF");  // AUTH0 FF: no password protection
    CHECK(toHex(blank.page(ntag216::kConfig1Page)) == "00050000");
    CHECK(toHex(blank.page(ntag216::kPasswordPage)) == "FFFFFFFF");
    CHECK(toHex(blank.page(ntag216::kPackPage)) == "00000000");

    const Ntag216State random = Ntag216State::factoryBlank();
    const Bytes uid = random.uid();
    REQUIRE(uid.size() == 7);
    CHECK(uid[0] == 0x04);  // NXP
    CHECK(random.memory[3] == ntag216::bcc0(uid));
    CHECK(random.memory[8] == ntag216::bcc1(uid));
    CHECK(Ntag216State::factoryBlank().uid() != uid);
    CHECK_THROWS_AS(Ntag216State::factoryBlank(fromHex("04A1B2C3")), std::invalid_argument);
}

TEST_CASE("FF CA gives the UID; the ATS and other P1/P2 are refused", "[vcard][ntag]") {
    TestTag t;
    CHECK(t.hex("FFCA000000") == "04A1B2C3D4E5F69000");
    CHECK(t.hex("FFCA0000") == "04A1B2C3D4E5F69000");  // no Le
    CHECK(t.hex("FFCA000010") == "04A1B2C3D4E5F69000");  // Le longer than the UID
    CHECK(t.hex("FFCA000004") == "6C07");               // too short: the right length
    CHECK(t.hex("FFCA010000") == "6A81");               // ATS: not on a Type 2 tag
    CHECK(t.hex("FFCA020000") == "6A86");
    CHECK(t.hex("FFCA000100") == "6A86");
    CHECK(t.hex("FFCA00000000") == "6700");
    CHECK(toHex(t.tag.atr()) == "3B8F8001804F0CA0000003060300030000000068");
    // TCK: the XOR of T0 .. TCK is zero (ISO 7816-3 §8.2.5).
    std::uint8_t check = 0;
    for (std::size_t i = 1; i < t.tag.atr().size(); ++i) check ^= t.tag.atr()[i];
    CHECK(check == 0);
}

TEST_CASE("ISO commands and unknown pseudo-APDUs get the reader's status words", "[vcard][ntag]") {
    TestTag t;
    CHECK(t.hex("00A4040005A000000308") == "6A81");  // SELECT PIV: a storage card has no applets
    CHECK(t.hex("00B0000010") == "6A81");
    CHECK(t.hex("FF82000006FFFFFFFFFFFF") == "6D00");  // LOAD KEYS (MIFARE Classic)
    CHECK(t.hex("FFC0000000") == "6D00");
    CHECK(t.hex("FFCA00") == "6700");
    CHECK(t.hex("") == "6700");
    t.tag.powerCycle();  // nothing volatile
    CHECK(t.hex("FFCA000000") == "04A1B2C3D4E5F69000");
}

TEST_CASE("FF B0 reads Le bytes from a page, 16 for Le 00, rolling over past the last page", "[vcard][ntag]") {
    TestTag t;
    CHECK(t.hex("FFB0000000") == "04A1B29FC3D4E5F604480000E1106D009000");
    CHECK(t.hex("FFB0000410") == "0300FE00000000000000000000000000" "9000");
    CHECK(t.hex("FFB0000304") == "E1106D009000");
    CHECK(t.hex("FFB0000301") == "E19000");
    CHECK(t.raw("FFB00004FF").size() == 255 + 2);
    // Pages 227 .. 230 then 0: PWD and PACK read as zeros, then the UID again.
    CHECK(t.hex("FFB000E300") == "040000FF00050000" "0000000000000000" "9000");
    CHECK(t.hex("FFB000E610") == "00000000" "04A1B29F" "C3D4E5F6" "04480000" "9000");
    CHECK(t.hex("FFB000E208") == "000000BD040000FF9000");
    // Out of range, P1 other than 00, or the wrong shape.
    CHECK(t.hex("FFB000E710") == "6B00");
    CHECK(t.hex("FFB000FF10") == "6B00");
    CHECK(t.hex("FFB0010010") == "6B00");
    CHECK(t.hex("FFB00004") == "6700");
    CHECK(t.hex("FFB000041000") == "6700");
    CHECK(t.saves == 0);
}

TEST_CASE("FF D6 writes one page, persisting it before answering", "[vcard][ntag]") {
    TestTag t;
    CHECK(t.hex("FFD6000404DEADBEEF") == "9000");
    CHECK(t.saves == 1);
    CHECK(toHex(t.saved.page(4)) == "DEADBEEF");
    CHECK(t.hex("FFB0000404") == "DEADBEEF9000");
    CHECK(t.hex("FFD600E10401020304") == "9000");  // the last user page
    CHECK(t.page(225) == "01020304");
    // The password pages are write-only: stored, read back as zeros.
    CHECK(t.hex("FFD600E50411223344") == "9000");
    CHECK(t.page(ntag216::kPasswordPage) == "11223344");
    CHECK(t.hex("FFB000E504") == "000000009000");
    // Wrong Lc or shape: 6700; out of range or P1 not 00: 6B00.
    CHECK(t.hex("FFD6000403DEADBE") == "6700");
    CHECK(t.hex("FFD6000405DEADBEEF00") == "6700");
    CHECK(t.hex("FFD6000404DEADBE") == "6700");
    CHECK(t.hex("FFD6000404DEADBEEF00") == "6700");
    CHECK(t.hex("FFD60004") == "6700");
    CHECK(t.hex("FFD600E70401020304") == "6B00");
    CHECK(t.hex("FFD6010404DEADBEEF") == "6B00");
    CHECK(t.saves == 3);
}

TEST_CASE("a write the state file cannot keep is undone and answered 6581", "[vcard][ntag]") {
    TestTag t;
    t.failSaves = true;
    CHECK(t.hex("FFD6000404DEADBEEF") == "6581");
    CHECK(t.page(4) == "0300FE00");
    t.failSaves = false;
    CHECK(t.hex("FFD6000404DEADBEEF") == "9000");
}

TEST_CASE("the UID pages refuse writes; page 2 and the CC are one-time programmable", "[vcard][ntag]") {
    TestTag t;
    CHECK(t.hex("FFD6000004FFFFFFFF") == "6300");
    CHECK(t.hex("FFD6000104FFFFFFFF") == "6300");
    CHECK(t.page(0) == "04A1B29F");
    CHECK(t.page(1) == "C3D4E5F6");
    CHECK_FALSE(t.tag.pageWritable(0));
    CHECK_FALSE(t.tag.pageWritable(1));
    // Page 2: BCC1 and the internal byte stay; the lock bytes OR in.
    CHECK(t.hex("FFD6000204FFFF0000") == "9000");
    CHECK(t.page(2) == "04480000");
    // CC: bits OR in, never clear (E1 10 6D 00 | 00 00 12 0F = E1 10 7F 0F).
    CHECK(t.hex("FFD60003040000120F") == "9000");
    CHECK(t.page(3) == "E1107F0F");
    CHECK(t.hex("FFD600030400000000") == "9000");
    CHECK(t.page(3) == "E1107F0F");
}

TEST_CASE("static lock bits make pages 3-15 read-only, and block-lock bits freeze them", "[vcard][ntag]") {
    TestTag t;
    // Lock 0 = 0x10 (L4), lock 1 = 0x80 (L15).
    CHECK(t.hex("FFD600020400001080") == "9000");
    CHECK(t.page(2) == "04481080");
    CHECK(t.hex("FFD6000404DEADBEEF") == "6300");
    CHECK(t.page(4) == "0300FE00");
    CHECK(t.hex("FFD6000F0401020304") == "6300");
    CHECK(t.hex("FFD600050401020304") == "9000");  // L5 still open
    CHECK(t.hex("FFD6000E0401020304") == "9000");
    CHECK(t.hex("FFD600100401020304") == "9000");  // page 16: the dynamic locks' business
    // Locks OR in: writing zeros unlocks nothing.
    CHECK(t.hex("FFD600020400000000") == "9000");
    CHECK(t.page(2) == "04481080");
    // L-CC: the capability container becomes read-only.
    CHECK(t.hex("FFD600020400000800") == "9000");
    CHECK(t.hex("FFD600030400000001") == "6300");
    CHECK(t.page(3) == "E1106D00");
    // BL 9-4 (lock 0 bit 1) freezes L4-L9: setting L6 afterwards does nothing; L10 still works.
    CHECK(t.hex("FFD600020400000200") == "9000");
    CHECK(t.hex("FFD600020400004004") == "9000");
    CHECK(t.page(2) == "04481A84");
    CHECK(t.tag.pageWritable(6));
    CHECK_FALSE(t.tag.pageWritable(10));
    // BL-CC and BL 15-10 freeze the rest: L8, L9 (BL 9-4) and L11 stay clear.
    CHECK(t.hex("FFD600020400000500") == "9000");
    CHECK(t.hex("FFD60002040000000B") == "9000");
    CHECK(t.page(2) == "04481F84");
    CHECK(t.tag.pageWritable(11));
}

TEST_CASE("dynamic lock bits make 16-page blocks from page 16 read-only", "[vcard][ntag]") {
    TestTag t;
    // Byte 0 bit 0: pages 16-31; byte 1 bit 5: pages 224-225.
    CHECK(t.hex("FFD600E20401200000") == "9000");
    CHECK(t.page(ntag216::kDynamicLockPage) == "012000BD");  // RFUI byte stays BD
    CHECK(t.hex("FFD600100401020304") == "6300");
    CHECK(t.hex("FFD6001F0401020304") == "6300");
    CHECK(t.hex("FFD600200401020304") == "9000");  // page 32: the next block
    CHECK(t.hex("FFD600DF0401020304") == "9000");  // page 223
    CHECK(t.hex("FFD600E00401020304") == "6300");  // page 224
    CHECK(t.hex("FFD600E10401020304") == "6300");
    CHECK_FALSE(t.tag.pageWritable(16));
    CHECK(t.tag.pageWritable(15));
    // OTP: zeros unlock nothing; RFUI bits are not set.
    CHECK(t.hex("FFD600E204000000FF") == "9000");
    CHECK(t.page(ntag216::kDynamicLockPage) == "012000BD");
    // Block-lock bit 1 freezes lock bits 2-3: pages 48-79 can no longer be locked.
    CHECK(t.hex("FFD600E20400000200") == "9000");
    CHECK(t.hex("FFD600E204FF000000") == "9000");
    CHECK(t.page(ntag216::kDynamicLockPage) == "F32002BD");
    CHECK(t.tag.pageWritable(48));
    CHECK_FALSE(t.tag.pageWritable(80));
    // The RFUI bits (byte 1 bits 6-7, byte 2 bit 7) are not set.
    CHECK(t.hex("FFD600E20400C0FF00") == "9000");
    CHECK(t.page(ntag216::kDynamicLockPage) == "F3207FBD");
}

TEST_CASE("CFGLCK locks the configuration pages but not PWD and PACK", "[vcard][ntag]") {
    TestTag t;
    CHECK(t.hex("FFD600E304040000" "10") == "9000");  // AUTH0 = 0x10
    CHECK(t.hex("FFD600E40440050000") == "9000");    // ACCESS: CFGLCK
    CHECK(t.hex("FFD600E304040000FF") == "6300");
    CHECK(t.hex("FFD600E40400050000") == "6300");
    CHECK(t.page(ntag216::kConfig0Page) == "04000010");
    CHECK(t.hex("FFD600E50401020304") == "9000");
    CHECK(t.hex("FFD600E60401020000") == "9000");
}

TEST_CASE("the tag state file round-trips and is saved atomically", "[vcard][ntag][state]") {
    fmc::test::TempFolder dir;
    const Ntag216StateFile file(dir.path / "tag.state");
    const Ntag216State created = file.loadOrCreate();
    REQUIRE(std::filesystem::exists(file.path()));
    CHECK(created.uid()[0] == 0x04);
    CHECK(file.loadOrCreate() == created);  // started again: the same tag

    Ntag216Tag tag(created, [&file](const Ntag216State& changed) { file.save(changed); });
    CHECK(toHex(tag.process(fromHex("FFD6000404CAFEF00D"))) == "9000");
    CHECK(toHex(tag.process(fromHex("FFD600020400001000"))) == "9000");
    const Ntag216State reloaded = file.load();
    CHECK(reloaded == tag.state());
    CHECK(toHex(reloaded.page(4)) == "CAFEF00D");

    const std::string text = fmc::readFileText(file.path());
    CHECK(text.rfind("fmc-vcard-ntag216 1\nuid " + toHex(created.uid()) + "\nmemory ", 0) == 0);
    CHECK(parseNtag216State(serializeNtag216State(reloaded)) == reloaded);
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
        CHECK(entry.path().filename() == "tag.state");  // no temporary file left behind
}

TEST_CASE("damaged or foreign tag state files are refused", "[vcard][ntag][state]") {
    const Ntag216State state = Ntag216State::factoryBlank(kUid);
    const std::string good = serializeNtag216State(state);
    CHECK_THROWS_AS(parseNtag216State(""), CardStateError);
    CHECK_THROWS_AS(parseNtag216State("fmc-vcard-ntag216 1\nuid 04A1B2C3D4E5F6\n"), CardStateError);
    CHECK_THROWS_AS(parseNtag216State(good + "extra 00\n"), CardStateError);
    std::string otherUid = good;
    otherUid.replace(otherUid.find("uid 04A1") + 4, 4, "04A2");
    CHECK_THROWS_WITH(parseNtag216State(otherUid), Catch::Contains("does not match"));
    Ntag216State badCheck = state;
    badCheck.memory[3] = static_cast<std::uint8_t>(badCheck.memory[3] ^ 0x01);
    CHECK_THROWS_WITH(parseNtag216State(serializeNtag216State(badCheck)), Catch::Contains("BCC0"));
    std::string shortMemory = good;
    shortMemory.replace(shortMemory.find("memory ") + 7, 2, "");
    CHECK_THROWS_WITH(parseNtag216State(shortMemory), Catch::Contains("924 bytes"));
}

TEST_CASE("a PIV state file given to --ntag216, or a tag's given to the PIV card, is refused clearly", "[vcard][ntag][state]") {
    fmc::test::TempFolder dir;
    const CardStateFile pivFile(dir.path / "card.state");
    (void)pivFile.loadOrCreate();
    CHECK_THROWS_WITH(Ntag216StateFile(pivFile.path()).load(), Catch::Contains("PIV card state file") &&
                                                                   Catch::Contains("without --ntag216"));
    const Ntag216StateFile tagFile(dir.path / "tag.state");
    (void)tagFile.loadOrCreate();
    CHECK_THROWS_WITH(CardStateFile(tagFile.path()).load(), Catch::Contains("NTAG216 tag state file") &&
                                                                Catch::Contains("with --ntag216"));
    writeAll(dir.path / "junk", "hello\n");
    CHECK_THROWS_AS(Ntag216StateFile(dir.path / "junk").load(), CardStateError);
}

TEST_CASE("setUid rewrites the UID and check bytes only", "[vcard][ntag]") {
    Ntag216State state = Ntag216State::factoryBlank();
    state.memory[10] = 0x10;  // a lock bit
    state.setUid(kUid);
    CHECK(toHex(state.page(0)) == "04A1B29F");
    CHECK(toHex(state.page(2)) == "04481000");
    CHECK_THROWS_AS(state.setUid(fromHex("04A1B2C3")), std::invalid_argument);
}

TEST_CASE("faults work around the tag as around the PIV applet", "[vcard][ntag][fault]") {
    TestTag t;
    FaultInjector injector({parseFault("sw=6F00@2"), parseFault("mute@3")},
                           [&t](ByteView command) { return t.tag.process(command); });
    CHECK(toHex(*injector.respond(fromHex("FFCA000000"), 1)) == "04A1B2C3D4E5F69000");
    CHECK(toHex(*injector.respond(fromHex("FFD6000404DEADBEEF"), 2)) == "6F00");
    CHECK(t.page(4) == "DEADBEEF");  // the tag did the write; only the answer was replaced
    CHECK_FALSE(injector.respond(fromHex("FFB0000410"), 3).has_value());
}

TEST_CASE("the NFC Type 2 tag profile reads and writes NDEF on the virtual tag", "[vcard][ntag][nfc]") {
    TestTag t;
    AppletTransport transport(t.tag);
    card::CardChannel channel(transport);
    card::nfc::Type2Tag type2(channel);
    CHECK(type2.uid() == kUid);
    CHECK(type2.capabilityContainer().dataAreaSize() == 872);
    CHECK_FALSE(type2.readNdefMessage().has_value());  // factory: empty NDEF TLV
    const Bytes message =
        card::nfc::encodeNdefMessage({card::nfc::mediaRecord("application/cwt", Bytes(300, 0x5A))});
    type2.writeNdefMessage(message);
    CHECK(type2.readNdefMessage() == message);
    CHECK(t.saved.memory == t.tag.state().memory);
}
