#include "terminal/card_reading.hpp"

#include "card/errors.hpp"
#include "card/nfc/ndef.hpp"
#include "card/nfc/type2_tag.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/tag_credential.hpp"

namespace fmc::terminal {

namespace piv = card::piv;

namespace {

// PC/SC errors about the card become read failures; pcscd or the reader failing passes through.
template <typename Read>
auto classifyCardErrors(Read&& read) {
    try {
        return read();
    } catch (const card::pcsc::CardRemovedError& error) {
        throw CardReadError(ReadFailure::cardRemoved, error.what());
    } catch (const card::pcsc::CardResetError& error) {
        throw CardReadError(ReadFailure::cardRemoved, error.what());
    } catch (const card::pcsc::PcscError&) {
        throw;  // pcscd or the reader, not the card: an operational error
    } catch (const card::nfc::NdefError& error) {  // the tag answered, with content that is not ours
        throw CardReadError(ReadFailure::notAMerchantCard, std::string("the tag's NDEF content: ") + error.what());
    } catch (const card::CardError& error) {
        throw CardReadError(ReadFailure::unreadable, error.what());
    }
}

} // namespace

CardReading readMerchantCard(card::CardChannel& channel) {
    CardReading reading = classifyCardErrors([&] {
        piv::PivCard card(channel);
        CardReading read;
        try {
            card.select();
        } catch (const card::CardStatusError& error) {
            if (error.kind() == card::StatusKind::notFound)
                throw CardReadError(ReadFailure::notAMerchantCard, "the card has no PIV application");
            throw;
        }
        const std::optional<piv::Chuid> chuid = card.readChuid();
        if (!chuid) throw CardReadError(ReadFailure::notAMerchantCard, "the card has no CHUID");
        read.chuidUuid = chuid->guid;
        std::optional<Bytes> certificate = card.readCertificate(piv::kMerchantCardKeySlot);
        if (!certificate) throw CardReadError(ReadFailure::notAMerchantCard, "the card has no 9E certificate");
        read.certificateDer = std::move(*certificate);
        read.challenge = crypto::pki::CardVerifier::newChallenge();
        read.signature = card.signDigest(piv::kMerchantCardKeySlot, piv::kMerchantCardKeyAlgorithm, read.challenge);
        return read;
    });
    reading.exchanges = channel.exchangeCount();
    return reading;
}

TagReading readMerchantTag(card::CardChannel& channel) {
    TagReading reading = classifyCardErrors([&] {
        card::nfc::Type2Tag tag(channel);
        TagReading read;
        read.uid = tag.uid();
        const std::optional<Bytes> message = tag.readNdefMessage();
        if (!message) throw CardReadError(ReadFailure::notAMerchantCard, "the tag holds no NDEF message");
        std::optional<Bytes> credential =
            card::nfc::soleMediaRecordPayload(*message, crypto::pki::tagCredentialMediaType);
        if (!credential)
            throw CardReadError(ReadFailure::notAMerchantCard, "the tag holds no Foreign Merchant credential");
        read.credential = std::move(*credential);
        return read;
    });
    reading.exchanges = channel.exchangeCount();
    return reading;
}

} // namespace fmc::terminal
