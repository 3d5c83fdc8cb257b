#pragma once
// Test-only misbehaviour of the virtual card (`fmc-vcard --fault KIND[@N]`): a decorator
// around the applet's process function that replaces, stretches or withholds answers, so the
// attack tests can show a terminal a hostile or broken card through the real pcscd. Nothing
// here is simulated on the host side: the bytes chosen here are the ones the card sends.
//
//   garbage           answer 64 bytes that are not BER-TLV (the second byte is a length field
//                     of 5+ bytes, which ISO 7816-4 does not allow) and 9000
//   oversize-length   the answer's first TLV length field says 16 MB (83 FFFFFF); an answer
//                     that does not start with a TLV gets 53 83 FFFFFF put in front
//   oversize-response the genuine answer followed by filler up to the largest frame vpcd
//                     carries (65535 bytes): far more than any Le asked for
//   endless-61xx      the genuine data with 6100 ("256 more bytes"), then every GET RESPONSE
//                     gets as many filler bytes as asked and 6100 again, until another command
//   sw=XXXX           the card does the command but answers only the status word XXXX
//   mute              the card never answers the command (until it leaves the reader)
//   replay-auth=FILE  every GENERAL AUTHENTICATE is answered with the response APDU in FILE
//                     (hex), without the applet: a copy that holds no key replaying a
//                     signature recorded from the genuine card
//   record-auth=FILE  not a fault: writes each GENERAL AUTHENTICATE answer to FILE (hex), as
//                     a skimmer listening on the wire would
// @N limits a fault to the Nth command APDU since fmc-vcard started (the count --remove-after
// uses, GET RESPONSEs included); without it the fault hits every command it applies to
// (replay-auth and record-auth apply only to GENERAL AUTHENTICATE).
#include "crypto/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::card::vcard {

// A --fault value that does not parse.
class FaultSpecError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

enum class FaultKind { garbage, oversizeLength, oversizeResponse, endlessMoreData, statusWord, mute, replayAuth, recordAuth };

struct Fault {
    FaultKind kind = FaultKind::garbage;
    std::size_t atCommand = 0;     // 0: every command the kind applies to
    std::uint16_t statusWord = 0;  // sw=XXXX
    std::filesystem::path file;    // replay-auth / record-auth
};

// Parses "garbage", "sw=6F00@3", "replay-auth=/tmp/sig.hex@12", ... Throws FaultSpecError.
[[nodiscard]] Fault parseFault(std::string_view spec);
// "garbage", "sw=6F00@3": the spec again, for logs.
[[nodiscard]] std::string describeFault(const Fault& fault);

// The largest frame vpcd's 2-byte length prefix carries.
inline constexpr std::size_t kLargestVpcdFrame = 0xFFFF;

class FaultInjector {
public:
    using ProcessFunction = std::function<Bytes(ByteView)>;

    // `genuine` is the honest card (PivApplet::process). Faults are tried in order; the first
    // that applies to a command decides its answer. Throws FaultSpecError when a replay file
    // cannot be read or holds no response APDU.
    FaultInjector(std::vector<Fault> faults, ProcessFunction genuine, std::ostream* log = nullptr);

    // The answer to command number `commandNumber` (1-based), or nullopt for no answer at
    // all (mute).
    [[nodiscard]] std::optional<Bytes> respond(ByteView command, std::size_t commandNumber);

    // Power off, reset or removal: an endless 61xx chain ends with it.
    void powerCycle() { endlessChain_ = false; }

private:
    [[nodiscard]] std::optional<Bytes> apply(const Fault& fault, ByteView command, std::size_t commandNumber);
    void note(const Fault& fault, std::size_t commandNumber) const;

    std::vector<Fault> faults_;
    std::vector<Bytes> replayAnswers_;  // per fault; empty unless replay-auth
    ProcessFunction genuine_;
    std::ostream* log_;
    bool endlessChain_ = false;
};

} // namespace fmc::card::vcard
