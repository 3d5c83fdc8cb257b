#pragma once
// Writing a Foreign Merchant credential to an NFC tag (NTAG21x), as a recorded sequence of
// steps with the same promise as a card issuance (card_issuance.hpp): the serial is allocated
// and the credential recorded as `interrupted` before anything reaches the tag, and it counts
// as `active` only after it was read back from the tag and verified. An issuance that dies
// half-way is rolled back by the next command: its serial is revoked, so a credential that
// did reach the tag is listed in the next CRL, and the tag can simply be issued again.
//
// A tag has no private key: the credential is a signed statement bound to the tag's UID, and
// a copy on a tag that fakes the UID cannot be told apart. Terminals mark such decisions
// `assurance: low` and only services whose policy accepts low assurance grant them.
#include "db/records.hpp"
#include "issuance/card_issuance.hpp"
#include "issuance/station.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::issuance {

inline constexpr std::string_view kTagIssuanceSteps[] = {
    "tag-checked",         // an NTAG21x with room, writable, carrying no live credential
    "credential-signed",   // signed by the issuing CA and recorded as `interrupted`
    "credential-written",  // the NDEF message written to the tag
    "verified",            // read back from the tag, bytes, UID binding and signature checked
    "activated",           // the registry says `active`
};

struct TagIssueRequest {
    std::int64_t merchantId = 0;
    std::optional<std::string> reader;
    int days = 0;            // 0: the station's default
    bool overwrite = false;  // replace NDEF content that is not a credential of ours
};

struct TagIssueResult {
    std::string serial;
    std::string credentialUuid;
    std::int64_t merchantId = 0;
    std::string tagUid;  // upper-case hex
    db::Timestamp notAfter{};
    std::string readerName;
    std::size_t credentialBytes = 0;  // the signed credential
    std::size_t ndefBytes = 0;        // the NDEF message around it
    std::size_t tagCapacity = 0;      // the tag's NDEF data area
};

// Issues a credential to the tag in the reader. Interrupted issuances are repaired first and
// listed in `recovered`. Throws CardRefusedError (not an NTAG21x, locked, too small, already
// carrying a live credential, foreign content without `overwrite`) before anything changes.
TagIssueResult issueTag(Station& station, const TagIssueRequest& request, const db::Operator& by,
                        const StepListener& listener, std::vector<RecoveryReport>& recovered);

// The PEM-style text the registry keeps beside a tag credential's bytes.
[[nodiscard]] std::string tagCredentialPem(ByteView credential);

} // namespace fmc::issuance
