#include "card/transport.hpp"

#include "card/errors.hpp"

#include <algorithm>
#include <string>

namespace fmc::card {

CardChannel::CardChannel(Transport& transport, ChannelOptions options)
    : transport_(transport), options_(options) {}

namespace {
// The encoded copies of a command may hold a PIN or a key: wipe them however we leave.
struct WipeOnExit {
    Bytes& bytes;
    ~WipeOnExit() { secureWipe(bytes.data(), bytes.size()); }
};
struct WipeCommandOnExit {
    CommandApdu& command;
    ~WipeCommandOnExit() { command.wipeData(); }
};
} // namespace

ResponseApdu CardChannel::exchange(const CommandApdu& command) {
    Bytes encoded = command.encode(options_.extendedLength ? LengthEncoding::automatic
                                                           : LengthEncoding::shortOnly);
    const WipeOnExit wipe{encoded};
    ++exchanges_;
    return ResponseApdu::parse(transport_.transmitRaw(encoded));
}

ResponseApdu CardChannel::transmit(const CommandApdu& command) {
    CommandApdu last = command;
    const WipeCommandOnExit wipeLast{last};
    // Cap Ne where the card cannot take an extended Le; response chaining fetches the rest.
    if (!options_.extendedLength && last.ne() > CommandApdu::kMaxShortNe)
        last = last.withNe(CommandApdu::kMaxShortNe);

    // ISO 7816-4 §5.4.1: all blocks but the last carry CLA | 0x10 and are answered 9000.
    if (!options_.extendedLength && command.data().size() > CommandApdu::kMaxShortNc) {
        const Bytes& data = command.data();
        std::size_t offset = 0;
        while (data.size() - offset > CommandApdu::kMaxShortNc) {
            const auto first = data.begin() + static_cast<std::ptrdiff_t>(offset);
            CommandApdu block(static_cast<std::uint8_t>(command.cla() | CommandApdu::kChainingBit),
                              command.ins(), command.p1(), command.p2(),
                              Bytes(first, first + CommandApdu::kMaxShortNc));
            const WipeCommandOnExit wipeBlock{block};
            ResponseApdu answer = exchange(block);
            if (!answer.isSuccess()) return answer;  // the card refused the chain: report it
            offset += CommandApdu::kMaxShortNc;
        }
        last = last.withData(Bytes(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end()));
    }

    ResponseApdu response = exchange(last);
    // §5.3.4: 6Cxx means "wrong Le; resend the same command with Le = xx", once.
    if (response.sw1() == 0x6C) {
        const std::size_t exact = response.sw2() == 0 ? CommandApdu::kMaxShortNe : response.sw2();
        response = exchange(last.withNe(exact));
    }
    if (response.sw1() == 0x61) return collectChainedResponse(std::move(response), command.cla());
    return response;
}

ResponseApdu CardChannel::collectChainedResponse(ResponseApdu first, std::uint8_t cla) {
    Bytes data = first.data();
    ResponseApdu current = std::move(first);
    std::size_t rounds = 0;
    while (current.sw1() == 0x61) {
        if (++rounds > options_.maxResponseChain)
            throw CardProtocolError("card kept answering 61xx after " +
                                    std::to_string(options_.maxResponseChain) + " GET RESPONSEs");
        const std::size_t ne = current.sw2() == 0 ? CommandApdu::kMaxShortNe : current.sw2();
        // GET RESPONSE keeps the logical channel bits of the original CLA (§5.4.2).
        const CommandApdu getResponse =
            iso7816::getResponse(ne).withCla(static_cast<std::uint8_t>(cla & 0x03));
        current = exchange(getResponse);
        if (data.size() + current.data().size() > options_.maxResponseBytes)
            throw CardProtocolError("card response exceeds " +
                                    std::to_string(options_.maxResponseBytes) + " bytes");
        data.insert(data.end(), current.data().begin(), current.data().end());
    }
    return {std::move(data), current.sw()};
}

} // namespace fmc::card
