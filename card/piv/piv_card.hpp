#pragma once
// The PIV client profile: what the issuance station and the terminal ask of a PIV card
// (NIST SP 800-73-4 Part 2), over any CardChannel (PC/SC, a scripted fake, the in-process
// virtual card). Expected status words are handled here; unexpected ones go through the one
// table (card::requireSuccess); answers without the structure a command asks for throw
// card::CardProtocolError. PINs and keys arrive as SecretBytes and are never logged.
#include "card/errors.hpp"
#include "card/piv/cert_container.hpp"
#include "card/piv/chuid.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/tlv.hpp"
#include "card/transport.hpp"
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fmc::card::piv {

// The card's answer to our management-key challenge was wrong: it does not hold the key we
// authenticated with (or it is not a genuine card). The card had accepted our half, so this
// is worth an alarm, not a retry.
class ManagementKeyMismatch : public CardError {
public:
    using CardError::CardError;
};

// SELECT's application property template (Part 2 §3.1.1).
struct ApplicationProperties {
    Bytes applicationIdentifier;     // 4F: the PIX (YubiKey) or the full AID
    Bytes coexistentTagAuthority;    // 4F inside 79: A0 00 00 03 08
    std::optional<std::string> label;      // 50
    std::vector<std::uint8_t> algorithms;  // 80 entries inside AC
};

struct FirmwareVersion {
    std::uint8_t major = 0, minor = 0, patch = 0;
    [[nodiscard]] std::string toString() const;  // "5.4.3"
    bool operator==(const FirmwareVersion&) const = default;
};

// (vendor) GET METADATA answer; each field is present only for the slots it applies to.
struct SlotMetadata {
    std::optional<std::uint8_t> algorithm;    // 01
    std::optional<std::uint8_t> pinPolicy;    // 02, first byte
    std::optional<std::uint8_t> touchPolicy;  // 02, second byte
    std::optional<std::uint8_t> origin;       // 03: 1 generated, 2 imported
    Bytes publicKey;                          // 04, as the card encodes it
    std::optional<bool> isDefault;            // 05: PIN, PUK, management key
    std::optional<int> retriesTotal;          // 06, first byte
    std::optional<int> retriesRemaining;      // 06, second byte
};

class PivCard {
public:
    explicit PivCard(CardChannel& channel) : channel_(channel) {}

    // SELECT the PIV application (any right-truncation of the AID); 6A82 = no PIV on the card.
    ApplicationProperties select(ByteView aid = kAid);

    // The value inside 53 (inside 7E for Discovery); nullopt when the card answers 6A82.
    std::optional<Bytes> readObject(TlvTag objectTag);
    // Needs the management-key security state.
    void writeObject(TlvTag objectTag, ByteView value);

    // DER of the certificate in a key slot (9A, 9C, 9D, 9E), decompressed; nullopt if absent.
    std::optional<Bytes> readCertificate(std::uint8_t slot);
    void writeCertificate(std::uint8_t slot, ByteView der,
                          CertificateCompression compression = CertificateCompression::none);
    std::optional<Chuid> readChuid();
    void writeChuid(const Chuid& chuid);
    // The Discovery object's value (inside 7E); nullopt if absent.
    std::optional<Bytes> readDiscovery();

    // Generates a key pair on the card (ECC P-256 11 or P-384 14); the private key never leaves it.
    crypto::EcPublicKey generateKeyPair(std::uint8_t slot, std::uint8_t algorithm);
    // ECDSA over a digest of the curve's size (32 or 48 bytes); returns a DER ECDSA-Sig-Value.
    Bytes signDigest(std::uint8_t slot, std::uint8_t algorithm, ByteView digest);

    // Mutual authentication with the management key (9B): decrypt the card's witness, send our
    // own challenge, check the card's answer. Wrong key: CardStatusError (6982) from the card;
    // wrong answer from the card: ManagementKeyMismatch.
    void authenticateManagementKey(std::uint8_t algorithm, const SecretBytes& key);
    // (vendor) Replaces the management key; needs the management-key security state.
    void setManagementKey(std::uint8_t algorithm, const SecretBytes& key, bool requireTouch = false);

    // Wrong PIN: CardStatusError with triesLeft(); blocked: CardStatusError 6983.
    void verifyPin(const SecretBytes& pin);
    // Drops the PIN's verified state, so nothing after us reads PIN-protected data.
    void resetPinStatus();
    // Tries left before the PIN blocks (0 = blocked); nullopt when the PIN is already verified
    // in this session, since the card then answers 9000 without a count.
    std::optional<int> pinTriesLeft();
    void changePin(const SecretBytes& currentPin, const SecretBytes& newPin);
    void changePuk(const SecretBytes& currentPuk, const SecretBytes& newPuk);
    void unblockPin(const SecretBytes& puk, const SecretBytes& newPin);

    // (vendor) YubiKey-compatible extensions.
    FirmwareVersion version();
    std::uint32_t serial();
    SlotMetadata metadata(std::uint8_t slot);

private:
    // Sends a command carrying a PIN or key and wipes the command's data afterwards.
    ResponseApdu transmitSecret(CommandApdu command);

    CardChannel& channel_;
};

} // namespace fmc::card::piv
