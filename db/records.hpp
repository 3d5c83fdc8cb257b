#pragma once
// The registry's value types: plain data, no SQL, so that every backend (SQLite now,
// PostgreSQL later) fills and returns the same structs.
#include "crypto/bytes.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::db {

// Whole seconds, UTC: certificates and CRLs carry no finer time, and the audit hash must
// encode the stored time exactly.
using Timestamp = std::chrono::sys_seconds;

// Who made a change; every mutating registry call records it in the audit log.
struct Operator {
    std::string name;
};

// What the station collects about a merchant. Empty optional fields mean "not given".
// The station validates the codes (ISO 3166 alpha-3, BCP 47, the entitlement catalog); the
// registry only refuses data it cannot store safely (empty required fields, duplicates).
struct MerchantDetails {
    std::string name;
    std::string nativeName;
    std::string nationality;           // ISO 3166-1 alpha-3
    std::string travelDocument;        // unique across the registry
    std::string businessRegistration;
    std::string phone;
    std::string preferredLanguage;     // BCP 47
    std::vector<std::string> entitlements;  // sorted, no duplicates, when read back
};

struct Merchant {
    std::int64_t id = 0;
    MerchantDetails details;
    Timestamp createdAt{};
    Timestamp updatedAt{};
};

// What the registry stores. "expired" is never stored: it follows from notAfter (see
// displayStatus), so a card cannot be "active" in one place and "expired" in another.
enum class CardStatus { active, suspended, revoked, interrupted };

[[nodiscard]] std::string_view cardStatusName(CardStatus status);
// Throws std::invalid_argument for a name that is not a stored status.
[[nodiscard]] CardStatus cardStatusFromName(std::string_view name);

// What carries the credential: a PIV card (a certificate for a key on the card) or an NFC
// tag (a signed credential bound to the tag's UID: lower assurance, it can be copied).
enum class FormFactor { piv, ntag };
[[nodiscard]] std::string_view formFactorName(FormFactor formFactor);
[[nodiscard]] FormFactor formFactorFromName(std::string_view name);

// A certificate signed for a card, as recorded when issuance signs it. It starts as
// `interrupted` and becomes `active` only when the station has read everything back.
struct NewCard {
    std::string serial;        // upper-case hex, from allocateSerial()
    std::string cardUuid;      // the CHUID card UUID, hex
    std::int64_t merchantId = 0;
    std::string issuerId;      // e.g. the issuing CA's key identifier, hex
    std::string issuerName;    // the issuing CA's distinguished name, for display
    Timestamp notBefore{};
    Timestamp notAfter{};
    Bytes certificateDer;      // a tag: the signed credential (COSE_Sign1) as written to it
    std::string certificatePem;
    FormFactor formFactor = FormFactor::piv;
    std::string tagUid;        // upper-case hex; set for a tag only
};

struct Card {
    NewCard certificate;
    CardStatus status = CardStatus::interrupted;
    std::string revocationReason;             // empty unless revoked
    std::optional<Timestamp> revokedAt;
    Timestamp createdAt{};
    Timestamp updatedAt{};

    [[nodiscard]] const std::string& serial() const { return certificate.serial; }
};

// "active", "suspended", "revoked", "interrupted", or "expired" for a card whose stored
// status is active or suspended but whose notAfter has passed at `now`.
[[nodiscard]] std::string displayStatus(const Card& card, Timestamp now);

struct CardFilter {
    std::optional<std::int64_t> merchantId;
    std::optional<CardStatus> status;
    std::string cardUuid;  // empty: any
    std::string tagUid;    // upper-case hex; empty: any
};

enum class StepState { started, done, failed };
[[nodiscard]] std::string_view stepStateName(StepState state);
[[nodiscard]] StepState stepStateFromName(std::string_view name);

enum class IssuanceOutcome { inProgress, completed, rolledBack };
[[nodiscard]] std::string_view issuanceOutcomeName(IssuanceOutcome outcome);
[[nodiscard]] IssuanceOutcome issuanceOutcomeFromName(std::string_view name);

struct IssuanceStep {
    std::int64_t issuanceId = 0;
    std::string step;       // the station's own step names ("key generated", ...)
    StepState state = StepState::started;
    std::string detail;     // free text, may be empty
    Timestamp at{};
};

// One attempt to personalize a card. An issuance whose outcome is still inProgress when no
// station is running it was interrupted: the station completes or rolls it back.
struct Issuance {
    std::int64_t id = 0;
    std::int64_t merchantId = 0;
    std::string serial;
    std::string cardUuid;
    IssuanceOutcome outcome = IssuanceOutcome::inProgress;
    Timestamp startedAt{};
    std::optional<Timestamp> finishedAt;
    std::vector<IssuanceStep> steps;  // in the order they were recorded
};

struct Revocation {
    std::string serial;
    std::string reason;     // the station's reason name ("lost", "key-compromise", ...)
    Timestamp revokedAt{};
    std::string operatorName;
};

// How a CRL went out, for its audit entry only: the published_crl row does not keep it, so a
// PublishedCrl read back from the registry has it empty.
struct CrlPublication {
    std::string destination;                         // the file or folder it was written to
    std::optional<std::int64_t> deltaBaseCrlNumber;  // the delta CRL issued with it, if any
};

struct PublishedCrl {
    std::string issuerId;
    std::int64_t crlNumber = 0;  // strictly increasing per issuer
    Timestamp thisUpdate{};
    Timestamp nextUpdate{};
    Bytes der;
    CrlPublication publication = {};
};

// A published CRL without its DER: enough to choose a delta CRL's base.
struct PublishedCrlHeader {
    std::int64_t crlNumber = 0;
    Timestamp thisUpdate{};
    Timestamp nextUpdate{};
    bool operator==(const PublishedCrlHeader&) const = default;
};

// One link of the hash chain. hash = SHA-256 over the canonical encoding of every other
// field (see AuditChain), previousHash is the hash of the entry before (64 zeros first).
struct AuditEntry {
    std::int64_t sequence = 0;
    Timestamp at{};
    std::string operatorName;
    std::string action;      // "merchant.add", "card.revoke", ...
    std::string subject;     // what it acted on: a merchant id, a serial, a setting key
    std::string detailsJson; // a JSON object as text
    std::string previousHash;
    std::string hash;
};

// The outcome of checking the audit chain: ok, or the first sequence where it breaks.
struct AuditVerification {
    std::int64_t entriesChecked = 0;
    std::optional<std::int64_t> firstBadSequence;
    std::string problem;  // one line, empty when ok

    [[nodiscard]] bool ok() const { return !firstBadSequence.has_value(); }
};

} // namespace fmc::db
