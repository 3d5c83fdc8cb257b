// Type2Tag against scripted APDU conversations (the exact commands) and against an in-test
// NTAG216 memory model that answers the PC/SC storage-card contract (round trips, TLV areas,
// capacity, locked pages, a tag torn off the reader mid-write).
#include "card/nfc/type2_tag.hpp"
#include "card/status_words.hpp"
#include "support/scripted_transport.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>

using namespace fmc;
using namespace fmc::card::nfc;
using fmc::card::CardProtocolError;
using fmc::card::CardStatusError;
using fmc::card::CommandApdu;
using fmc::test::ScriptedTransport;

namespace {

Bytes withSw(ByteView data, std::string_view sw) { return concat({data, fromHex(sw)}); }
// A scripted answer as hex: the data, then the status word.
std::string hexWithSw(ByteView data, std::string_view sw) { return toHex(data) + std::string(sw); }
Bytes filled(std::size_t size, std::uint8_t seed = 0) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 13);
    return out;
}

// The tag left the reader's field: what PC/SC reports as a removed card.
struct TagRemoved : std::runtime_error {
    TagRemoved() : std::runtime_error("tag removed") {}
};

// NTAG216 memory behind a contactless reader (the contract in the issue 9 context).
class Ntag216 : public card::Transport {
public:
    static constexpr std::size_t kPages = 231;
    static constexpr std::size_t kPwdPage = 229, kPackPage = 230;

    explicit Ntag216(Bytes uid = fromHex("04A1B2C3D4E5F6")) : uid_(std::move(uid)), memory(kPages * 4, 0x00) {
        const auto u = [&](std::size_t i) { return uid_[i]; };
        setPages(0, Bytes{u(0), u(1), u(2), static_cast<std::uint8_t>(0x88 ^ u(0) ^ u(1) ^ u(2)), u(3), u(4), u(5),
                          u(6), static_cast<std::uint8_t>(u(3) ^ u(4) ^ u(5) ^ u(6)), 0x48, 0x00, 0x00});
        setPages(3, fromHex("E1106D00 0300FE00"));
        setPages(226, fromHex("000000BD 040000FF 00050000 FFFFFFFF 00000000"));
    }

    static std::ptrdiff_t offset(std::size_t page) { return static_cast<std::ptrdiff_t>(page * 4); }
    void setPages(std::size_t page, ByteView bytes) { std::copy(bytes.begin(), bytes.end(), memory.begin() + offset(page)); }
    [[nodiscard]] Bytes pages(std::size_t page, std::size_t count) const {
        return Bytes(memory.begin() + offset(page), memory.begin() + offset(page + count));
    }
    [[nodiscard]] std::size_t countCommands(std::uint8_t ins) const {
        return static_cast<std::size_t>(std::count_if(commands.begin(), commands.end(),
                                                      [&](const Bytes& c) { return c.size() > 1 && c[1] == ins; }));
    }

    Bytes transmitRaw(ByteView raw) override {
        commands.emplace_back(raw.begin(), raw.end());
        CommandApdu command(0, 0, 0, 0);
        try {
            command = CommandApdu::parse(raw);
        } catch (const card::MalformedApdu&) {
            return fromHex("6700");
        }
        if (command.cla() != 0xFF) return fromHex("6A81");
        const std::size_t page = (std::size_t{command.p1()} << 8) | command.p2();
        switch (command.ins()) {
        case 0xCA:
            if (command.p1() == 0x01) return fromHex("6A81");  // no ATS on a storage card
            if (command.ne() != 256 && command.ne() < uid_.size())
                return Bytes{0x6C, static_cast<std::uint8_t>(uid_.size())};
            return withSw(uid_, "9000");
        case 0xB0: {
            if (page >= kPages) return fromHex("6B00");
            const std::size_t length = command.ne() == 256 ? 16 : command.ne();
            Bytes out;
            for (std::size_t i = 0; i < length; ++i) {
                const std::size_t address = (page * 4 + i) % memory.size();  // READ roll-over
                const bool secret = address / 4 == kPwdPage || address / 4 == kPackPage;
                out.push_back(secret ? 0x00 : memory[address]);
            }
            return withSw(out, "9000");
        }
        case 0xD6: {
            if (page >= kPages) return fromHex("6B00");
            if (command.data().size() != 4) return fromHex("6700");
            if (page < 2 || lockedPages.count(page) != 0) return fromHex("6300");
            if (tearAfterWrites && writes == *tearAfterWrites) throw TagRemoved();
            ++writes;
            for (std::size_t i = 0; i < 4; ++i)
                memory[page * 4 + i] = page < 4 ? static_cast<std::uint8_t>(memory[page * 4 + i] | command.data()[i])
                                                : command.data()[i];  // pages 2 and 3 are OTP
            return fromHex("9000");
        }
        default:
            return fromHex("6D00");
        }
    }

