#pragma once
// What is in each reader: the `readers` subcommand of fmc-terminal and fmc-issue shows this.
// Every failure is recorded in the reader's entry; one bad card never hides the other readers.
// The survey reads only what anyone with a reader may read: the ATR, the UID, the PIV
// application's 9E certificate and CHUID, a tag's NDEF message. Never the personal data.
#include "card/atr.hpp"
#include "card/reader_hints.hpp"
#include "crypto/bytes.hpp"
#include "crypto/pki/certificate.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fmc::card {

namespace pcsc {
class PcscContext;
struct ReaderState;
} // namespace pcsc

// A credential of this system found on the card: the 9E certificate of a Foreign Merchant
// Card, or the signed credential (CWT) on an NFC tag.
struct FmcCredential {
    enum class Kind { card, tag };
    Kind kind = Kind::card;
    Bytes serialNumber;
    std::string cardUuid;          // "01234567-89ab-..." (lower case)
    std::string issuerName;        // the issuing CA's common name
    Bytes issuerKeyId;             // card: the certificate's AKI; tag: the COSE kid
    std::chrono::system_clock::time_point notAfter;
    // Tags only: the UID the credential was issued to, and whether this tag has it.
    std::optional<Bytes> boundUid;
    std::optional<bool> uidMatches;
};

enum class IssuerTrust {
    unknown,    // no trust anchors loaded here
    trusted,    // a trusted issuing CA has the issuer key id (and, for a card, signed it)
    untrusted,  // none does
};

struct ReaderReport {
    std::string readerName;
    bool cardPresent = false;
    bool mute = false;             // the card did not answer the reset
    bool heldByAnotherProgram = false;  // SCardConnect: sharing violation
    Bytes atr;
    // From the ATR; empty when no card or the ATR does not parse (then see problems).
    std::string cardInterface;     // "contact" / "contactless"
    std::string cardKind;          // "contact card", "ISO 14443-4", "storage card"
    std::string knownCard;         // "YubiKey 5 NFC (contactless)", ...
    CardFamily cardFamily = CardFamily::unknown;
    std::string atrSummary;        // one line for people
    std::optional<Bytes> contactlessUid;
    // Whether the PIV application answered SELECT; nullopt when it could not be asked.
    std::optional<bool> pivPresent;
    std::optional<std::uint16_t> pivSelectStatus;  // the status word when SELECT PIV failed
    std::optional<std::string> pivVersion;   // (vendor) YubiKey-style GET VERSION
    std::optional<std::uint32_t> serial;     // (vendor) GET SERIAL
    std::optional<std::string> cardUuid;     // CHUID GUID
    // Storage cards we read (NTAG21x): whether an NDEF message is there at all.
    std::optional<bool> ndefMessagePresent;
    // Ours or not: nullopt when nothing of ours was found (see `notOursReason`).
    std::optional<FmcCredential> fmc;
    std::string notOursReason;               // "no 9E certificate", "no application/cwt record", ...
    IssuerTrust issuerTrust = IssuerTrust::unknown;
    std::vector<std::string> problems;       // one line per thing that failed
    std::vector<Hint> hints;                 // what to do about it (reader_hints.hpp)
};

struct ReaderSurveyRequest {
    std::string readerFilter;  // case-insensitive substring of the reader name; empty = all
    // Wait this long for a card in a matching reader before surveying (implies requireCard).
    std::optional<std::chrono::milliseconds> waitForCard;
    // Fail with NoCardError when no matching reader holds a card.
    bool requireCard = false;
    // The issuing CAs this program trusts; nullopt when it has none loaded (trust unknown).
    std::optional<std::vector<crypto::pki::Certificate>> trustedIssuingCas;
};

// Looks at every reader matching the request. Throws pcsc::NoReaderError when there is no
// reader (or none matching), pcsc::NoCardError when a card was required and none is there,
// pcsc::PcscServiceUnavailable when pcscd is not running. Fills each report's hints.
[[nodiscard]] std::vector<ReaderReport> surveyReaders(pcsc::PcscContext& context,
                                                      const ReaderSurveyRequest& request);

// One reader; never throws for card trouble (recorded in problems). No hints yet.
[[nodiscard]] ReaderReport surveyReader(const pcsc::PcscContext& context, const pcsc::ReaderState& state,
                                        const ReaderSurveyRequest& request = {});

// What the readers command prints after the list.
struct SurveyNotes {
    std::string trustAnchors;  // where "trusted here" comes from, one line; empty: not shown
    std::vector<Hint> hints;   // about the host, not one reader (reader_hints.hpp hostHints)
};

// Human-readable, one block per reader, then the notes (reader_report_format.cpp).
[[nodiscard]] std::string formatSurveyText(const std::vector<ReaderReport>& reports, const SurveyNotes& notes = {});
// {"readers":[{"name":..., "card_present":..., ..., "hints":[{"id":..., "text":...}]}],
//  "trust_anchors":..., "hints":[...]}, pretty-printed.
[[nodiscard]] std::string formatSurveyJson(const std::vector<ReaderReport>& reports, const SurveyNotes& notes = {});

} // namespace fmc::card
