#pragma once
// A card::Transport that hands each command straight to an in-process virtual card (the PIV
// applet or the NTAG216 tag): tests drive it through CardChannel and the card profiles
// without pcscd.
#include "card/transport.hpp"
#include "card/vcard/virtual_card.hpp"

namespace fmc::card::vcard {

class AppletTransport : public Transport {
public:
    explicit AppletTransport(VirtualCard& applet) : applet_(applet) {}
    Bytes transmitRaw(ByteView command) override { return applet_.process(command); }

private:
    VirtualCard& applet_;
};

} // namespace fmc::card::vcard
