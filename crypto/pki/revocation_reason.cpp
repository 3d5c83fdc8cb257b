#include "crypto/pki/revocation_reason.hpp"

namespace fmc::crypto::pki {

std::string_view revocationReasonName(RevocationReason reason) {
    switch (reason) {
    case RevocationReason::unspecified: return "unspecified";
    case RevocationReason::keyCompromise: return "keyCompromise";
    case RevocationReason::caCompromise: return "cACompromise";
    case RevocationReason::affiliationChanged: return "affiliationChanged";
    case RevocationReason::superseded: return "superseded";
    case RevocationReason::cessationOfOperation: return "cessationOfOperation";
    case RevocationReason::certificateHold: return "certificateHold";
    case RevocationReason::removeFromCrl: return "removeFromCRL";
    case RevocationReason::privilegeWithdrawn: return "privilegeWithdrawn";
    case RevocationReason::aaCompromise: return "aACompromise";
    }
    return "unknown";
}

std::optional<RevocationReason> revocationReasonFromCode(long code) {
    switch (code) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 8: case 9: case 10:
        return static_cast<RevocationReason>(code);
    default:
        return std::nullopt;
    }
}

} // namespace fmc::crypto::pki
