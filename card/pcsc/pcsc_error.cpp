#include "card/pcsc/pcsc_error.hpp"

#include <PCSC/pcsclite.h>
#include <PCSC/winscard.h>

#include <array>
#include <cstdio>

namespace fmc::card::pcsc {

static_assert(codes::kTimeout == static_cast<std::uint32_t>(SCARD_E_TIMEOUT));
static_assert(codes::kNoSmartcard == static_cast<std::uint32_t>(SCARD_E_NO_SMARTCARD));
static_assert(codes::kNoReadersAvailable == static_cast<std::uint32_t>(SCARD_E_NO_READERS_AVAILABLE));
static_assert(codes::kUnknownReader == static_cast<std::uint32_t>(SCARD_E_UNKNOWN_READER));

namespace {

enum class Category {
    service,      // PcscServiceUnavailable
    reader,       // NoReaderError
    noCard,       // NoCardError
    removed,      // CardRemovedError
    reset,        // CardResetError
    sharing,      // SharingViolation
    timeout,      // PcscTimeout
    cancelled,    // PcscCancelled
    card,         // CardCommunicationError
    other,        // PcscError
};

struct CodeInfo {
    LONG code;
    std::string_view name;
    std::string_view message;
    Category category;
    bool retryable;
};

#define FMC_SCARD_CODE(code) code, #code
// Every return code in pcsc-lite 1.9.9's pcsclite.h. SCARD_E_UNEXPECTED and
// SCARD_E_UNSUPPORTED_FEATURE share 0x8010001F on pcsc-lite; the first entry wins.
constexpr std::array kCodes{
    CodeInfo{FMC_SCARD_CODE(SCARD_F_INTERNAL_ERROR), "internal error in pcscd", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_CANCELLED), "cancelled", Category::cancelled, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_INVALID_HANDLE), "invalid handle (context released or card disconnected)", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_INVALID_PARAMETER), "invalid parameter", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_INVALID_TARGET), "invalid target", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_MEMORY), "out of memory", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_F_WAITED_TOO_LONG), "pcscd waited too long", Category::timeout, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_INSUFFICIENT_BUFFER), "buffer too small for the answer", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_UNKNOWN_READER), "no such reader", Category::reader, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_TIMEOUT), "timed out", Category::timeout, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_SHARING_VIOLATION), "the card is in use by another program", Category::sharing, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_SMARTCARD), "no smart card in the reader", Category::noCard, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_UNKNOWN_CARD), "unknown card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_CANT_DISPOSE), "cannot dispose of the card as asked", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_PROTO_MISMATCH), "the card does not speak the requested protocol", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NOT_READY), "reader or card not ready", Category::card, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_INVALID_VALUE), "invalid value", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_SYSTEM_CANCELLED), "cancelled by the system", Category::cancelled, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_F_COMM_ERROR), "communication with pcscd failed", Category::service, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_F_UNKNOWN_ERROR), "unknown internal error", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_INVALID_ATR), "invalid ATR", Category::card, false},
    // pcsc-lite answers this when the card disappears in the middle of an exchange.
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NOT_TRANSACTED), "the exchange with the card failed (card removed?)", Category::removed, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_READER_UNAVAILABLE), "the reader is not available", Category::reader, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_P_SHUTDOWN), "pcscd is shutting down", Category::service, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_PCI_TOO_SMALL), "PCI receive buffer too small", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_READER_UNSUPPORTED), "reader driver not supported", Category::reader, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_DUPLICATE_READER), "duplicate reader name", Category::reader, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_CARD_UNSUPPORTED), "card not supported", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_SERVICE), "pcscd is not running", Category::service, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_SERVICE_STOPPED), "pcscd has stopped", Category::service, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_UNSUPPORTED_FEATURE), "not supported by this reader or card", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_ICC_INSTALLATION), "no primary provider for the card", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_ICC_CREATEORDER), "object creation order not supported", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_DIR_NOT_FOUND), "directory not found on the card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_FILE_NOT_FOUND), "file not found on the card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_DIR), "not a directory on the card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_FILE), "not a file on the card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_ACCESS), "access denied", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_WRITE_TOO_MANY), "card memory full", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_BAD_SEEK), "bad seek on the card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_INVALID_CHV), "wrong PIN", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_UNKNOWN_RES_MNG), "unknown resource manager error", Category::other, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_SUCH_CERTIFICATE), "no such certificate", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_CERTIFICATE_UNAVAILABLE), "certificate unavailable", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_READERS_AVAILABLE), "no smart-card reader found", Category::reader, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_COMM_DATA_LOST), "data lost talking to the card", Category::card, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_NO_KEY_CONTAINER), "no key container", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_E_SERVER_TOO_BUSY), "pcscd is too busy", Category::service, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_UNSUPPORTED_CARD), "the reader cannot talk to this card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_UNRESPONSIVE_CARD), "the card does not answer (mute)", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_UNPOWERED_CARD), "the card is not powered", Category::card, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_RESET_CARD), "the card was reset by another program", Category::reset, true},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_REMOVED_CARD), "the card was removed", Category::removed, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_SECURITY_VIOLATION), "security violation", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_WRONG_CHV), "wrong PIN", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_CHV_BLOCKED), "PIN blocked", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_EOF), "end of file on the card", Category::card, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_CANCELLED_BY_USER), "cancelled by the user", Category::cancelled, false},
    CodeInfo{FMC_SCARD_CODE(SCARD_W_CARD_NOT_AUTHENTICATED), "no PIN was presented", Category::card, false},
};
#undef FMC_SCARD_CODE

