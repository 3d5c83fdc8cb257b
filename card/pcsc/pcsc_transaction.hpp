#pragma once
// An exclusive stretch of exchanges with a card shared with other programs
// (SCardBeginTransaction .. SCardEndTransaction): nothing else talks to the card in between,
// so a selected application and a verified PIN stay ours. Ended in a noexcept destructor.
namespace fmc::card::pcsc {

class PcscCard;

class PcscTransaction {
public:
    // Throws CardRemovedError, SharingViolation, ... when the transaction cannot start.
    explicit PcscTransaction(PcscCard& card);
    ~PcscTransaction();
    PcscTransaction(const PcscTransaction&) = delete;
    PcscTransaction& operator=(const PcscTransaction&) = delete;
    PcscTransaction(PcscTransaction&&) = delete;
    PcscTransaction& operator=(PcscTransaction&&) = delete;

private:
    PcscCard& card_;
};

} // namespace fmc::card::pcsc
