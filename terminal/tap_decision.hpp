#pragma once
// One decision at a service point: the card's verdict from the offline verifier plus the
// service's policy (entitlement, interfaces, CRL age), in the terms the terminal prints and
// logs. The reason codes are part of the terminal's interface (`--json`, the tap log):
//   ok, not-entitled, interface-not-allowed, assurance-too-low, revoked, suspended, expired,
//   not-yet-valid, untrusted, bad-signature, card-auth-failed, crl-stale, crl-missing,
//   not-a-merchant-card, card-removed, unreadable.
// Assurance: a PIV card proves it holds the certified key (high); an NFC tag carries a signed
// credential bound to its UID that a copy on a UID-faking tag repeats (low). A service grants
// low assurance only when its catalog entry says "min_assurance": "low".
#include "catalog/services_catalog.hpp"
#include "crypto/pki/verdict.hpp"
#include "terminal/card_reading.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fmc::terminal {

struct Decision {
    bool granted = false;
    std::string reason;   // one of the codes above
    std::string detail;   // one line for the operator; never personal data
    std::string service;
    std::string cardInterface;  // "contact" | "contactless"
    std::string assurance;      // "high" (PIV card) | "low" (NFC tag) | "" (nothing judged)
    std::string readerName;
    // Known once the certificate parsed:
    std::string serial;
    std::string cardUuid;
    std::vector<std::string> entitlements;
    std::string preferredLanguage;
    std::optional<std::chrono::sys_seconds> expires;
    std::optional<double> crlAgeHours;
    std::int64_t elapsedMs = 0;
    std::size_t apduExchanges = 0;
};

// The card on its own, before any service's policy: the verifier's verdict and the CHUID
// check. `granted` says the card itself is good (the kiosk shows this).
[[nodiscard]] Decision assessCard(const CardReading& reading, const crypto::pki::Verdict& verdict,
                                  catalog::CardInterface cardInterface);

// The decision for a card that was read: assessCard, then the service's interfaces and
// entitlement. `verdict` is CardVerifier's over the reading.
[[nodiscard]] Decision decide(const CardReading& reading, const crypto::pki::Verdict& verdict,
                              const catalog::Service& service, catalog::CardInterface cardInterface);

// The same for an NFC tag: the verdict on its credential (CardVerifier::verifyTag, whose card
// authentication is the UID binding), at low assurance.
[[nodiscard]] Decision assessTag(const TagReading& reading, const crypto::pki::Verdict& verdict);
[[nodiscard]] Decision decideTag(const TagReading& reading, const crypto::pki::Verdict& verdict,
                                 const catalog::Service& service);

// The decision for a card that could not be read.
[[nodiscard]] Decision refuseUnread(const CardReadError& error, const catalog::Service& service,
                                    catalog::CardInterface cardInterface);

} // namespace fmc::terminal
