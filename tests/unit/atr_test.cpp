// ISO 7816-3 ATR parsing and the PC/SC Part 3 contact / contactless classification.
#include "card/atr.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace fmc;
using namespace fmc::card;

TEST_CASE("a YubiKey 5 NFC on a contactless reader is an ISO 14443-4 card", "[atr]") {
    const Bytes atr = fromHex("3B 8D 80 01 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 F9");
    const ParsedAtr parsed = parseAtr(atr);
    CHECK_FALSE(parsed.inverseConvention);
    CHECK(parsed.protocols == std::vector<int>{0, 1});
    CHECK(parsed.historicalBytes == fromHex("80 73 C0 21 C0 57 59 75 62 69 4B 65 79"));
    CHECK(parsed.tck == 0xF9);

    const AtrDescription description = describeAtr(atr);
    CHECK(description.cardInterface == CardInterface::contactless);
    CHECK(description.kind == AtrKind::contactlessApduCard);
    CHECK_THAT(description.knownCard, Catch::Contains("YubiKey 5 NFC (contactless)"));
    CHECK_THAT(description.summary, Catch::StartsWith("contactless ISO 14443-4 card"));
}

TEST_CASE("the NXP J3R180 ATRs are classified by interface and named", "[atr]") {
    const AtrDescription contact =
        describeAtr(fromHex("3B FA 18 00 00 91 01 31 FE 45 4A 33 52 31 38 30 2D 32 35 35 F5"));
    CHECK(contact.cardInterface == CardInterface::contact);
    CHECK(contact.kind == AtrKind::contactCard);
    CHECK(contact.knownCard == "NXP J3R180 JavaCard (contact)");

    const AtrDescription contactless = describeAtr(fromHex("3B 8A 80 01 4A 33 52 31 38 30 2D 32 35 35 06"));
    CHECK(contactless.cardInterface == CardInterface::contactless);
    CHECK(contactless.kind == AtrKind::contactlessApduCard);
    CHECK(contactless.knownCard == "NXP J3R180 JavaCard (contactless)");
}

TEST_CASE("the virtual card's contact ATR (Yubikey4 historical bytes) parses as contact T=1", "[atr]") {
    const Bytes atr = fromHex("3B F8 13 00 00 81 31 FE 15 59 75 62 69 6B 65 79 34 D4");
    const ParsedAtr parsed = parseAtr(atr);
    REQUIRE(parsed.groups.size() == 3);
    CHECK(parsed.groups[0].ta == 0x13);
    CHECK(parsed.groups[0].tb == 0x00);
    CHECK(parsed.groups[0].tc == 0x00);
    CHECK(parsed.groups[0].td == 0x81);
    CHECK(parsed.groups[1].td == 0x31);
    CHECK(parsed.groups[2].ta == 0xFE);
    CHECK(parsed.groups[2].tb == 0x15);
    CHECK(parsed.protocols == std::vector<int>{1, 1});
    CHECK(std::string(parsed.historicalBytes.begin(), parsed.historicalBytes.end()) == "Yubikey4");
    const AtrDescription description = describeAtr(parsed);
    CHECK(description.cardInterface == CardInterface::contact);
    CHECK_THAT(description.knownCard, Catch::Contains("FMC virtual card"));
}

TEST_CASE("storage cards: MIFARE Classic 1K, 4K and Ultralight/NTAG by their card name", "[atr]") {
    struct Case {
        const char* atr;
        std::uint16_t cardName;
        const char* name;
        CardFamily family;
    };
    const Case cases[] = {
        {"3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A", 0x0001,
         "MIFARE Classic 1K (Crypto1 is broken, not usable)", CardFamily::mifareClassic},
        {"3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 02 00 00 00 00 69", 0x0002,
         "MIFARE Classic 4K (Crypto1 is broken, not usable)", CardFamily::mifareClassic},
        // The NTAG216 of our NFC tag profile (the PC/SC storage-card contract, ctx.md).
        {"3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 03 00 00 00 00 68", 0x0003,
         "NTAG21x / MIFARE Ultralight (NFC Forum Type 2 Tag)", CardFamily::ntag21x},
    };
    for (const Case& c : cases) {
        INFO(c.atr);
        const AtrDescription description = describeAtr(fromHex(c.atr));
        CHECK(description.cardInterface == CardInterface::contactless);
        CHECK(description.kind == AtrKind::contactlessStorageCard);
        CHECK(description.storageStandard == 0x03);
        CHECK(description.storageCardName == c.cardName);
        CHECK(description.knownCard == c.name);
        CHECK(description.family == c.family);
        CHECK_THAT(description.summary, Catch::StartsWith("contactless storage card (ISO 14443-3): "));
    }
    // The plain PC/SC name stays without the verdict.
    CHECK(storageCardName(0x0001) == "MIFARE Classic 1K");
}

TEST_CASE("other storage cards keep their PC/SC name", "[atr]") {
    // NN 00 3A = MIFARE Ultralight C; TCK = 8F^80^01^80^4F^0C^A0^03^06^03^3A.
    const AtrDescription description =
        describeAtr(fromHex("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 3A 00 00 00 00 51"));
    CHECK(description.knownCard == "MIFARE Ultralight C");
    CHECK(description.family == CardFamily::otherStorageCard);
}

TEST_CASE("MIFARE DESFire is an ISO 14443-4 card, named as not supported", "[atr]") {
    // pcsc-tools' smartcard_list: the ATR a PC/SC reader builds from a DESFire EV1/2/3 ATS
    // (historical byte 80).
    const AtrDescription description = describeAtr(fromHex("3B 81 80 01 80 80"));
    CHECK(description.cardInterface == CardInterface::contactless);
    CHECK(description.kind == AtrKind::contactlessApduCard);
    CHECK(description.family == CardFamily::mifareDesfire);
    CHECK(description.knownCard == "MIFARE DESFire EV1/EV2/EV3 (not supported)");
}

