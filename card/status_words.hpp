#pragma once
// The one table from ISO 7816-4 / SP 800-73 status words to names, messages and errors.
#include "card/apdu.hpp"
#include "card/errors.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fmc::card {

enum class StatusKind {
    success,
    moreData,                 // 61xx
    wrongPin,                 // 63Cx, x tries left
    memoryFailure,            // 6581
    wrongLength,              // 6700
    securityStatusNotSatisfied,  // 6982
    authenticationBlocked,    // 6983
    conditionsNotSatisfied,   // 6985
    commandNotAllowed,        // 6986
    incorrectData,            // 6A80
    notAllowedOnInterface,    // 6A81 (SP 800-73: function not supported, e.g. contactless)
    notFound,                 // 6A82
    notEnoughMemory,          // 6A84
    incorrectP1P2,            // 6A86 / 6B00
    referenceNotFound,        // 6A88
    wrongLe,                  // 6Cxx
    insNotSupported,          // 6D00
    claNotSupported,          // 6E00
    unknownError,             // 6F00 and anything not in the table
};

struct StatusWordInfo {
    StatusKind kind;
    std::string_view name;     // "SW_WRONG_LENGTH"
    std::string_view message;  // "wrong length"
};

[[nodiscard]] StatusWordInfo describeStatusWord(std::uint16_t sw);
// "6982 (security status not satisfied)"; for 63Cx: "63C2 (wrong PIN, 2 tries left)".
[[nodiscard]] std::string formatStatusWord(std::uint16_t sw);

// A status word the profile did not expect, turned into an error by the table.
class CardStatusError : public CardError {
public:
    CardStatusError(std::string_view operation, std::uint16_t sw);
    [[nodiscard]] std::uint16_t sw() const { return sw_; }
    [[nodiscard]] StatusKind kind() const { return describeStatusWord(sw_).kind; }
    // For 63Cx: the tries left.
    [[nodiscard]] std::optional<int> triesLeft() const;

private:
    std::uint16_t sw_;
};

// Returns the response when it is 9000, throws CardStatusError naming `operation` otherwise.
const ResponseApdu& requireSuccess(const ResponseApdu& response, std::string_view operation);

} // namespace fmc::card
