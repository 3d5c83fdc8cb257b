#pragma once
// Turning a blank PIV card into a Foreign Merchant Card, as a recorded sequence of steps.
//
// The promise: the station never leaves a credential the registry does not know. The serial
// is allocated (and committed) before anything is signed; the certificate is recorded as
// `interrupted` before it is written to the card; the card counts as `active` only after it
// was read back and proved it holds the certified key. When the process dies at any point,
// the next card command (or `fmc-issue recover`) finds the unfinished issuance and rolls it
// back: its serial is revoked (listed in the next CRL) and the card can simply be issued
// again, because it either still has the factory management key or has this station's key
// for a card UUID the registry knows.
#include "crypto/bytes.hpp"
#include "db/records.hpp"
#include "issuance/station.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::issuance {

// The steps of an issuance, in order, as recorded in the registry.
inline constexpr std::string_view kIssuanceSteps[] = {
    "card-checked",          // blank or ours, contact interface, PIV present: nothing changed yet
    "key-generated",         // P-256 key pair generated on the card in slot 9E
    "certificate-signed",    // certificate signed and recorded as `interrupted`
    "chuid-written",         // CHUID with the card UUID (new for a blank card)
    "certificate-written",   // 9E certificate
    "personal-data-written", // personal data behind the PIN
    "puk-set",               // the station's per-card PUK
    "pin-set",               // the holder's PIN
    "management-key-set",    // the station's per-card AES-256 management key
    "verified",              // read back, PIN, challenge-response, new management key
    "activated",             // the registry says `active`
};

struct StepEvent {
    int number = 0;  // 1-based
    int total = 0;
    std::string_view step;
    bool finished = false;  // false: starting; true: done
    std::chrono::milliseconds elapsed{};  // of this step, when finished
};
using StepListener = std::function<void(const StepEvent&)>;

struct IssueRequest {
    std::int64_t merchantId = 0;
    std::optional<std::string> reader;
    int days = 0;                          // 0: the station's default
    std::optional<SecretBytes> holderPin;  // nullopt: generate one and return it once
    std::optional<std::string> renews;     // `card renew`: the serial of the card in the reader
};

struct IssueResult {
    std::string serial;
    std::string cardUuid;
    std::int64_t merchantId = 0;
    db::Timestamp notAfter{};
    std::string readerName;
    std::optional<SecretBytes> generatedPin;
    std::optional<std::string> supersededSerial;  // the renewed card's old serial, now revoked
};

// What the repair of an interrupted issuance did.
struct RecoveryReport {
    std::int64_t issuanceId = 0;
    std::string serial;
    std::int64_t merchantId = 0;
    std::string lastStep;       // the last step recorded as done
    bool certificateRecorded = false;
    std::optional<std::string> supersededSerial;  // a renewal's old serial, revoked too
};

// Rolls back every unfinished issuance (the station lock proves none is running).
std::vector<RecoveryReport> recoverInterruptedIssuances(Station& station, const db::Operator& by);

// Personalizes the card in the reader. Interrupted issuances are repaired first and listed
// in `recovered`. Throws CardRefusedError (the card is not blank, already issued, on a
// contactless reader...) before anything changes; the PC/SC layer's errors when the card
// leaves mid-way, after rolling the issuance back.
IssueResult issueCard(Station& station, const IssueRequest& request, const db::Operator& by,
                      const StepListener& listener, std::vector<RecoveryReport>& recovered);

struct WipeResult {
    std::string cardUuid;
    std::optional<std::string> serial;  // the registry's card for that UUID, when there is one
};
// Resets one of our cards (revoked, expired or never activated) to the factory state.
WipeResult wipeCard(Station& station, const std::optional<std::string>& reader, const db::Operator& by);

// Fault injection for the crash tests: when FMC_FAULT_KILL_AFTER names a step, the process
// kills itself with SIGKILL right after the step's work, before the registry records it.
inline constexpr const char* faultKillAfterEnvironmentVariable = "FMC_FAULT_KILL_AFTER";

} // namespace fmc::issuance
