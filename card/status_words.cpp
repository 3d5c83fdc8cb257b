#include "card/status_words.hpp"

#include "crypto/bytes.hpp"

#include <array>

namespace fmc::card {

namespace {

struct Entry {
    std::uint16_t sw;
    std::uint16_t mask;  // bits of sw that must match; 0xFF00 for "61xx"-style families
    StatusWordInfo info;
};

// ISO 7816-4 §5.6 and SP 800-73-4 Part 2 §3 (the status words PIV cards return).
constexpr std::array kTable{
    Entry{0x9000, 0xFFFF, {StatusKind::success, "SW_SUCCESS", "success"}},
    Entry{0x6100, 0xFF00, {StatusKind::moreData, "SW_BYTES_REMAINING", "more response data available"}},
    Entry{0x63C0, 0xFFF0, {StatusKind::wrongPin, "SW_VERIFICATION_FAILED", "wrong PIN"}},
    Entry{0x6581, 0xFFFF, {StatusKind::memoryFailure, "SW_MEMORY_FAILURE", "memory failure"}},
    Entry{0x6700, 0xFFFF, {StatusKind::wrongLength, "SW_WRONG_LENGTH", "wrong length"}},
    Entry{0x6882, 0xFFFF, {StatusKind::claNotSupported, "SW_SECURE_MESSAGING_NOT_SUPPORTED", "secure messaging not supported"}},
    Entry{0x6883, 0xFFFF, {StatusKind::conditionsNotSatisfied, "SW_LAST_COMMAND_EXPECTED", "last command of the chain expected"}},
    Entry{0x6884, 0xFFFF, {StatusKind::conditionsNotSatisfied, "SW_CHAINING_NOT_SUPPORTED", "command chaining not supported"}},
    Entry{0x6982, 0xFFFF, {StatusKind::securityStatusNotSatisfied, "SW_SECURITY_STATUS_NOT_SATISFIED", "security status not satisfied"}},
    Entry{0x6983, 0xFFFF, {StatusKind::authenticationBlocked, "SW_AUTHENTICATION_METHOD_BLOCKED", "authentication method blocked"}},
    Entry{0x6984, 0xFFFF, {StatusKind::conditionsNotSatisfied, "SW_REFERENCE_DATA_NOT_USABLE", "reference data not usable"}},
    Entry{0x6985, 0xFFFF, {StatusKind::conditionsNotSatisfied, "SW_CONDITIONS_NOT_SATISFIED", "conditions of use not satisfied"}},
    Entry{0x6986, 0xFFFF, {StatusKind::commandNotAllowed, "SW_COMMAND_NOT_ALLOWED", "command not allowed"}},
    Entry{0x6A80, 0xFFFF, {StatusKind::incorrectData, "SW_INCORRECT_DATA", "incorrect parameters in the data field"}},
    Entry{0x6A81, 0xFFFF, {StatusKind::notAllowedOnInterface, "SW_FUNCTION_NOT_SUPPORTED", "function not supported (on this interface)"}},
    Entry{0x6A82, 0xFFFF, {StatusKind::notFound, "SW_FILE_NOT_FOUND", "data object or application not found"}},
    Entry{0x6A84, 0xFFFF, {StatusKind::notEnoughMemory, "SW_NOT_ENOUGH_MEMORY", "not enough memory"}},
    Entry{0x6A86, 0xFFFF, {StatusKind::incorrectP1P2, "SW_INCORRECT_P1P2", "incorrect parameters P1-P2"}},
    Entry{0x6A88, 0xFFFF, {StatusKind::referenceNotFound, "SW_REFERENCE_NOT_FOUND", "referenced data or key not found"}},
    Entry{0x6B00, 0xFFFF, {StatusKind::incorrectP1P2, "SW_WRONG_P1P2", "wrong parameters P1-P2"}},
    Entry{0x6C00, 0xFF00, {StatusKind::wrongLe, "SW_CORRECT_LENGTH", "wrong Le field"}},
    Entry{0x6D00, 0xFFFF, {StatusKind::insNotSupported, "SW_INS_NOT_SUPPORTED", "instruction not supported"}},
    Entry{0x6E00, 0xFFFF, {StatusKind::claNotSupported, "SW_CLA_NOT_SUPPORTED", "class not supported"}},
    Entry{0x6F00, 0xFFFF, {StatusKind::unknownError, "SW_UNKNOWN", "no precise diagnosis"}},
};

constexpr StatusWordInfo kUnknown{StatusKind::unknownError, "SW_UNLISTED", "unexpected status word"};

} // namespace

StatusWordInfo describeStatusWord(std::uint16_t sw) {
    for (const Entry& entry : kTable)
        if ((sw & entry.mask) == entry.sw) return entry.info;
    return kUnknown;
}

std::string formatStatusWord(std::uint16_t sw) {
    const Bytes bytes{static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw)};
    const StatusWordInfo info = describeStatusWord(sw);
    std::string text = toHex(bytes) + " (" + std::string(info.message);
    if (info.kind == StatusKind::wrongPin) {
        const int tries = sw & 0x0F;
        text += ", " + std::to_string(tries) + (tries == 1 ? " try left" : " tries left");
    }
    return text + ")";
}

CardStatusError::CardStatusError(std::string_view operation, std::uint16_t sw)
    : CardError(std::string(operation) + ": card answered " + formatStatusWord(sw)), sw_(sw) {}

std::optional<int> CardStatusError::triesLeft() const {
    if (kind() != StatusKind::wrongPin) return std::nullopt;
    return sw_ & 0x0F;
}

const ResponseApdu& requireSuccess(const ResponseApdu& response, std::string_view operation) {
    if (!response.isSuccess()) throw CardStatusError(operation, response.sw());
    return response;
}

} // namespace fmc::card
