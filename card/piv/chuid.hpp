#pragma once
// The Card Holder Unique Identifier object (SP 800-73-4 Part 1 §3.1.2 and Appendix A) and
// the FASC-N inside it (TIG SCEPACS v2.3: 40 five-bit characters, BCD with odd parity).
#include "crypto/bytes.hpp"
#include "crypto/uuid.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fmc::card::piv {

using fmc::Uuid;
using fmc::randomUuid;
using fmc::uuidFromString;
using fmc::uuidToString;

// The FASC-N fields, as decimal digit strings of fixed width.
struct FascN {
    std::string agencyCode = "9999";          // 4 digits; 9999 = not a US federal issuer
    std::string systemCode = "9999";          // 4
    std::string credentialNumber = "999999";  // 6
    std::string credentialSeries = "0";       // 1
    std::string individualCredentialIssue = "1";  // 1
    std::string personIdentifier = "0000000000";  // 10
    std::string organizationalCategory = "3";     // 1 (3 = commercial enterprise)
    std::string organizationalIdentifier = "0000";  // 4
    std::string personAssociationCategory = "1";    // 1 (1 = employee)

    // The 25-byte encoding with start, separators, end sentinel and LRC.
    [[nodiscard]] Bytes encode() const;
    // Throws CardProtocolError for bad parity, a wrong sentinel or LRC, or a wrong length.
    static FascN decode(ByteView bytes);
    bool operator==(const FascN&) const = default;
};

struct Chuid {
    Bytes fascn;                       // 30, 25 bytes
    Uuid guid{};                       // 34, the card UUID
    std::string expirationDate;        // 35, "YYYYMMDD"
    std::optional<Uuid> cardholderUuid;  // 36
    Bytes issuerSignature;             // 3E, CMS signature; may be empty on an unsigned CHUID

    // The object value, fields in the order of Part 1 §3.1.2, ending with FE 00.
    [[nodiscard]] Bytes encode() const;
    // Throws CardProtocolError for a missing mandatory field, a wrong field length, a malformed
    // date, or TLVs that do not parse. Unknown tags (Organizational Identifier 32, DUNS 33,
    // Buffer Length EE) are skipped; a missing 3E reads as an empty signature, since older
    // cards leave it out and an unsigned CHUID is all this project writes.
    static Chuid parse(ByteView objectValue);
    bool operator==(const Chuid&) const = default;
};

// A CHUID for a card outside the US federal PKI: FASC-N with agency code 9999 (piv.md; OpenSC
// then uses the GUID as the token serial), the given card UUID, no signature.
[[nodiscard]] Chuid nonFederalChuid(const Uuid& cardUuid, std::string expirationDate);

} // namespace fmc::card::piv