TEST_CASE("known dual-interface PIV cards are named on both interfaces", "[atr]") {
    const AtrDescription yubiKeyUsb =
        describeAtr(fromHex("3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40"));
    CHECK(yubiKeyUsb.cardInterface == CardInterface::contact);
    CHECK(yubiKeyUsb.knownCard == "YubiKey 5 NFC (USB/contact)");
    CHECK(yubiKeyUsb.family == CardFamily::yubiKey);

    const AtrDescription yubiKeyNfc = describeAtr(fromHex("3B 8D 80 01 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 F9"));
    CHECK(yubiKeyNfc.family == CardFamily::yubiKey);

    const AtrDescription j3r180 = describeAtr(fromHex("3B 8A 80 01 4A 33 52 31 38 30 2D 32 35 35 06"));
    CHECK(j3r180.family == CardFamily::nxpJavaCard);
}

namespace {
// A PC/SC contactless ATR around `historical` (3B 8n 80 01 ... TCK), TCK computed.
Bytes contactlessAtr(const Bytes& historical) {
    // Sized once and filled in place: g++ 12 at -O2 reports a false array-bounds error for an
    // insert after a 4-element initializer list.
    Bytes atr(4 + historical.size());
    atr[0] = 0x3B;
    atr[1] = static_cast<std::uint8_t>(0x80 | historical.size());
    atr[2] = 0x80;
    atr[3] = 0x01;
    std::copy(historical.begin(), historical.end(), atr.begin() + 4);
    std::uint8_t tck = 0;
    for (std::size_t i = 1; i < atr.size(); ++i) tck = static_cast<std::uint8_t>(tck ^ atr[i]);
    atr.push_back(tck);
    return atr;
}
} // namespace

TEST_CASE("families are recognised by the text in the historical bytes", "[atr]") {
    const auto named = [](std::string_view text) {
        return describeAtr(contactlessAtr(Bytes(text.begin(), text.end())));
    };
    CHECK(named("J3H145").knownCard == "NXP J3H145 JavaCard");
    CHECK(named("J3H145").family == CardFamily::nxpJavaCard);
    CHECK(named("J3R180-3").knownCard == "NXP J3R180 JavaCard");
    CHECK(named("xYUBIKEYx").family == CardFamily::yubiKey);
    CHECK(named("FMC-VCARD").family == CardFamily::fmcVirtualCard);
    const AtrDescription unknown = named("ACME");
    CHECK(unknown.knownCard.empty());
    CHECK(unknown.family == CardFamily::unknown);
    CHECK(unknown.summary == "contactless ISO 14443-4 card");
}

TEST_CASE("a T=0-only ATR has no TCK", "[atr]") {
    // TS T0(Y1=0, K=2) + 2 historical bytes, nothing else: only T=0 implied, no TCK.
    const ParsedAtr parsed = parseAtr(fromHex("3B 02 14 50"));
    CHECK_FALSE(parsed.tck.has_value());
    CHECK(parsed.historicalBytes == fromHex("14 50"));
    CHECK(describeAtr(parsed).cardInterface == CardInterface::contact);
}

TEST_CASE("inverse convention is recognised", "[atr]") {
    CHECK(parseAtr(fromHex("3F 00")).inverseConvention);
}

TEST_CASE("malformed ATRs throw MalformedAtr, never read out of bounds", "[atr]") {
    const char* bad[] = {
        "",                                                       // empty
        "3B",                                                     // no T0
        "3A 00",                                                  // bad TS
        "3B 8D 80 01 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 F8",  // wrong TCK
        "3B 8D 80 01 80 73 C0 21 C0 57 59 75 62 69 4B 65 79",     // TCK missing
        "3B 8D 80 01 80 73",                                      // historical bytes truncated
        "3B F0",                                                  // TA1..TD1 announced, absent
        "3B 80",                                                  // TD1 announced, absent
        "3B 00 00",                                               // trailing byte
        "3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A 00 00 00 00 00 00 00 00 00 00 00 00 00 00",  // > 33
    };
    for (const char* hex : bad) {
        INFO("ATR " << hex);
        CHECK_THROWS_AS(parseAtr(fromHex(hex)), MalformedAtr);
        CHECK_THROWS_AS(describeAtr(fromHex(hex)), CardError);
    }
}

TEST_CASE("every truncation of a valid ATR is rejected cleanly", "[atr]") {
    const Bytes atr = fromHex("3B FA 18 00 00 91 01 31 FE 45 4A 33 52 31 38 30 2D 32 35 35 F5");
    for (std::size_t length = 0; length < atr.size(); ++length) {
        INFO("length " << length);
        CHECK_THROWS_AS(parseAtr(ByteView(atr).first(length)), MalformedAtr);
    }
}

TEST_CASE("random bytes never crash the parser", "[atr]") {
    // A deterministic sweep over TS/T0 and interface-byte patterns.
    for (unsigned t0 = 0; t0 < 256; ++t0) {
        for (unsigned fill = 0; fill < 256; fill += 17) {
            Bytes atr{0x3B, static_cast<std::uint8_t>(t0)};
            for (int i = 0; i < 20; ++i) atr.push_back(static_cast<std::uint8_t>(fill + static_cast<unsigned>(i) * 31));
            for (std::size_t length = 2; length <= atr.size(); ++length) {
                try {
                    (void)describeAtr(ByteView(atr).first(length));
                } catch (const MalformedAtr&) {
                }
            }
        }
    }
    SUCCEED();
}

TEST_CASE("unknown storage card names are shown in hex", "[atr]") {
    CHECK(storageCardName(0x00F0) == "storage card 00F0");
}
