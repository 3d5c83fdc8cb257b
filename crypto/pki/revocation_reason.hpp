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
    privilegeWithdrawn = 9,
    aaCompromise = 10,
};

[[nodiscard]] std::string_view revocationReasonName(RevocationReason reason);
// nullopt for values RFC 5280 does not define (7 is unused, 8 removeFromCRL is delta-only).
[[nodiscard]] std::optional<RevocationReason> revocationReasonFromCode(long code);

} // namespace fmc::crypto::pki
