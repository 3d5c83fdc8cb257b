#pragma once
// A connection to the card in one reader (SCardConnect .. SCardDisconnect), usable as the
// Transport under a CardChannel. winscard.h stays in the .cpp.
#include "card/atr.hpp"
#include "card/transport.hpp"

#include <memory>
#include <string>

namespace fmc::card::pcsc {

class PcscContext;

enum class ShareMode { shared, exclusive };
enum class CardProtocol { t0, t1, raw };

class PcscCard : public Transport {
public:
    // Connects with T=0 or T=1, whichever the card and reader agree on. Throws NoCardError,
    // NoReaderError, SharingViolation, PcscServiceUnavailable...
    PcscCard(const PcscContext& context, std::string readerName, ShareMode mode = ShareMode::shared);
    ~PcscCard() override;  // SCardDisconnect, leaving the card powered
    PcscCard(const PcscCard&) = delete;
    PcscCard& operator=(const PcscCard&) = delete;
    PcscCard(PcscCard&&) = delete;
    PcscCard& operator=(PcscCard&&) = delete;

    // One SCardTransmit. A card reset by another program (SCARD_W_RESET_CARD) is reconnected
    // once and the command sent again; the card's volatile state (selected application,
    // verified PIN) is then gone, which the profile sees in the status words it gets.
    // Throws CardRemovedError, CardProtocolError for an answer shorter than SW1 SW2.
    Bytes transmitRaw(ByteView command) override;

    [[nodiscard]] const std::string& readerName() const { return readerName_; }
    [[nodiscard]] const Bytes& atr() const { return atr_; }
    [[nodiscard]] CardProtocol protocol() const { return protocol_; }
    // Contact or contactless, from the ATR (PC/SC Part 3); contact when the ATR is malformed.
    [[nodiscard]] CardInterface cardInterface() const;
    // The contactless UID from the reader (GET DATA pseudo-APDU FF CA 00 00 00). Throws
    // CardStatusError when the reader refuses (contact cards, readers without the command).
    [[nodiscard]] Bytes contactlessUid();

    // Used by PcscTransaction.
    void beginTransaction();
    void endTransaction() noexcept;

private:
    void reconnect();
    void refreshStatus();

    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string readerName_;
    Bytes atr_;
    CardProtocol protocol_ = CardProtocol::t1;
    ShareMode mode_;
};

} // namespace fmc::card::pcsc
