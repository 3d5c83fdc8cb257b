#pragma once
// The seam between card profiles and whatever carries APDUs: PC/SC, a scripted fake in unit
// tests, or the virtual card's applet in-process.
#include "card/apdu.hpp"

#include <cstddef>

namespace fmc::card {

class Transport {
public:
    virtual ~Transport() = default;
    // Sends one encoded command APDU and returns the raw response (data + SW1 SW2),
    // as the reader delivered it: no 61xx/6Cxx handling here.
    virtual Bytes transmitRaw(ByteView command) = 0;
};

struct ChannelOptions {
    // Extended-length APDUs when a command needs them; otherwise command chaining.
    bool extendedLength = false;
    // A card that keeps answering 61xx past this many GET RESPONSEs is broken or hostile.
    std::size_t maxResponseChain = 128;
    // Upper bound on one reassembled response (a PIV certificate object is at most a few KB).
    std::size_t maxResponseBytes = 64 * 1024;
};

// Sends CommandApdus over a Transport and does what ISO 7816-4 leaves to the host:
// command chaining (§5.4.1, CLA bit 0x10), response chaining (61xx + GET RESPONSE, §5.3.4)
// and the 6Cxx "wrong Le, resend with Le = xx" answer.
class CardChannel {
public:
    explicit CardChannel(Transport& transport, ChannelOptions options = {});

    ResponseApdu transmit(const CommandApdu& command);

    // Raw exchanges so far (each chained block, GET RESPONSE and resend counts): the figure
    // the terminal's speed goal is stated in.
    [[nodiscard]] std::size_t exchangeCount() const { return exchanges_; }

private:
    ResponseApdu exchange(const CommandApdu& command);
    ResponseApdu collectChainedResponse(ResponseApdu first, std::uint8_t cla);

    Transport& transport_;
    ChannelOptions options_;
    std::size_t exchanges_ = 0;
};

} // namespace fmc::card
