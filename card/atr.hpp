#pragma once
// Answer To Reset: ISO 7816-3 §8.2 structure, and what PC/SC Part 3 §3.1.3.2.3 lets a host
// conclude from it (contact or contactless, APDU card or storage card), plus a small table of
// cards this project meets.
#include "card/errors.hpp"
#include "crypto/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fmc::card {

// An ATR that does not follow ISO 7816-3: bad TS, truncated interface bytes, wrong TCK.
class MalformedAtr : public CardError {
public:
    using CardError::CardError;
};

enum class CardInterface { contact, contactless };

enum class AtrKind {
    contactCard,             // a card on contacts (ISO 7816-3 ATR from the card itself)
    contactlessApduCard,     // ISO 14443-4 (Type A or B): speaks APDUs
    contactlessStorageCard,  // ISO 14443-3 memory card (MIFARE Classic, Ultralight, NTAG)
};

// One group of interface bytes TAi, TBi, TCi, TDi (i counts from 1).
struct AtrInterfaceGroup {
    std::optional<std::uint8_t> ta;
    std::optional<std::uint8_t> tb;
    std::optional<std::uint8_t> tc;
    std::optional<std::uint8_t> td;
};

struct ParsedAtr {
    Bytes raw;
    bool inverseConvention = false;           // TS = 3F
    std::vector<AtrInterfaceGroup> groups;    // groups[0] holds TA1..TD1
    std::vector<int> protocols;               // T values announced by TD1, TD2, ... (in order)
    Bytes historicalBytes;
    std::optional<std::uint8_t> tck;          // present unless only T=0 is announced
};

// What the table of known cards recognised, for the survey's hints (card/reader_hints.cpp).
enum class CardFamily {
    unknown,
    yubiKey,            // YubiKey (any model), and the FMC virtual card that presents its ATRs
    nxpJavaCard,        // NXP J3R180 / J3H145 JavaCards (PIV applet loaded or not)
    fmcVirtualCard,     // the virtual card announcing itself by name
    ntag21x,            // NTAG213/215/216, MIFARE Ultralight: our NFC tag profile
    mifareClassic,      // Crypto1: broken, never trusted
    mifareDesfire,      // ISO 14443-4, but not a PIV card and not our tag profile
    otherStorageCard,   // MIFARE Mini, Plus SL1, ...
};

struct AtrDescription {
    CardInterface cardInterface = CardInterface::contact;
    AtrKind kind = AtrKind::contactCard;
    // For storage cards: SS (PC/SC Part 3 Table 3-7) and NN NN (card name, Table 3-8).
    std::optional<std::uint8_t> storageStandard;
    std::optional<std::uint16_t> storageCardName;
    // A name from the table of known cards, e.g. "YubiKey 5 NFC (contactless)"; empty if unknown.
    std::string knownCard;
    CardFamily family = CardFamily::unknown;
    // One line for people: "contactless ISO 14443-4 card: YubiKey 5 NFC (contactless)".
    std::string summary;
};

// Throws MalformedAtr; never reads past the end.
[[nodiscard]] ParsedAtr parseAtr(ByteView atr);

// Parses and classifies; throws MalformedAtr.
[[nodiscard]] AtrDescription describeAtr(ByteView atr);
[[nodiscard]] AtrDescription describeAtr(const ParsedAtr& atr);

// PC/SC Part 3 §3.1.3.2.3.1 storage card names (NN NN): "MIFARE Classic 1K", ...
[[nodiscard]] std::string storageCardName(std::uint16_t cardName);

} // namespace fmc::card
