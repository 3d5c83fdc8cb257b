#include "card/atr.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace fmc::card {
namespace {

// ISO 7816-3 §8.2.1: TS, T0, at most 32 further bytes.
constexpr std::size_t kMaxAtrLength = 33;
constexpr std::uint8_t kDirectConvention = 0x3B;
constexpr std::uint8_t kInverseConvention = 0x3F;

// PC/SC Part 3 §3.1.3.2.3: a reader builds `3B 8n 80 01 <n historical bytes> TCK` for every
// contactless card; storage cards carry `80 4F 0C <RID A0 00 00 03 06> SS NN NN 00 00 00 00`.
constexpr std::array<std::uint8_t, 8> kStorageCardPrefix{0x80, 0x4F, 0x0C, 0xA0,
                                                         0x00, 0x00, 0x03, 0x06};
constexpr std::size_t kStorageCardHistoricalLength = 15;

struct KnownCard {
    std::string_view name;
    CardFamily family;
};

struct KnownAtr {
    std::string_view atrHex;
    KnownCard card;
};

// Exact ATRs. Sources: R = ../shared/reference/pcsc-and-nfc.md (as measured on the devices);
// V = the virtual card (card/vcard/card_server.cpp); L = Ludovic Rousseau's smartcard_list.txt
// (pcsc-tools), the list pcsc_scan uses.
constexpr std::array kKnownAtrs{
    // R, V: the virtual card presents the two YubiKey ATRs so that middleware treats it like
    // one; the survey cannot tell them apart from the real key by the ATR alone.
    KnownAtr{"3B8D80018073C021C057597562694B6579F9",
             {"YubiKey 5 NFC (contactless) or FMC virtual card", CardFamily::yubiKey}},
    KnownAtr{"3BF81300008131FE15597562696B657934D4",
             {"YubiKey 4 (contact) or FMC virtual card", CardFamily::yubiKey}},
    // L: YubiKey 5 NFC over USB (its CCID interface; a reader and card in one).
    KnownAtr{"3BFD1300008131FE158073C021C057597562694B657940",
             {"YubiKey 5 NFC (USB/contact)", CardFamily::yubiKey}},
    // R: NXP J3R180 (JCOP4) on contacts and on a PC/SC contactless reader.
    KnownAtr{"3BFA180000910131FE454A33523138302D323535F5",
             {"NXP J3R180 JavaCard (contact)", CardFamily::nxpJavaCard}},
    KnownAtr{"3B8A80014A33523138302D32353506",
             {"NXP J3R180 JavaCard (contactless)", CardFamily::nxpJavaCard}},
    // L: MIFARE DESFire EV1/EV2/EV3: its ATS carries the single historical byte 80, which a
    // PC/SC reader turns into this ATR. ISO 14443-4, but it speaks DESFire native commands
    // (AES files), neither PIV nor our NFC tag profile.
    KnownAtr{"3B8180018080", {"MIFARE DESFire EV1/EV2/EV3 (not supported)", CardFamily::mifareDesfire}},
};

struct KnownHistoricalText {
    std::string_view text;
    KnownCard card;
};

// Families recognised by ASCII text in the historical bytes, for ATRs not in the exact table
// (other firmware versions, other readers). Sources: YubiKeys write "YubiKey"/"Yubikey4" (R,
// L); NXP JCOP4 cards write their product name, e.g. "J3R180-255" (R) and "J3H145" (L); the
// virtual card can announce itself (V).
constexpr std::array kKnownHistoricalTexts{
    KnownHistoricalText{"YubiKey", {"YubiKey", CardFamily::yubiKey}},
    KnownHistoricalText{"J3R180", {"NXP J3R180 JavaCard", CardFamily::nxpJavaCard}},
    KnownHistoricalText{"J3H145", {"NXP J3H145 JavaCard", CardFamily::nxpJavaCard}},
    KnownHistoricalText{"FMC-VCARD", {"FMC virtual PIV card", CardFamily::fmcVirtualCard}},
};

std::string hexNoSpaces(std::string_view hex) {
    std::string out;
    for (char c : hex) {
        if (c != ' ') out.push_back(c);
    }
    return out;
}

// Case-insensitive: YubiKeys write "YubiKey" and "Yubikey4" depending on the model.
bool containsText(const Bytes& bytes, std::string_view text) {
    const auto lower = [](int c) { return std::tolower(c); };
    return std::search(bytes.begin(), bytes.end(), text.begin(), text.end(),
                       [&](std::uint8_t b, char c) {
                           return lower(b) == lower(static_cast<unsigned char>(c));
                       }) != bytes.end();
}

std::optional<KnownCard> knownApduCard(const ParsedAtr& atr) {
    const std::string hex = toHex(atr.raw);
    for (const auto& known : kKnownAtrs) {
        if (hexNoSpaces(known.atrHex) == hex) return known.card;
    }
    for (const auto& known : kKnownHistoricalTexts) {
        if (containsText(atr.historicalBytes, known.text)) return known.card;
    }
    return std::nullopt;
}

// Storage cards by their PC/SC card name NN NN (PC/SC Part 3 supplement, Table 3-8).
void nameStorageCard(AtrDescription& description, std::uint16_t cardName) {
    switch (cardName) {
    case 0x0001:
    case 0x0002:
    case 0x0026:
        // Crypto1 keys are recovered in seconds with a phone (Garcia et al., 2008-2009).
        description.knownCard = storageCardName(cardName) + " (Crypto1 is broken, not usable)";
        description.family = CardFamily::mifareClassic;
        return;
    case 0x0003:
        description.knownCard = "NTAG21x / MIFARE Ultralight (NFC Forum Type 2 Tag)";
        description.family = CardFamily::ntag21x;
        return;
    default:
        description.knownCard = storageCardName(cardName);
        description.family = CardFamily::otherStorageCard;
    }
}

bool isPcscContactlessPattern(const ParsedAtr& atr) {
    // 3B 8n 80 01: TD1 = 80 (TD2 follows, T=0), TD2 = 01 (nothing follows, T=1).
    if (atr.inverseConvention || atr.raw.size() < 4 || atr.groups.size() != 2) return false;
    const auto& first = atr.groups[0];
    const auto& second = atr.groups[1];
    return !first.ta && !first.tb && !first.tc && first.td == 0x80 && !second.ta &&
           !second.tb && !second.tc && second.td == 0x01;
}

} // namespace

