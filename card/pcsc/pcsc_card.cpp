#include "card/pcsc/pcsc_card.hpp"

#include "card/apdu.hpp"
#include "card/errors.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/scard_call.hpp"
#include "card/status_words.hpp"

#include <PCSC/pcsclite.h>

#include <vector>

namespace fmc::card::pcsc {
namespace {

using detail::scardCheck;
using detail::SCardSite;

constexpr DWORD kAnyProtocol = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;

DWORD toShareMode(ShareMode mode) {
    return mode == ShareMode::exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
}

CardProtocol toProtocol(DWORD active) {
    if (active == SCARD_PROTOCOL_T0) return CardProtocol::t0;
    if (active == SCARD_PROTOCOL_T1) return CardProtocol::t1;
    return CardProtocol::raw;
}

const SCARD_IO_REQUEST* sendPci(CardProtocol protocol) {
    switch (protocol) {
    case CardProtocol::t0: return SCARD_PCI_T0;
    case CardProtocol::t1: return SCARD_PCI_T1;
    case CardProtocol::raw: break;
    }
    return SCARD_PCI_RAW;
}

} // namespace

struct PcscCard::Impl {
    SCARDHANDLE card = 0;
};

PcscCard::PcscCard(const PcscContext& context, std::string readerName, ShareMode mode)
    : impl_(std::make_unique<Impl>()), readerName_(std::move(readerName)), mode_(mode) {
    DWORD active = 0;
    scardCheck(SCardConnect(static_cast<SCARDCONTEXT>(context.nativeHandle()), readerName_.c_str(),
                            toShareMode(mode), kAnyProtocol, &impl_->card, &active),
               {"SCardConnect", "reader '" + readerName_ + "'"});
    protocol_ = toProtocol(active);
    try {
        refreshStatus();
    } catch (...) {
        SCardDisconnect(impl_->card, SCARD_LEAVE_CARD);
        throw;
    }
}

PcscCard::~PcscCard() { SCardDisconnect(impl_->card, SCARD_LEAVE_CARD); }

void PcscCard::refreshStatus() {
    DWORD state = 0;
    DWORD active = 0;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atrLength = sizeof(atr);
    DWORD nameLength = 0;  // we know the name; do not ask for it
    scardCheck(SCardStatus(impl_->card, nullptr, &nameLength, &state, &active, atr, &atrLength),
               {"SCardStatus", "reader '" + readerName_ + "'"});
    atr_.assign(atr, atr + atrLength);
}

void PcscCard::reconnect() {
    DWORD active = 0;
    scardCheck(SCardReconnect(impl_->card, toShareMode(mode_), kAnyProtocol, SCARD_LEAVE_CARD, &active),
               {"SCardReconnect", "reader '" + readerName_ + "'"});
    protocol_ = toProtocol(active);
    refreshStatus();
}

Bytes PcscCard::transmitRaw(ByteView command) {
    std::vector<BYTE> response(MAX_BUFFER_SIZE_EXTENDED);
    for (int attempt = 0;; ++attempt) {
        DWORD responseLength = static_cast<DWORD>(response.size());
        const LONG rc = SCardTransmit(impl_->card, sendPci(protocol_), command.data(),
                                      static_cast<DWORD>(command.size()), nullptr,
                                      response.data(), &responseLength);
        if (rc == SCARD_W_RESET_CARD && attempt == 0) {
            reconnect();
            continue;
        }
        if (rc != SCARD_S_SUCCESS)
            detail::throwFor(SCardSite{"SCardTransmit", "reader '" + readerName_ + "'"}, rc);
        // The virtual reader reports success with 0 bytes when the card vanishes mid-APDU.
        if (responseLength < 2)
            throw CardProtocolError("SCardTransmit: the card answered " +
                                    std::to_string(responseLength) +
                                    " bytes, fewer than SW1 SW2 (card removed?) (reader '" +
                                    readerName_ + "')");
        return Bytes(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(responseLength));
    }
}

CardInterface PcscCard::cardInterface() const {
    try {
        return describeAtr(atr_).cardInterface;
    } catch (const MalformedAtr&) {
        return CardInterface::contact;
    }
}

Bytes PcscCard::contactlessUid() {
    const ResponseApdu response = ResponseApdu::parse(transmitRaw(iso7816::getContactlessUid().encode()));
    requireSuccess(response, "GET DATA (contactless UID)");
    return response.data();
}

void PcscCard::beginTransaction() {
    LONG rc = SCardBeginTransaction(impl_->card);
    if (rc == SCARD_W_RESET_CARD) {
        reconnect();
        rc = SCardBeginTransaction(impl_->card);
    }
    if (rc != SCARD_S_SUCCESS)
        detail::throwFor(SCardSite{"SCardBeginTransaction", "reader '" + readerName_ + "'"}, rc);
}

void PcscCard::endTransaction() noexcept { SCardEndTransaction(impl_->card, SCARD_LEAVE_CARD); }

} // namespace fmc::card::pcsc
