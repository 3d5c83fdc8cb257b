#pragma once
// What the kiosk page gets about a presented card: its status in the merchant's terms, the
// days until expiry, and each entitlement with the services it unlocks and where they are
// delivered, in every catalog language (the page picks one). Personal data is never part of
// it: that takes the PIN (kiosk_server.hpp).
#include "catalog/services_catalog.hpp"
#include "crypto/bytes.hpp"
#include "terminal/tap_decision.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace fmc::terminal {

inline constexpr int kRenewalReminderDays = 30;

// "valid", "suspended", "revoked", "expired", "not-yet-valid", or "invalid" for anything
// else that makes the card unusable (untrusted, tampered, no CRL...).
[[nodiscard]] std::string kioskStatus(const Decision& assessed);

// The body of POST /api/pin, {"pin": "..."}: nullopt when it is not that (the page answers
// 400). A PIN of other than 6 to 8 digits comes back with wellFormed false and is refused as
// wrong (403) before anything reaches the card. The text parsed is wiped.
struct PinRequest {
    SecretBytes pin;
    bool wellFormed = false;
};
[[nodiscard]] std::optional<PinRequest> parsePinRequest(const std::string& body);

// The `card` object of the page's state (see terminal/kiosk/kiosk.html).
[[nodiscard]] nlohmann::json kioskCardView(const Decision& assessed, const catalog::ServicesCatalog& catalog,
                                           std::chrono::system_clock::time_point now, bool pinPossible);

} // namespace fmc::terminal
