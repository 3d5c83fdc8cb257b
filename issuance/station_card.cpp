#include "issuance/station_card.hpp"

#include "card/atr.hpp"
#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_transaction.hpp"
#include "card/transport.hpp"
#include "issuance/station.hpp"

namespace fmc::issuance {

namespace {

std::string chooseReader(const card::pcsc::PcscContext& context, const std::optional<std::string>& filter) {
    if (filter) return context.findReader(*filter);
    std::vector<std::string> withCard;
    for (const card::pcsc::ReaderState& reader : context.readerStates())
        if (reader.cardPresent) withCard.push_back(reader.name);
    if (withCard.size() > 1) {
        std::string names;
        for (const std::string& name : withCard) names += (names.empty() ? "'" : ", '") + name + "'";
        throw StationError("cards are present in several readers (" + names + "): choose one with --reader");
    }
    // No card anywhere: connecting to the first reader reports "no card" (or "no reader").
    return withCard.empty() ? context.findReader("") : withCard.front();
}

} // namespace

StationCard::StationCard(const std::optional<std::string>& readerFilter)
    : context_(std::make_unique<card::pcsc::PcscContext>()) {
    readerName_ = chooseReader(*context_, readerFilter);
    card_ = std::make_unique<card::pcsc::PcscCard>(*context_, readerName_, card::pcsc::ShareMode::exclusive);
    transaction_ = std::make_unique<card::pcsc::PcscTransaction>(*card_);
    channel_ = std::make_unique<card::CardChannel>(*card_);
    piv_ = std::make_unique<card::piv::PivCard>(*channel_);
}

StationCard::~StationCard() = default;

const Bytes& StationCard::atr() const { return card_->atr(); }

bool StationCard::contactless() const { return card_->cardInterface() == card::CardInterface::contactless; }

} // namespace fmc::issuance
