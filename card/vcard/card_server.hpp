#pragma once
// Puts a virtual card (the PIV applet or the NTAG216 tag) into the vpcd reader: answers
// vpcd's control bytes and APDUs, reconnects when pcscd restarts, and leaves the reader on
// request.
#include "card/vcard/fault_injection.hpp"
#include "card/vcard/virtual_card.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace fmc::card::vcard {

struct CardServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 35963;
    std::chrono::milliseconds connectTimeout{10'000};
    // Pull the card when this command APDU arrives, without answering it (0 = never): a
    // card removed mid-APDU, for tests.
    std::size_t removeAfter = 0;
    std::ostream* log = nullptr;  // one masked line per exchange; nullptr = quiet
    // Test-only misbehaviour (--fault): decides each answer around the card; nullptr = an
    // honest card.
    FaultInjector* faults = nullptr;
};

enum class CardServerOutcome { stopped, removedOnRequest };

// Serves until `stop` becomes true (SIGTERM/SIGINT) or --remove-after fires; the socket is
// closed on return, which vpcd reports as card removal. Throws VpcdUnreachable when vpcd
// cannot be reached within the connect timeout (at start or after pcscd went away).
CardServerOutcome serveCard(VirtualCard& card, const CardServerOptions& options, const std::atomic<bool>& stop);

} // namespace fmc::card::vcard