    Bytes uid_;
    Bytes memory;
    std::set<std::size_t> lockedPages;
    std::optional<std::size_t> tearAfterWrites;
    std::size_t writes = 0;
    std::vector<Bytes> commands;
};

struct ScriptedTag {
    ScriptedTransport script;
    card::CardChannel channel{script};
    Type2Tag tag{channel};
};

struct ModelTag {
    Ntag216 chip;
    card::CardChannel channel{chip};
    Type2Tag tag{channel};
};

Bytes credentialMessage(std::size_t payloadSize) {
    return encodeNdefMessage({mediaRecord("application/cwt", filled(payloadSize))});
}

} // namespace

// ---- scripted: the exact commands ------------------------------------------------------------

TEST_CASE("uid sends GET DATA and resends with the Le the reader asks for", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFCA000000", "6C07").expect("FFCA000007", "04A1B2C3D4E5F6 9000");
    CHECK(toHex(t.tag.uid()) == "04A1B2C3D4E5F6");
    t.script.requireFinished();
}

TEST_CASE("uid refuses an answer that is not a UID", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFCA000000", "04A1B2 9000").expect("FFCA000000", "6A81");
    CHECK_THROWS_AS(t.tag.uid(), CardProtocolError);
    CHECK_THROWS_AS(t.tag.uid(), CardStatusError);
}

TEST_CASE("readPages reads 16 bytes at a time and drops the surplus", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFB0000410", hexWithSw(filled(16), "9000")).expect("FFB0000810", hexWithSw(filled(16, 16), "9000"));
    const Bytes pages = t.tag.readPages(4, 6);
    CHECK(pages.size() == 24);
    CHECK(pages == concat({filled(16), ByteView(filled(16, 16)).first(8)}));
    t.script.requireFinished();
    CHECK_THROWS_AS(t.tag.readPages(250, 7), std::invalid_argument);
}

TEST_CASE("status words from the reader become CardStatusError", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFB000E710", "6B00").expect("FFD6000004 01020304", "6300").expect("FFB0000410", "0102 9000");
    try {
        (void)t.tag.readPages(231, 1);
        FAIL("no error");
    } catch (const CardStatusError& error) {
        CHECK(error.sw() == 0x6B00);
        CHECK(error.kind() == card::StatusKind::incorrectP1P2);
    }
    try {
        t.tag.writePage(0, fromHex("01020304"));
        FAIL("no error");
    } catch (const CardStatusError& error) {
        CHECK(error.sw() == 0x6300);
        CHECK_THAT(error.what(), Catch::Contains("UPDATE BINARY page 0"));
    }
    CHECK_THROWS_AS(t.tag.readPages(4, 1), CardProtocolError);  // 2 bytes instead of 16
    CHECK_THROWS_AS(t.tag.writePage(4, fromHex("010203")), std::invalid_argument);
}

TEST_CASE("a short message costs the CC read and one read at page 4", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFB0000310", "E1106D00 0305D101 005541FE 00000000 9000")
        .expect("FFB0000410", "0305D10100 5541 FE 0000000000000000 9000");
    CHECK(t.tag.readNdefMessage() == fromHex("D101005541"));
    t.script.requireFinished();
    CHECK(t.channel.exchangeCount() == 2);
}

