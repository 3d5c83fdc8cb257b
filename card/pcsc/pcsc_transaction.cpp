#include "card/pcsc/pcsc_transaction.hpp"

#include "card/pcsc/pcsc_card.hpp"

namespace fmc::card::pcsc {

PcscTransaction::PcscTransaction(PcscCard& card) : card_(card) { card_.beginTransaction(); }

// Ending can fail only when the card or the reader is already gone: nothing to undo then.
PcscTransaction::~PcscTransaction() { card_.endTransaction(); }

} // namespace fmc::card::pcsc