ParsedAtr parseAtr(ByteView atr) {
    if (atr.size() < 2) throw MalformedAtr("ATR too short: " + std::to_string(atr.size()) + " bytes");
    if (atr.size() > kMaxAtrLength)
        throw MalformedAtr("ATR too long: " + std::to_string(atr.size()) + " bytes (at most 33)");
    ParsedAtr parsed;
    parsed.raw.assign(atr.begin(), atr.end());
    if (atr[0] == kInverseConvention) {
        parsed.inverseConvention = true;
    } else if (atr[0] != kDirectConvention) {
        throw MalformedAtr("ATR starts with TS " + toHex(atr.subspan(0, 1)) + ", not 3B or 3F");
    }

    std::size_t pos = 1;
    auto next = [&](const char* what) -> std::uint8_t {
        if (pos >= atr.size()) throw MalformedAtr(std::string("ATR truncated: ") + what + " missing");
        return atr[pos++];
    };

    const std::uint8_t t0 = next("T0");
    const std::size_t historicalCount = t0 & 0x0F;
    std::uint8_t presence = static_cast<std::uint8_t>(t0 >> 4);  // Y1
    bool announcesOtherThanT0 = false;
    while (true) {
        AtrInterfaceGroup group;
        if (presence & 0x1) group.ta = next("TA");
        if (presence & 0x2) group.tb = next("TB");
        if (presence & 0x4) group.tc = next("TC");
        if (presence & 0x8) group.td = next("TD");
        parsed.groups.push_back(group);
        if (!group.td) break;
        const int protocol = *group.td & 0x0F;
        parsed.protocols.push_back(protocol);
        if (protocol != 0) announcesOtherThanT0 = true;
        presence = static_cast<std::uint8_t>(*group.td >> 4);
        if (presence == 0) break;  // TDi announces no further interface bytes
    }

    if (atr.size() - pos < historicalCount)
        throw MalformedAtr("ATR truncated: " + std::to_string(historicalCount) +
                           " historical bytes announced, " + std::to_string(atr.size() - pos) +
                           " left");
    parsed.historicalBytes.assign(atr.begin() + static_cast<std::ptrdiff_t>(pos),
                                  atr.begin() + static_cast<std::ptrdiff_t>(pos + historicalCount));
    pos += historicalCount;

    // ISO 7816-3 §8.2.5: TCK is absent when only T=0 is indicated, present otherwise; XOR of
    // T0 through TCK is zero.
    if (announcesOtherThanT0) {
        parsed.tck = next("TCK");
        std::uint8_t check = 0;
        for (std::size_t i = 1; i < pos; ++i) check = static_cast<std::uint8_t>(check ^ atr[i]);
        if (check != 0)
            throw MalformedAtr("ATR check byte TCK " + toHex(atr.subspan(pos - 1, 1)) +
                               " is wrong (XOR of T0..TCK is " +
                               toHex(Bytes{check}) + ", not 00)");
    }
    if (pos != atr.size())
        throw MalformedAtr("ATR has " + std::to_string(atr.size() - pos) + " trailing bytes");
    return parsed;
}

