#pragma once
// What a service point reads from a presented card, in as few APDU exchanges as PIV allows:
// SELECT, the CHUID, the 9E certificate, and one GENERAL AUTHENTICATE that signs a fresh
// challenge with the 9E key (SP 800-73-4 Part 2; FIPS 201-3 PKI-CAK). No PIN: a tap must
// work in a blink, contact or contactless.
#include "card/transport.hpp"
#include "crypto/bytes.hpp"
#include "crypto/uuid.hpp"

#include <cstddef>
#include <optional>
#include <stdexcept>

namespace fmc::terminal {

struct CardReading {
    Uuid chuidUuid{};
    Bytes certificateDer;
    Bytes challenge;
    Bytes signature;
    std::size_t exchanges = 0;  // raw APDU exchanges, GET RESPONSE included
};

// What a terminal reads from an NFC tag (NTAG21x): the UID the reader reports and the signed
// credential in the tag's NDEF message. Nothing proves the tag is the one issued: the UID and
// the memory can be copied to a tag that fakes its UID, so a tag decides at low assurance.
struct TagReading {
    Bytes uid;
    Bytes credential;
    std::size_t exchanges = 0;
};

// Why a card could not be read; each is a decision reason of its own.
enum class ReadFailure {
    notAMerchantCard,  // no PIV application, no CHUID or no 9E certificate
    cardRemoved,       // the card left (or was reset) mid-read
    unreadable,        // it answered, but not as a PIV card should
};

class CardReadError : public std::runtime_error {
public:
    CardReadError(ReadFailure failure, const std::string& message)
        : std::runtime_error(message), failure_(failure) {}
    [[nodiscard]] ReadFailure failure() const { return failure_; }

private:
    ReadFailure failure_;
};

// Throws CardReadError; PC/SC errors that are not about the card (pcscd gone) pass through.
[[nodiscard]] CardReading readMerchantCard(card::CardChannel& channel);
// The same for an NFC tag: a tag without one Foreign Merchant credential (application/cwt) in
// a well-formed NDEF message is not a merchant card.
[[nodiscard]] TagReading readMerchantTag(card::CardChannel& channel);

} // namespace fmc::terminal
