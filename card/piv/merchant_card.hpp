#pragma once
// Where a Foreign Merchant Card keeps what on a PIV card, shared by the issuance station
// (which writes it) and the terminal and kiosk (which read it):
//   9E key (P-256, generated on the card)  challenge-response, no PIN: usable at a tap
//   9E certificate (5FC101)                 the card certificate (crypto/pki profile)
//   CHUID (5FC102)                          the card UUID, also in the certificate
//   Printed Information (5FC109)            the personal data below, readable only after
//                                           the holder's PIN (SP 800-73-4 Part 1 Table 9)
// The personal data is not in the certificate (anyone with an NFC reader can read that);
// only its SHA-256 is, so a reader who has the PIN can check it was not altered.
#include "crypto/bytes.hpp"

#include <cstdint>
#include <string>

namespace fmc::card::piv {

inline constexpr std::uint8_t kMerchantCardKeySlot = 0x9E;
inline constexpr std::uint8_t kMerchantCardKeyAlgorithm = 0x11;  // ECC P-256
inline constexpr std::uint32_t kMerchantPersonalDataObject = 0x5FC109;

// The personal data on the card, encoded as BER-TLV with context tags:
//   80 version (1 byte, 01)   81 name   82 native name   83 nationality (ISO 3166 alpha-3)
//   84 travel document number 85 card number
// Text is UTF-8. Empty optional fields are left out. The encoding is canonical (fixed order,
// shortest lengths), so its digest is a function of the values alone.
struct MerchantPersonalData {
    std::string name;
    std::string nativeName;
    std::string nationality;
    std::string travelDocument;
    std::string cardNumber;

    [[nodiscard]] Bytes encode() const;
    // Throws CardProtocolError for an unknown version, a missing name, or TLVs that do not
    // parse; unknown tags are refused too, so two encodings never give the same data.
    static MerchantPersonalData decode(ByteView bytes);
    bool operator==(const MerchantPersonalData&) const = default;
};

} // namespace fmc::card::piv