const CodeInfo* findCode(std::uint32_t code) {
    for (const auto& info : kCodes) {
        if (static_cast<std::uint32_t>(info.code) == code) return &info;
    }
    return nullptr;
}

std::string formatMessage(std::string_view call, std::string_view detail) {
    std::string message(call);
    message += ": ";
    message += detail;
    return message;
}

} // namespace

PcscError::PcscError(std::string_view call, std::uint32_t code, std::string_view detail,
                     bool retryable, SourceLocation where)
    : CardError(formatMessage(call, detail)),
      code_(code),
      call_(call),
      retryable_(retryable),
      where_(where) {}

std::string_view PcscError::codeName() const { return scardCodeName(code_); }

std::string_view scardCodeName(std::uint32_t code) {
    if (const CodeInfo* info = findCode(code)) return info->name;
    if (code == 0) return "SCARD_S_SUCCESS";
    return "unknown PC/SC code";
}

void throwPcscError(std::string_view call, std::uint32_t code, std::string_view context,
                    SourceLocation where) {
    const CodeInfo* info = findCode(code);
    std::string detail;
    if (info) {
        detail = info->message;
    } else {
        std::array<char, 32> hex{};
        std::snprintf(hex.data(), hex.size(), "0x%08X", static_cast<unsigned>(code));
        detail = std::string("unknown PC/SC error ") + hex.data();
    }
    if (!context.empty()) {
        detail += " (";
        detail += context;
        detail += ")";
    }
    const bool retryable = info && info->retryable;
    switch (info ? info->category : Category::other) {
    case Category::service: throw PcscServiceUnavailable(call, code, detail, retryable, where);
    case Category::reader: throw NoReaderError(call, code, detail, retryable, where);
    case Category::noCard: throw NoCardError(call, code, detail, retryable, where);
    case Category::removed: throw CardRemovedError(call, code, detail, retryable, where);
    case Category::reset: throw CardResetError(call, code, detail, retryable, where);
    case Category::sharing: throw SharingViolation(call, code, detail, retryable, where);
    case Category::timeout: throw PcscTimeout(call, code, detail, retryable, where);
    case Category::cancelled: throw PcscCancelled(call, code, detail, retryable, where);
    case Category::card: throw CardCommunicationError(call, code, detail, retryable, where);
    case Category::other: break;
    }
    throw PcscError(call, code, detail, retryable, where);
}

} // namespace fmc::card::pcsc
