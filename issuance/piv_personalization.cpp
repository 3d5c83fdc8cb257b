#include "issuance/piv_personalization.hpp"

#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/status_words.hpp"
#include "crypto/pki/station_secret.hpp"
#include "crypto/random.hpp"

namespace fmc::issuance {

namespace piv = card::piv;

namespace {

SecretBytes secretFromText(const char* text) { return SecretBytes(std::string_view(text)); }

SecretBytes factoryManagementKey() {
    return SecretBytes(Bytes(piv::kDefaultManagementKey.begin(), piv::kDefaultManagementKey.end()));
}

// How a card says "not that key": a wrong value, or (6A86) a key of another algorithm than
// the one named, e.g. our AES-256 key tried on a card that still has its 3DES factory key.
bool isWrongSecret(const card::CardStatusError& error) {
    const card::StatusKind kind = error.kind();
    return kind == card::StatusKind::wrongPin || kind == card::StatusKind::securityStatusNotSatisfied ||
           kind == card::StatusKind::incorrectData || kind == card::StatusKind::incorrectP1P2;
}

// The management key's algorithm from the vendor metadata; nullopt on cards without it.
std::optional<std::uint8_t> managementKeyAlgorithm(piv::PivCard& card) {
    try {
        return card.metadata(piv::key::kManagement).algorithm;
    } catch (const card::CardStatusError&) {
        return std::nullopt;
    }
}

} // namespace

CardKeys deriveCardKeys(const SecretBytes& stationSecret, const Uuid& cardUuid) {
    return CardKeys{crypto::pki::deriveCardManagementKey(stationSecret, cardUuid),
                    crypto::pki::deriveCardPuk(stationSecret, cardUuid)};
}

void PivPersonalization::selectPiv() {
    try {
        card_.select();
    } catch (const card::CardStatusError& error) {
        if (error.kind() == card::StatusKind::notFound)
            throw CardRefusedError("the card has no PIV application; the station issues PIV cards only");
        throw;
    }
}

std::optional<Uuid> PivPersonalization::cardUuid() {
    const std::optional<piv::Chuid> chuid = card_.readChuid();
    if (!chuid) return std::nullopt;
    return chuid->guid;
}

bool PivPersonalization::authenticateWithFactoryKey() {
    // Newer cards (YubiKey 5.7) ship an AES-192 factory key with the same bytes; the vendor
    // metadata says which. Cards without the command keep 3DES. A card whose key is of
    // another size (AES-128, AES-256) cannot hold the factory key at all.
    const std::uint8_t algorithm = managementKeyAlgorithm(card_).value_or(piv::algorithm::kTripleDes);
    if (algorithm != piv::algorithm::kTripleDes && algorithm != piv::algorithm::kAes192) return false;
    try {
        card_.authenticateManagementKey(algorithm, factoryManagementKey());
        return true;
    } catch (const card::CardStatusError& error) {
        if (isWrongSecret(error)) return false;
        throw;
    } catch (const piv::ManagementKeyMismatch&) {
        return false;
    }
}

bool PivPersonalization::authenticateWith(const SecretBytes& managementKey) {
    const std::optional<std::uint8_t> algorithm = managementKeyAlgorithm(card_);
    if (algorithm && *algorithm != piv::algorithm::kAes256) return false;
    try {
        card_.authenticateManagementKey(piv::algorithm::kAes256, managementKey);
        return true;
    } catch (const card::CardStatusError& error) {
        if (isWrongSecret(error)) return false;
        throw;
    }
}

crypto::EcPublicKey PivPersonalization::generateCardKey() {
    return card_.generateKeyPair(piv::kMerchantCardKeySlot, piv::kMerchantCardKeyAlgorithm);
}

void PivPersonalization::writeChuid(const Uuid& cardUuid, const std::string& expirationDate) {
    card_.writeChuid(piv::nonFederalChuid(cardUuid, expirationDate));
}

void PivPersonalization::writeCertificate(ByteView der) {
    card_.writeCertificate(piv::kMerchantCardKeySlot, der);
}

void PivPersonalization::writePersonalData(ByteView encoded) {
    card_.writeObject(piv::kMerchantPersonalDataObject, encoded);
}

void PivPersonalization::setPuk(const SecretBytes& puk) {
    // A card whose issuance was interrupted after this step still has our PUK: the vendor
    // metadata says whether the PUK is the factory one, which spares a wrong try. Without
    // it, try the factory PUK first (one try of three), then ours.
    std::optional<bool> factoryPuk;
    try {
        factoryPuk = card_.metadata(piv::key::kPuk).isDefault;
    } catch (const card::CardStatusError&) {
    }
    if (factoryPuk == false) return card_.changePuk(puk, puk);
    try {
        card_.changePuk(secretFromText(piv::kDefaultPuk), puk);
    } catch (const card::CardStatusError& error) {
        if (factoryPuk == true || error.kind() != card::StatusKind::wrongPin) throw;
        card_.changePuk(puk, puk);
    }
}

void PivPersonalization::setPin(const SecretBytes& puk, const SecretBytes& pin) { card_.unblockPin(puk, pin); }

void PivPersonalization::setManagementKey(const SecretBytes& managementKey) {
    card_.setManagementKey(piv::algorithm::kAes256, managementKey);
}

void PivPersonalization::verifyPersonalization(const Expected& expected, const CardKeys& keys, const SecretBytes& pin) {
    const std::optional<piv::Chuid> chuid = card_.readChuid();
    if (!chuid || chuid->guid != expected.cardUuid)
        throw CardRefusedError("read back: the CHUID does not hold the card UUID");
    const std::optional<Bytes> certificate = card_.readCertificate(piv::kMerchantCardKeySlot);
    if (!certificate || *certificate != expected.certificateDer)
        throw CardRefusedError("read back: the 9E certificate differs from the one signed");
    card_.verifyPin(pin);
    const std::optional<Bytes> personalData = card_.readObject(piv::kMerchantPersonalDataObject);
    if (!personalData || *personalData != expected.personalData)
        throw CardRefusedError("read back: the personal-data object differs from the one written");
    const Bytes challenge = crypto::randomBytes(32);
    const Bytes signature = card_.signDigest(piv::kMerchantCardKeySlot, piv::kMerchantCardKeyAlgorithm, challenge);
    if (!expected.cardKey.verifyDigest(challenge, signature))
        throw CardRefusedError("read back: the card's 9E signature does not verify with the certified key");
    if (!authenticateWith(keys.managementKey))
        throw CardRefusedError("read back: the card refuses the new management key");
}

void PivPersonalization::resetToFactory(const CardKeys& keys) {
    card_.writeObject(piv::kMerchantPersonalDataObject, {});
    card_.writeObject(piv::object::kCardAuthenticationCert, {});
    card_.writeObject(piv::object::kChuid, {});
    // PIV has no command that deletes a key; a fresh key nobody certified is as good.
    (void)generateCardKey();
    card_.unblockPin(keys.puk, secretFromText(piv::kDefaultPin));
    card_.changePuk(keys.puk, secretFromText(piv::kDefaultPuk));
    card_.setManagementKey(piv::algorithm::kTripleDes, factoryManagementKey());
}

} // namespace fmc::issuance
