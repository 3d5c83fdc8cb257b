#pragma once
// `fmc-terminal kiosk`: a self-service page for merchants, served on the kiosk machine. A
// watcher thread verifies each presented card exactly as a service point does and pushes
// the page's state over Server-Sent Events; the page (terminal/kiosk/kiosk.html, texts in
// catalog/kiosk_texts.json) renders it in the merchant's language. With a contact reader
// the merchant may type the PIN to see the personal data on the card, whose digest is
// checked against the verified certificate. The server keeps no personal data and logs
// none: it holds only the current card's status view.
#include "terminal/terminal_home.hpp"

#include <atomic>
#include <optional>
#include <string>

namespace fmc::terminal {

struct KioskOptions {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::optional<std::string> reader;
    int idleSeconds = 60;  // the page returns to its welcome screen after this much idle time
};

// Serves until `stop` is set. Throws TerminalError when the address cannot be bound.
void runKiosk(const TerminalHome& home, const KioskOptions& options, const std::atomic<bool>& stop);

} // namespace fmc::terminal
