#pragma once
// PC/SC return codes as typed exceptions. Every SCard* code pcsc-lite defines is mapped in one
// table (pcsc_error.cpp); callers inside card/pcsc/ go through scard_call.hpp, which records
// the call site. This header does not include winscard.h: codes travel as plain integers.
#include "card/errors.hpp"

#include <cstdint>
#include "card/pcsc/source_location.hpp"
#include <string>
#include <string_view>

namespace fmc::card::pcsc {

// Base of every PC/SC failure. `retryable()` is true when trying again later can succeed
// without a person acting (timeouts, a busy or reset card); false when something must change
// (start pcscd, plug in a reader, insert the card, fix the program).
class PcscError : public CardError {
public:
    PcscError(std::string_view call, std::uint32_t code, std::string_view detail,
              bool retryable, SourceLocation where);

    [[nodiscard]] std::uint32_t code() const { return code_; }
    // "SCARD_E_NO_SMARTCARD"
    [[nodiscard]] std::string_view codeName() const;
    // "SCardConnect"
    [[nodiscard]] const std::string& call() const { return call_; }
    [[nodiscard]] bool retryable() const { return retryable_; }
    // Where in our code the failing call was made (for debugging, not in the message).
    [[nodiscard]] const SourceLocation& where() const { return where_; }

private:
    std::uint32_t code_;
    std::string call_;
    bool retryable_;
    SourceLocation where_;
};

// pcscd is not running, stopped, or not reachable (exit code 3).
class PcscServiceUnavailable : public PcscError {
public:
    using PcscError::PcscError;
};

// No reader at all, or none with the requested name (exit code 4).
class NoReaderError : public PcscError {
public:
    using PcscError::PcscError;
};

// The reader holds no card (exit code 5).
class NoCardError : public PcscError {
public:
    using PcscError::PcscError;
};

// The card was pulled out during the session, or vanished mid-exchange (exit code 6).
class CardRemovedError : public PcscError {
public:
    using PcscError::PcscError;
};

// Another handle reset the card: selected applications and verified PINs are gone.
class CardResetError : public PcscError {
public:
    using PcscError::PcscError;
};

// Another process holds the card exclusively (or we asked for exclusive while it is shared).
class SharingViolation : public PcscError {
public:
    using PcscError::PcscError;
};

class PcscTimeout : public PcscError {
public:
    using PcscError::PcscError;
};

// SCardCancel from another thread, or the system cancelled the wait.
class PcscCancelled : public PcscError {
public:
    using PcscError::PcscError;
};

// The card is there but does not work: mute, unpowered, unsupported, lost data.
class CardCommunicationError : public PcscError {
public:
    using PcscError::PcscError;
};

// The few codes code outside card/pcsc/ needs to raise itself (e.g. "no card arrived"),
// without winscard.h; pcsc_error.cpp checks them against pcsc-lite's values.
namespace codes {
inline constexpr std::uint32_t kTimeout = 0x8010000A;           // SCARD_E_TIMEOUT
inline constexpr std::uint32_t kNoSmartcard = 0x8010000C;       // SCARD_E_NO_SMARTCARD
inline constexpr std::uint32_t kNoReadersAvailable = 0x8010002E;  // SCARD_E_NO_READERS_AVAILABLE
inline constexpr std::uint32_t kUnknownReader = 0x80100009;     // SCARD_E_UNKNOWN_READER
} // namespace codes

// The name pcsc-lite gives the code ("SCARD_W_REMOVED_CARD"), or "0x8010xxxx" when unknown.
[[nodiscard]] std::string_view scardCodeName(std::uint32_t code);

// Throws the typed exception the table assigns to `code`. The message is one line:
// "<call>: <what happened>[ (<context>)]", e.g. "SCardConnect: no smart card in the reader
// (reader 'Virtual PCD 00 01')".
[[noreturn]] void throwPcscError(std::string_view call, std::uint32_t code,
                                 std::string_view context = {},
                                 SourceLocation where = SourceLocation::current());

} // namespace fmc::card::pcsc
