#include "card/vcard/card_server.hpp"

#include "card/apdu.hpp"
#include "card/vcard/vpcd_link.hpp"

#include <optional>

namespace fmc::card::vcard {

namespace {

// vpcd's control bytes (vsmartcard vpcd.h).
constexpr std::uint8_t kPowerOff = 0x00;
constexpr std::uint8_t kPowerOn = 0x01;
constexpr std::uint8_t kReset = 0x02;
constexpr std::uint8_t kGetAtr = 0x04;

} // namespace

CardServerOutcome serveCard(VirtualCard& card, const CardServerOptions& options, const std::atomic<bool>& stop) {
    std::size_t commandCount = 0;
    const std::string where = options.host + ":" + std::to_string(options.port);
    const auto powerCycle = [&] {
        card.powerCycle();
        if (options.faults) options.faults->powerCycle();
    };
    while (!stop.load()) {
        std::optional<VpcdLink> connected;
        try {
            connected.emplace(VpcdLink::connect(options.host, options.port, options.connectTimeout, stop));
        } catch (const VpcdUnreachable&) {
            if (stop.load()) return CardServerOutcome::stopped;  // SIGTERM while waiting for vpcd
            throw;
        }
        VpcdLink& link = *connected;
        if (options.log) *options.log << "fmc-vcard: card inserted into the vpcd reader on " << where << std::endl;
        powerCycle();
        Bytes message;
        for (;;) {
            const auto received = link.receive(message, stop);
            if (received == VpcdLink::ReceiveStatus::stopped) return CardServerOutcome::stopped;
            if (received == VpcdLink::ReceiveStatus::closed) break;
            if (message.size() == 1) {
                const std::uint8_t control = message[0];
                if (control == kPowerOff || control == kPowerOn || control == kReset) powerCycle();
                if (control != kGetAtr) continue;  // no reply expected to the others
                try {
                    link.send(card.atr());
                } catch (const VpcdLinkError&) {
                    break;
                }
                continue;
            }
            if (message.empty()) continue;
            ++commandCount;
            if (options.removeAfter != 0 && commandCount == options.removeAfter) {
                if (options.log) *options.log << "fmc-vcard: removing the card during command " << commandCount << std::endl;
                link.close();
                return CardServerOutcome::removedOnRequest;
            }
            const std::optional<Bytes> answer =
                options.faults ? options.faults->respond(message, commandCount) : card.process(message);
            if (!answer) continue;  // a mute card: vpcd waits for an answer that never comes
            const Bytes& response = *answer;
            if (options.log)
                *options.log << "fmc-vcard: " << maskedForLog(message, ApduDirection::command) << " -> "
                             << maskedForLog(response, ApduDirection::response) << std::endl;
            try {
                link.send(response);
            } catch (const VpcdLinkError&) {
                break;
            }
        }
        // vpcd hung up: pcscd stopped or restarted. The card goes back in when it returns.
        if (options.log) *options.log << "fmc-vcard: vpcd closed the connection; reconnecting" << std::endl;
    }
    return CardServerOutcome::stopped;
}

} // namespace fmc::card::vcard
