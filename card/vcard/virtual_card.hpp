#pragma once
// What fmc-vcard puts into the vpcd reader: a PIV card (PivApplet) or an NFC storage tag
// (Ntag216Tag). serveCard, AppletTransport and the fault injector see only this.
#include "crypto/bytes.hpp"

namespace fmc::card::vcard {

class VirtualCard {
public:
    virtual ~VirtualCard() = default;

    // One C-APDU in, one R-APDU (data + SW1 SW2) out. Never throws: malformed input gets
    // the status word a card (or, for a storage tag, the reader) would give.
    [[nodiscard]] virtual Bytes process(ByteView commandApdu) = 0;
    // Power off, reset or removal: whatever the card keeps only while powered is lost.
    virtual void powerCycle() = 0;
    // The ATR a reader reports for this card.
    [[nodiscard]] virtual Bytes atr() const = 0;

protected:
    VirtualCard() = default;
    VirtualCard(const VirtualCard&) = default;
    VirtualCard& operator=(const VirtualCard&) = default;
};

} // namespace fmc::card::vcard
