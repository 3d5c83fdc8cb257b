#pragma once
// A card::Transport that hands each command straight to an in-process PivApplet: tests drive
// the virtual card through CardChannel and the PIV profile without pcscd.
#include "card/transport.hpp"
#include "card/vcard/piv_applet.hpp"

namespace fmc::card::vcard {

class AppletTransport : public Transport {
public:
    explicit AppletTransport(PivApplet& applet) : applet_(applet) {}
    Bytes transmitRaw(ByteView command) override { return applet_.process(command); }

private:
    PivApplet& applet_;
};

} // namespace fmc::card::vcard
