#pragma once
// What the station does to a PIV card, one operation per issuance step, with no registry in
// sight (the workflow in card_issuance.hpp records each step). Works over any PivCard, so the
// in-process virtual card tests it as well as pcscd does.
//
// Keys the station puts on a card:
// - the management key (9B): an AES-256 key derived from the station secret and the card
//   UUID, so only this station can rewrite the card, and it never has to store one key per card;
// - the PUK: 8 digits derived the same way, so the station can reset a forgotten PIN and
//   wipe the card for reuse; the holder never needs it.
#include "card/piv/piv_card.hpp"
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/uuid.hpp"

#include <optional>
#include <string>

namespace fmc::issuance {

// The per-card secrets, derived from the station secret (crypto/pki/station_secret.hpp).
struct CardKeys {
    SecretBytes managementKey;  // AES-256
    SecretBytes puk;            // 8 ASCII digits
};
[[nodiscard]] CardKeys deriveCardKeys(const SecretBytes& stationSecret, const Uuid& cardUuid);

// The card answered in a way the station refuses to work with (not blank, not ours...).
class CardRefusedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class PivPersonalization {
public:
    explicit PivPersonalization(card::piv::PivCard& card) : card_(card) {}

    // SELECT; throws CardRefusedError when the card has no PIV application.
    void selectPiv();
    // The CHUID's card UUID, or nullopt for a card without a CHUID (a factory-fresh card).
    std::optional<Uuid> cardUuid();

    // Tries the factory management key (3DES, or the algorithm the card reports in its
    // metadata); true and authenticated when it works. No retry counter guards the
    // management key, so a failed try costs nothing.
    bool authenticateWithFactoryKey();
    bool authenticateWith(const SecretBytes& managementKey);

    crypto::EcPublicKey generateCardKey();
    void writeChuid(const Uuid& cardUuid, const std::string& expirationDate);
    void writeCertificate(ByteView der);
    void writePersonalData(ByteView encoded);
    // Moves the PUK to `puk` from the factory PUK or from `puk` itself (a retried issuance).
    void setPuk(const SecretBytes& puk);
    // RESET RETRY COUNTER with the PUK: sets the PIN whatever it was, and unblocks it.
    void setPin(const SecretBytes& puk, const SecretBytes& pin);
    void setManagementKey(const SecretBytes& managementKey);

    // Reads back everything written and proves the card holds the 9E key and the new
    // management key; throws CardRefusedError naming the first thing that differs.
    struct Expected {
        Uuid cardUuid{};
        Bytes certificateDer;
        Bytes personalData;
        crypto::EcPublicKey cardKey;
    };
    void verifyPersonalization(const Expected& expected, const CardKeys& keys, const SecretBytes& pin);

    // Returns one of our cards to the factory state: objects deleted, the 9E key replaced by
    // a fresh one nobody has a certificate for, PIN and PUK and management key back to the
    // factory values. Needs the card's keys.
    void resetToFactory(const CardKeys& keys);

private:
    card::piv::PivCard& card_;
};

} // namespace fmc::issuance