TEST_CASE("writeNdefMessage blanks the length first, writes the body, then the header", "[nfc][type2][scripted]") {
    ScriptedTag t;
    // First the lock bits: the static ones of page 2 and, on an NTAG216, the dynamic ones.
    t.script.expect("FFB0000310", "E1106D00 0300FE00 00000000 00000000 9000")
        .expect("FFB0000210", "48000000 E1106D00 0300FE00 00000000 9000")
        .expect("FFB000E210", "000000BD 04000000 00050000 00000000 9000")
        .expect("FFD6000404 0300FE00", "9000")
        .expect("FFD6000504 01005541", "9000")
        .expect("FFD6000604 FE000000", "9000")
        .expect("FFD6000404 0306D101", "9000");
    t.tag.writeNdefMessage(fromHex("D10101005541"));
    t.script.requireFinished();
}

TEST_CASE("a message that fits page 4 alone is one write", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFB0000310", hexWithSw(fromHex("E1106D00 0300FE00 00000000 00000000"), "9000"))
        .expect("FFB0000210", "48000000 E1106D00 0300FE00 00000000 9000")
        .expect("FFB000E210", "000000BD 04000000 00050000 00000000 9000")
        .expect("FFD6000404 0300FE00", "9000");
    t.tag.writeNdefMessage({});
    t.script.requireFinished();
}

TEST_CASE("pages made read-only by lock bits are refused before anything is written", "[nfc][type2][scripted]") {
    const Bytes message(100, 0xAB);  // 104 bytes with its TLV and terminator: pages 4 to 30
    SECTION("static lock bit of page 9 (page 2, byte 3, bit 1)") {
        ScriptedTag t;
        t.script.expect("FFB0000310", "E1106D00 0300FE00 00000000 00000000 9000")
            .expect("FFB0000210", "48000002 E1106D00 0300FE00 00000000 9000")
            .expect("FFB000E210", "000000BD 04000000 00050000 00000000 9000");
        CHECK_THROWS_WITH(t.tag.writeNdefMessage(message), Catch::Contains("page 9 is locked"));
        t.script.requireFinished();
    }
    SECTION("dynamic lock bit 0 of an NTAG216 (pages 16-31)") {
        ScriptedTag t;
        t.script.expect("FFB0000310", "E1106D00 0300FE00 00000000 00000000 9000")
            .expect("FFB0000210", "48000000 E1106D00 0300FE00 00000000 9000")
            .expect("FFB000E210", "010000BD 04000000 00050000 00000000 9000");
        CHECK_THROWS_WITH(t.tag.writeNdefMessage(message), Catch::Contains("page 16 is locked"));
        t.script.requireFinished();
    }
    SECTION("a lock past the message's last page does not matter") {
        ScriptedTag t;
        t.script.expect("FFB0000310", "E1106D00 0300FE00 00000000 00000000 9000")
            .expect("FFB0000210", "48000000 E1106D00 0300FE00 00000000 9000")
            .expect("FFB000E210", "040000BD 04000000 00050000 00000000 9000");  // pages 48-63
        CHECK_FALSE(t.tag.whyNotWritable(message.size()).has_value());
        t.script.requireFinished();
    }
}

TEST_CASE("the capability container must be E1 version 1.x", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFB0000310", hexWithSw(fromHex("00000000 00000000 00000000 00000000"), "9000"))
        .expect("FFB0000310", hexWithSw(fromHex("E1206D00 00000000 00000000 00000000"), "9000"))
        .expect("FFB0000310", hexWithSw(fromHex("E1116D0F 00000000 00000000 00000000"), "9000"));
    CHECK_THROWS_WITH(t.tag.capabilityContainer(), Catch::Contains("not E1"));
    CHECK_THROWS_WITH(t.tag.capabilityContainer(), Catch::Contains("not 1.x"));
    const CapabilityContainer cc = t.tag.capabilityContainer();
    CHECK(cc.dataAreaSize() == 872);
    CHECK(cc.readable());
    CHECK_FALSE(cc.writable());
}

