#pragma once
// The outcome of verifying a card offline: every check that ran, each with one reason code,
// plus the data a terminal's policy needs (who the card is, how old the CRLs are).
#include "crypto/pki/card_certificate_profile.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::crypto::pki {

enum class ReasonCode {
    ok,
    untrusted,       // no path to a trusted root, or a path that breaks RFC 5280 §6.1 rules
    badSignature,    // a certificate signature in the path does not verify
    expired,         // at is after notAfter of a certificate in the path
    notYetValid,     // at is before notBefore of a certificate in the path
    revoked,         // listed on the CRL / ARL with any reason but certificateHold
    suspended,       // listed with certificateHold (RFC 5280 §5.3.1)
    crlMissing,      // no CRL imported for the issuer
    crlStale,        // the CRL is past nextUpdate or older than the policy's maximum age
    malformed,       // the certificate or the card attributes do not parse / fit the profile
    cardAuthFailed,  // the challenge signature does not verify with the certificate's key
};

// "ok", "untrusted", "bad-signature", "expired", "not-yet-valid", "revoked", "suspended",
// "crl-missing", "crl-stale", "malformed", "card-auth-failed".
[[nodiscard]] std::string_view reasonCodeName(ReasonCode code);

enum class Check {
    certificate,         // parse + profile + private extension
    path,                // root -> issuing CA -> card at the given time
    issuerRevocation,    // issuing CA against the root's ARL
    cardRevocation,      // card against the issuing CA's CRL
    cardAuthentication,  // the challenge signature
};

// "certificate", "path", "issuer-revocation", "card-revocation", "card-authentication".
[[nodiscard]] std::string_view checkName(Check check);

struct CheckResult {
    Check check;
    ReasonCode code;
    std::string detail;  // for logs and operators; never holds secrets
};

// A CRL's freshness, as data for the terminal's policy.
struct CrlStatus {
    std::uint64_t crlNumber = 0;
    std::chrono::system_clock::time_point thisUpdate;
    std::chrono::system_clock::time_point nextUpdate;
    double ageHours = 0;  // since thisUpdate
    bool stale = false;
};

struct Verdict {
    std::vector<CheckResult> checks;
    std::optional<CardIdentity> card;    // set once the certificate parsed
    std::optional<CrlStatus> cardCrl;    // the issuing CA's CRL, when held
    std::optional<CrlStatus> issuerArl;  // the root's ARL, when held

    // True only when all five checks ran and each is ok.
    [[nodiscard]] bool accepted() const;
    // The first failing check's code, or ok.
    [[nodiscard]] ReasonCode decisiveReason() const;
    // The code a given check produced, nullopt when it did not run.
    [[nodiscard]] std::optional<ReasonCode> codeOf(Check check) const;
    // "path=ok issuer-revocation=ok card-revocation=revoked ...", for logs.
    [[nodiscard]] std::string summary() const;

    void add(Check check, ReasonCode code, std::string detail = {});
};

} // namespace fmc::crypto::pki
