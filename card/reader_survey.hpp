#pragma once
// What is in each reader: the `readers` subcommand of fmc-terminal and fmc-issue shows this.
// Every failure is recorded in the reader's entry; one bad card never hides the other readers.
#include "crypto/bytes.hpp"

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

struct ReaderReport {
    std::string readerName;
    bool cardPresent = false;
    Bytes atr;
    // From the ATR; empty when no card or the ATR does not parse (then see problems).
    std::string cardInterface;     // "contact" / "contactless"
    std::string cardKind;          // "contact card", "ISO 14443-4", "storage card"
    std::string knownCard;         // "YubiKey 5 NFC (contactless)", ...
    std::string atrSummary;        // one line for people
    std::optional<Bytes> contactlessUid;
    // Whether the PIV application answered SELECT; nullopt when it could not be asked.
    std::optional<bool> pivPresent;
    std::optional<std::string> pivVersion;   // (vendor) YubiKey-style GET VERSION
    std::optional<std::uint32_t> serial;     // (vendor) GET SERIAL
    std::optional<std::string> cardUuid;     // CHUID GUID
    std::vector<std::string> problems;       // one line per thing that failed
};

struct ReaderSurveyRequest {
    std::string readerFilter;  // case-insensitive substring of the reader name; empty = all
    // Wait this long for a card in a matching reader before surveying (implies requireCard).
    std::optional<std::chrono::milliseconds> waitForCard;
    // Fail with NoCardError when no matching reader holds a card.
    bool requireCard = false;
};

// Looks at every reader matching the request. Throws pcsc::NoReaderError when there is no
// reader (or none matching), pcsc::NoCardError when a card was required and none is there,
// pcsc::PcscServiceUnavailable when pcscd is not running.
[[nodiscard]] std::vector<ReaderReport> surveyReaders(pcsc::PcscContext& context,
                                                      const ReaderSurveyRequest& request);

// One reader; never throws for card trouble (recorded in problems).
[[nodiscard]] ReaderReport surveyReader(const pcsc::PcscContext& context, const pcsc::ReaderState& state);

// Human-readable, one block per reader.
[[nodiscard]] std::string formatSurveyText(const std::vector<ReaderReport>& reports);
// {"readers":[{"name":..., "cardPresent":..., "atr":..., ...}]}, pretty-printed.
[[nodiscard]] std::string formatSurveyJson(const std::vector<ReaderReport>& reports);

} // namespace fmc::card