TEST_CASE("a read-only CC refuses the write before anything is written", "[nfc][type2][scripted]") {
    ScriptedTag t;
    t.script.expect("FFB0000310", hexWithSw(fromHex("E1106D0F 0300FE00 00000000 00000000"), "9000"));
    CHECK_THROWS_AS(t.tag.writeNdefMessage(fromHex("D00000")), NdefError);
    t.script.requireFinished();
}

// ---- against the NTAG216 model ---------------------------------------------------------------

TEST_CASE("a factory NTAG216 has an empty NDEF TLV and reads its UID", "[nfc][type2][model]") {
    ModelTag t;
    CHECK(toHex(t.tag.uid()) == "04A1B2C3D4E5F6");
    CHECK_FALSE(t.tag.readNdefMessage().has_value());
    CHECK(t.chip.countCommands(0xB0) == 2);
    const Bytes lastPages = t.tag.readPages(228, 4);  // 228..230 then roll-over to page 0
    CHECK(toHex(ByteView(lastPages).subspan(4, 8)) == "0000000000000000");  // PWD and PACK read as zeros
    CHECK(ByteView(lastPages).subspan(12, 3)[0] == 0x04);
}

TEST_CASE("NDEF messages round-trip through the tag", "[nfc][type2][model]") {
    const std::vector<std::vector<NdefRecord>> messages{
        {mediaRecord("application/cwt", filled(20))},
        {mediaRecord("application/cwt", filled(300))},
        {NdefRecord{Tnf::wellKnown, Bytes{'U'}, Bytes{'1'}, fromHex("0466")},
         NdefRecord{Tnf::external, Bytes{'a', ':', 'b'}, Bytes{'i', 'd'}, filled(100)},
         mediaRecord("application/cwt", filled(500, 9))},
    };
    ModelTag t;
    for (const auto& records : messages) {
        const Bytes message = encodeNdefMessage(records);
        t.tag.writeNdefMessage(message);
        const auto back = t.tag.readNdefMessage();
        REQUIRE(back.has_value());
        CHECK(*back == message);
        CHECK(decodeNdefMessage(*back) == records);
    }
}

TEST_CASE("a long message uses the 3-byte TLV length", "[nfc][type2][model]") {
    ModelTag t;
    const Bytes message = credentialMessage(600);
    t.tag.writeNdefMessage(message);
    CHECK(toHex(t.chip.pages(4, 1)) == "03FF" + toHex(Bytes{static_cast<std::uint8_t>(message.size() >> 8),
                                                            static_cast<std::uint8_t>(message.size())}));
    CHECK(t.tag.readNdefMessage() == message);
}

TEST_CASE("the reader stops reading once the message is in", "[nfc][type2][model]") {
    ModelTag t;
    const Bytes message = credentialMessage(80);  // 2 + 98 bytes up to the message end: 7 blocks of 16
    REQUIRE(message.size() == 98);
    t.tag.writeNdefMessage(message);
    t.chip.commands.clear();
    CHECK(t.tag.readNdefMessage() == message);
    CHECK(t.chip.countCommands(0xB0) == 1 + 7);
}

TEST_CASE("lock, memory control, proprietary and NULL TLVs before the message are skipped", "[nfc][type2][model]") {
    ModelTag t;
    t.chip.setPages(4, fromHex("0103A01044 0203001000 FD02ABCD 0000 0303D00000 FE 000000"));
    CHECK(t.tag.readNdefMessage() == fromHex("D00000"));
    t.chip.setPages(4, fromHex("0000 0103A01044 FE 0304D0000000"));
    CHECK_FALSE(t.tag.readNdefMessage().has_value());  // terminator before any NDEF TLV
    t.chip.setPages(4, fromHex("04020000 0300FE00"));
    CHECK_THROWS_WITH(t.tag.readNdefMessage(), Catch::Contains("reserved TLV type 04"));
}

