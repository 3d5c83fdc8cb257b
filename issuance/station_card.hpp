#pragma once
// The card in the station's reader, connected exclusively (no other program may talk to it
// while it is personalized) inside one PC/SC transaction.
#include "card/piv/piv_card.hpp"

#include <memory>
#include <optional>
#include <string>

namespace fmc::card {
class CardChannel;
namespace pcsc {
class PcscContext;
class PcscCard;
class PcscTransaction;
} // namespace pcsc
} // namespace fmc::card

namespace fmc::issuance {

class StationCard {
public:
    // With a filter: the first reader whose name contains it. Without: the one reader that
    // holds a card. Throws the PC/SC layer's NoReaderError / NoCardError, or StationError
    // when several readers hold cards and none was chosen.
    explicit StationCard(const std::optional<std::string>& readerFilter);
    ~StationCard();
    StationCard(const StationCard&) = delete;
    StationCard& operator=(const StationCard&) = delete;

    [[nodiscard]] const std::string& readerName() const { return readerName_; }
    [[nodiscard]] bool contactless() const;
    // The ATR the connection reported (a contactless reader builds one for a storage card).
    [[nodiscard]] const Bytes& atr() const;
    [[nodiscard]] card::piv::PivCard& piv() { return *piv_; }
    // The channel itself, for a card that is not PIV (an NFC tag).
    [[nodiscard]] card::CardChannel& channel() { return *channel_; }

private:
    std::string readerName_;
    std::unique_ptr<card::pcsc::PcscContext> context_;
    std::unique_ptr<card::pcsc::PcscCard> card_;
    std::unique_ptr<card::pcsc::PcscTransaction> transaction_;
    std::unique_ptr<card::CardChannel> channel_;
    std::unique_ptr<card::piv::PivCard> piv_;
};

} // namespace fmc::issuance
