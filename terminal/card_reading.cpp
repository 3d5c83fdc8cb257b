#include "terminal/card_reading.hpp"

#include "card/errors.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "crypto/pki/card_verifier.hpp"

namespace fmc::terminal {

namespace piv = card::piv;

CardReading readMerchantCard(card::CardChannel& channel) {
    piv::PivCard card(channel);
    CardReading reading;
    try {
        try {
            card.select();
        } catch (const card::CardStatusError& error) {
            if (error.kind() == card::StatusKind::notFound)
                throw CardReadError(ReadFailure::notAMerchantCard, "the card has no PIV application");
            throw;
        }
        const std::optional<piv::Chuid> chuid = card.readChuid();
        if (!chuid) throw CardReadError(ReadFailure::notAMerchantCard, "the card has no CHUID");
        reading.chuidUuid = chuid->guid;
        std::optional<Bytes> certificate = card.readCertificate(piv::kMerchantCardKeySlot);
        if (!certificate) throw CardReadError(ReadFailure::notAMerchantCard, "the card has no 9E certificate");
        reading.certificateDer = std::move(*certificate);
        reading.challenge = crypto::pki::CardVerifier::newChallenge();
        reading.signature = card.signDigest(piv::kMerchantCardKeySlot, piv::kMerchantCardKeyAlgorithm, reading.challenge);
    } catch (const card::pcsc::CardRemovedError& error) {
        throw CardReadError(ReadFailure::cardRemoved, error.what());
    } catch (const card::pcsc::CardResetError& error) {
        throw CardReadError(ReadFailure::cardRemoved, error.what());
    } catch (const card::pcsc::PcscError&) {
        throw;  // pcscd or the reader, not the card: an operational error
    } catch (const card::CardError& error) {
        throw CardReadError(ReadFailure::unreadable, error.what());
    }
    reading.exchanges = channel.exchangeCount();
    return reading;
}

} // namespace fmc::terminal