TEST_CASE("a TLV running past the data area is refused", "[nfc][type2][model]") {
    ModelTag t;
    t.chip.setPages(4, fromHex("03FF0366"));  // 870 bytes after a 4-byte header: 874 > 872
    CHECK_THROWS_WITH(t.tag.readNdefMessage(), Catch::Contains("past the 872-byte data area"));
    t.chip.setPages(4, fromHex("01FF0400"));
    CHECK_THROWS_AS(t.tag.readNdefMessage(), NdefError);
    t.chip.setPages(3, fromHex("E1100200 0314D101"));  // a 16-byte data area, a 20-byte message
    CHECK_THROWS_AS(t.tag.readNdefMessage(), NdefError);
    t.chip.setPages(4, fromHex("00000000 00000000 00000000 00000003"));  // header cut by the area's end
    CHECK_THROWS_WITH(t.tag.readNdefMessage(), Catch::Contains("TLV length"));
    t.chip.setPages(4, fromHex("00000000 00000000 00000000 00000000"));  // only NULLs: no message
    CHECK_FALSE(t.tag.readNdefMessage().has_value());
}

TEST_CASE("a message that just fits the data area is written, one byte more is refused", "[nfc][type2][model]") {
    ModelTag t;
    const Bytes fits = filled(872 - 4 - 1);  // 03 FF L1 L2 + message + FE == 872
    t.tag.writeNdefMessage(fits);
    CHECK(t.tag.readNdefMessage() == fits);
    CHECK(toHex(t.chip.pages(4 + 217, 1)) == toHex(ByteView(fits).last(3)) + "FE");

    const Bytes before = t.chip.memory;
    t.chip.commands.clear();
    CHECK_THROWS_WITH(t.tag.writeNdefMessage(filled(872 - 4)), Catch::Contains("data area holds 872"));
    CHECK(t.chip.countCommands(0xD6) == 0);
    CHECK(t.chip.memory == before);

    t.chip.setPages(3, fromHex("E1100600"));  // 48 bytes: 03 L + 45 + FE fits, 46 does not
    CHECK_NOTHROW(t.tag.writeNdefMessage(filled(45)));
    CHECK(t.tag.readNdefMessage() == filled(45));
    CHECK_THROWS_AS(t.tag.writeNdefMessage(filled(46)), NdefError);
}

TEST_CASE("OTP pages, the UID pages and locked pages on the model", "[nfc][type2][model]") {
    ModelTag t;
    CHECK_THROWS_AS(t.tag.writePage(1, fromHex("00000000")), CardStatusError);
    t.chip.lockedPages.insert(6);
    CHECK_THROWS_AS(t.tag.writeNdefMessage(credentialMessage(20)), CardStatusError);
    t.tag.writePage(3, fromHex("0000000F"));  // OTP: bits only set, so the CC turns read-only
    CHECK(toHex(t.chip.pages(3, 1)) == "E1106D0F");
    CHECK_FALSE(t.tag.capabilityContainer().writable());
    CHECK_THROWS_WITH(t.tag.writeNdefMessage(fromHex("D00000")), Catch::Contains("denies write access"));
}

TEST_CASE("a tag torn off mid-write reads as the old message, empty, or the new one", "[nfc][type2][model]") {
    const Bytes oldMessage = credentialMessage(200);
    const Bytes newMessage = credentialMessage(120);
    const std::size_t writesNeeded = 1 + (2 + newMessage.size() + 1 + 3) / 4;
    for (std::size_t tearAt = 0; tearAt <= writesNeeded; ++tearAt) {
        INFO("torn after " << tearAt << " writes");
        ModelTag t;
        t.tag.writeNdefMessage(oldMessage);
        t.chip.writes = 0;
        t.chip.tearAfterWrites = tearAt;
        if (tearAt < writesNeeded)
            CHECK_THROWS_AS(t.tag.writeNdefMessage(newMessage), TagRemoved);
        else
            t.tag.writeNdefMessage(newMessage);
        t.chip.tearAfterWrites.reset();
        const auto seen = t.tag.readNdefMessage();
        if (tearAt == 0)
            CHECK(seen == oldMessage);
        else if (tearAt < writesNeeded)
            CHECK_FALSE(seen.has_value());
        else
            CHECK(seen == newMessage);
    }
}
