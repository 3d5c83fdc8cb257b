#pragma once
// CRLReason (RFC 5280 §5.3.1). The values are the DER ENUMERATED values.
#include <cstdint>
#include <optional>
#include <string_view>

namespace fmc::crypto::pki {

enum class RevocationReason : std::uint8_t {
    unspecified = 0,  // encoded by leaving the reasonCode extension out, as §5.3.1 asks
    keyCompromise = 1,
    caCompromise = 2,
    affiliationChanged = 3,
    superseded = 4,
    cessationOfOperation = 5,
    certificateHold = 6,  // a suspension: the card leaves the list again when reinstated
    removeFromCrl = 8,    // delta CRLs only: the serial is no longer listed (a hold released)
    privilegeWithdrawn = 9,
    aaCompromise = 10,
};

[[nodiscard]] std::string_view revocationReasonName(RevocationReason reason);
// nullopt for values RFC 5280 does not define (7 is unused). removeFromCrl (8) decodes here;
// a complete CRL carrying it is refused where it is indexed.
[[nodiscard]] std::optional<RevocationReason> revocationReasonFromCode(long code);

} // namespace fmc::crypto::pki