std::string storageCardName(std::uint16_t cardName) {
    switch (cardName) {
    case 0x0001: return "MIFARE Classic 1K";
    case 0x0002: return "MIFARE Classic 4K";
    case 0x0003: return "MIFARE Ultralight / NTAG21x";
    case 0x0026: return "MIFARE Mini";
    case 0x003A: return "MIFARE Ultralight C";
    case 0x0036: return "MIFARE Plus SL1 2K";
    case 0x0037: return "MIFARE Plus SL1 4K";
    default: return "storage card " + toHex(Bytes{static_cast<std::uint8_t>(cardName >> 8),
                                                   static_cast<std::uint8_t>(cardName & 0xFF)});
    }
}

AtrDescription describeAtr(const ParsedAtr& atr) {
    AtrDescription description;
    if (const auto known = knownApduCard(atr)) {
        description.knownCard = std::string(known->name);
        description.family = known->family;
    }
    if (isPcscContactlessPattern(atr)) {
        description.cardInterface = CardInterface::contactless;
        const Bytes& historical = atr.historicalBytes;
        const bool storage =
            historical.size() == kStorageCardHistoricalLength &&
            std::equal(kStorageCardPrefix.begin(), kStorageCardPrefix.end(), historical.begin());
        if (storage) {
            description.kind = AtrKind::contactlessStorageCard;
            description.storageStandard = historical[8];
            description.storageCardName =
                static_cast<std::uint16_t>((historical[9] << 8) | historical[10]);
            nameStorageCard(description, *description.storageCardName);
            description.summary = "contactless storage card (ISO 14443-3)";
        } else {
            description.kind = AtrKind::contactlessApduCard;
            description.summary = "contactless ISO 14443-4 card";
        }
    } else {
        description.cardInterface = CardInterface::contact;
        description.kind = AtrKind::contactCard;
        description.summary = "contact card";
    }
    if (!description.knownCard.empty()) description.summary += ": " + description.knownCard;
    return description;
}

AtrDescription describeAtr(ByteView atr) { return describeAtr(parseAtr(atr)); }

} // namespace fmc::card
