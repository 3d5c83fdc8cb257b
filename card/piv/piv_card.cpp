#include "card/piv/piv_card.hpp"

#include "card/piv/piv_algorithms.hpp"
#include "card/piv/piv_commands.hpp"
#include "card/status_words.hpp"
#include "crypto/block_cipher.hpp"
#include "crypto/crypto_error.hpp"
#include "crypto/random.hpp"

#include <algorithm>
#include <stdexcept>

namespace fmc::card::piv {

namespace {

constexpr std::uint16_t kSwNotFound = 0x6A82;
constexpr std::uint16_t kSwBlocked = 0x6983;

std::string tagHex(TlvTag tag) {
    Bytes encoded = encodeTlv(tag, ByteView{});
    encoded.pop_back();
    return toHex(encoded);
}

std::string byteHex(std::uint8_t value) { return toHex(Bytes{value}); }

// Parsing a card's answer: a TLV error means the card broke the protocol.
std::vector<Tlv> parseAnswer(ByteView bytes, const std::string& what) {
    try {
        return parseTlvs(bytes);
    } catch (const TlvError& error) {
        throw CardProtocolError(what + ": answer does not parse: " + error.what());
    }
}

// The value of the one TLV that must make up `bytes`, with tag `expected`.
Bytes singleValue(ByteView bytes, TlvTag expected, const std::string& what) {
    Tlv tlv;
    try {
        tlv = parseSingleTlv(bytes);
    } catch (const TlvError& error) {
        throw CardProtocolError(what + ": answer does not parse: " + error.what());
    }
    if (tlv.tag != expected)
        throw CardProtocolError(what + ": expected tag " + tagHex(expected) + ", card answered tag " +
                                tagHex(tlv.tag));
    return std::move(tlv.value);
}

Bytes requiredField(const std::vector<Tlv>& fields, TlvTag tag, const std::string& what) {
    std::optional<Bytes> value = findTlv(fields, tag);
    if (!value) throw CardProtocolError(what + ": answer has no tag " + tagHex(tag));
    return std::move(*value);
}

bool startsWith(ByteView whole, ByteView prefix) {
    return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

// 4F in the SELECT answer: the PIX (YubiKey) or the AID, possibly right-truncated.
bool identifiesPiv(ByteView identifier) {
    if (identifier.empty()) return false;
    const ByteView aid(kAid);
    const ByteView pix = aid.subspan(kRid.size());
    return (identifier.size() >= kRid.size() && startsWith(aid, identifier)) || startsWith(pix, identifier);
}

bool equalInConstantTime(ByteView a, ByteView b) {
    if (a.size() != b.size()) return false;
    std::uint8_t difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i) difference = static_cast<std::uint8_t>(difference | (a[i] ^ b[i]));
    return difference == 0;
}

} // namespace

std::string FirmwareVersion::toString() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// CommandApdu keeps its data in a plain vector: wipe the PIN or key in it once it is sent.
// The object is ours (taken by value), so writing through the const accessor is defined.
ResponseApdu PivCard::transmitSecret(CommandApdu command) {
    struct WipeOnExit {
        const CommandApdu& apdu;
        ~WipeOnExit() {
            const Bytes& data = apdu.data();
            secureWipe(const_cast<std::uint8_t*>(data.data()), data.size());
        }
    } wipe{command};
    return channel_.transmit(command);
}

// ---- data objects ---------------------------------------------------------------------------

ApplicationProperties PivCard::select(ByteView aid) {
    const std::string what = "SELECT PIV application";
    const ResponseApdu response = channel_.transmit(commands::select(aid));
    requireSuccess(response, what);
    const Bytes template61 = singleValue(response.data(), tag::kApplicationPropertyTemplate, what);
    const std::vector<Tlv> fields = parseAnswer(template61, what);

    ApplicationProperties properties;
    properties.applicationIdentifier = requiredField(fields, tag::kApplicationIdentifier, what);
    if (!identifiesPiv(properties.applicationIdentifier))
        throw CardProtocolError(what + ": the card answered for application " +
                                toHex(properties.applicationIdentifier) + ", not PIV");
    if (const auto authority = findTlv(fields, tag::kCoexistentTagAllocationAuthority))
        properties.coexistentTagAuthority =
            requiredField(parseAnswer(*authority, what), tag::kApplicationIdentifier, what);
    if (const auto label = findTlv(fields, tag::kApplicationLabel))
        properties.label = std::string(label->begin(), label->end());
    if (const auto algorithms = findTlv(fields, tag::kCryptographicAlgorithms))
        for (const Tlv& entry : parseAnswer(*algorithms, what))
            if (entry.tag == tag::kAlgorithmIdentifier && entry.value.size() == 1)
                properties.algorithms.push_back(entry.value.front());
    return properties;
}

std::optional<Bytes> PivCard::readObject(TlvTag objectTag) {
    const std::string what = "GET DATA " + tagHex(objectTag);
    const ResponseApdu response = channel_.transmit(commands::getData(objectTag));
    if (response.sw() == kSwNotFound) return std::nullopt;
    requireSuccess(response, what);
    // Part 2 §3.1.2: the object comes back in 53, except Discovery, which is its own 7E.
    const TlvTag wrapper = objectTag == object::kDiscovery ? object::kDiscovery : tag::kDataObject;
    return singleValue(response.data(), wrapper, what);
}

void PivCard::writeObject(TlvTag objectTag, ByteView value) {
    requireSuccess(channel_.transmit(commands::putData(objectTag, value)), "PUT DATA " + tagHex(objectTag));
}

namespace {
TlvTag requireCertificateObject(std::uint8_t slot) {
    const TlvTag objectTag = certificateObjectFor(slot);
    if (objectTag == 0) throw std::invalid_argument("slot " + byteHex(slot) + " holds no certificate");
    return objectTag;
}
} // namespace

std::optional<Bytes> PivCard::readCertificate(std::uint8_t slot) {
    const std::optional<Bytes> object = readObject(requireCertificateObject(slot));
    // An empty object is how yubico-piv-tool's delete-certificate leaves a slot.
    if (!object || object->empty()) return std::nullopt;
    return decodeCertificateObject(*object).der;
}

void PivCard::writeCertificate(std::uint8_t slot, ByteView der, CertificateCompression compression) {
    writeObject(requireCertificateObject(slot), encodeCertificateObject(der, compression));
}

std::optional<Chuid> PivCard::readChuid() {
    const std::optional<Bytes> object = readObject(object::kChuid);
    if (!object || object->empty()) return std::nullopt;
    return Chuid::parse(*object);
}

void PivCard::writeChuid(const Chuid& chuid) { writeObject(object::kChuid, chuid.encode()); }

std::optional<Bytes> PivCard::readDiscovery() { return readObject(object::kDiscovery); }

// ---- keys -----------------------------------------------------------------------------------

crypto::EcPublicKey PivCard::generateKeyPair(std::uint8_t slot, std::uint8_t algorithm) {
    const crypto::Curve curve = requireEcAlgorithm(algorithm, "GENERATE ASYMMETRIC KEY PAIR");
    const std::string what = "GENERATE ASYMMETRIC KEY PAIR in slot " + byteHex(slot);
    const ResponseApdu response = channel_.transmit(commands::generateKeyPair(slot, algorithm));
    requireSuccess(response, what);
    // Part 2 §3.3.2: 7F49 { 86 <uncompressed point 04 || X || Y> }.
    const Bytes publicKeyTemplate = singleValue(response.data(), tag::kPublicKeyTemplate, what);
    const Bytes point = requiredField(parseAnswer(publicKeyTemplate, what), tag::kEcPoint, what);
    if (point.size() != 1 + 2 * fieldLength(curve) || point.front() != 0x04)
        throw CardProtocolError(what + ": the card returned a " + std::to_string(point.size()) +
                                "-byte point, not an uncompressed point on the requested curve");
    try {
        return crypto::EcPublicKey::fromUncompressedPoint(curve, point);
    } catch (const crypto::CryptoError& error) {
        throw CardProtocolError(what + ": the card returned an invalid public key: " + error.what());
    }
}

Bytes PivCard::signDigest(std::uint8_t slot, std::uint8_t algorithm, ByteView digest) {
    const crypto::Curve curve = requireEcAlgorithm(algorithm, "sign");
    if (digest.size() != fieldLength(curve))
        throw std::invalid_argument("sign: a digest for this curve is " + std::to_string(fieldLength(curve)) +
                                    " bytes, got " + std::to_string(digest.size()));
    const std::string what = "GENERAL AUTHENTICATE (sign with " + byteHex(slot) + ")";
    const ResponseApdu response = channel_.transmit(commands::signDigest(slot, algorithm, digest));
    requireSuccess(response, what);
    const Bytes dynamicTemplate = singleValue(response.data(), tag::kDynamicAuthenticationTemplate, what);
    Bytes signature = requiredField(parseAnswer(dynamicTemplate, what), tag::kResponse, what);
    if (signature.size() < 8 || signature.front() != 0x30)  // DER SEQUENCE { r, s }
        throw CardProtocolError(what + ": the signature is not a DER ECDSA-Sig-Value");
    return signature;
}

// SP 800-73-4 Part 2 Appendix A (mutual authentication with the card management key):
// the card proves nothing until it answers our challenge, so both halves are checked.
void PivCard::authenticateManagementKey(std::uint8_t algorithm, const SecretBytes& key) {
    const crypto::BlockCipherAlgorithm cipher = requireManagementKeyAlgorithm(algorithm, "management-key authentication");
    if (key.size() != crypto::keyLength(cipher))
        throw std::invalid_argument("management-key authentication: the key must be " +
                                    std::to_string(crypto::keyLength(cipher)) + " bytes, got " +
                                    std::to_string(key.size()));
    const std::size_t block = crypto::blockSize(cipher);

    const std::string askWhat = "management-key authentication (witness request)";
    const ResponseApdu witnessAnswer = channel_.transmit(commands::managementKeyWitnessRequest(algorithm));
    requireSuccess(witnessAnswer, askWhat);
    const Bytes witnessTemplate = singleValue(witnessAnswer.data(), tag::kDynamicAuthenticationTemplate, askWhat);
    const Bytes witness = requiredField(parseAnswer(witnessTemplate, askWhat), tag::kWitness, askWhat);
    if (witness.size() != block)
        throw CardProtocolError(askWhat + ": witness of " + std::to_string(witness.size()) +
                                " bytes, expected one " + std::to_string(block) + "-byte block");

    const SecretBytes decryptedWitness(crypto::ecbDecrypt(cipher, key, witness));
    const Bytes challenge = crypto::randomBytes(block);
    const std::string answerWhat = "management-key authentication (wrong management key?)";
    const ResponseApdu response =
        transmitSecret(commands::managementKeyWitnessResponse(algorithm, decryptedWitness, challenge));
    requireSuccess(response, answerWhat);
    const Bytes responseTemplate = singleValue(response.data(), tag::kDynamicAuthenticationTemplate, answerWhat);
    const Bytes cardResponse = requiredField(parseAnswer(responseTemplate, answerWhat), tag::kResponse, answerWhat);
    const Bytes expected = crypto::ecbEncrypt(cipher, key, challenge);
    if (!equalInConstantTime(cardResponse, expected))
        throw ManagementKeyMismatch(
            "management-key authentication: the card's answer to our challenge is wrong; it does not "
            "hold this management key or is not a genuine card");
}

void PivCard::setManagementKey(std::uint8_t algorithm, const SecretBytes& key, bool requireTouch) {
    requireSuccess(transmitSecret(commands::setManagementKey(algorithm, key, requireTouch)),
                   "SET MANAGEMENT KEY");
}

// ---- PIN ------------------------------------------------------------------------------------

void PivCard::verifyPin(const SecretBytes& pin) {
    requireSuccess(transmitSecret(commands::verifyPin(pin)), "VERIFY PIN");
}

void PivCard::resetPinStatus() { requireSuccess(channel_.transmit(commands::pinStatusReset()), "VERIFY (reset PIN status)"); }

std::optional<int> PivCard::pinTriesLeft() {
    const ResponseApdu response = channel_.transmit(commands::pinStatusQuery());
    if (response.isSuccess()) return std::nullopt;
    if ((response.sw() & 0xFFF0) == 0x63C0) return response.sw() & 0x0F;
    if (response.sw() == kSwBlocked) return 0;
    requireSuccess(response, "VERIFY (PIN status)");
    return std::nullopt;  // not reached: requireSuccess threw
}

void PivCard::changePin(const SecretBytes& currentPin, const SecretBytes& newPin) {
    requireSuccess(transmitSecret(commands::changeReferenceData(key::kApplicationPin, currentPin, newPin)),
                   "CHANGE REFERENCE DATA (PIN)");
}

void PivCard::changePuk(const SecretBytes& currentPuk, const SecretBytes& newPuk) {
    requireSuccess(transmitSecret(commands::changeReferenceData(key::kPuk, currentPuk, newPuk)),
                   "CHANGE REFERENCE DATA (PUK)");
}

void PivCard::unblockPin(const SecretBytes& puk, const SecretBytes& newPin) {
    requireSuccess(transmitSecret(commands::resetRetryCounter(puk, newPin)), "RESET RETRY COUNTER");
}

// ---- vendor ---------------------------------------------------------------------------------

FirmwareVersion PivCard::version() {
    const ResponseApdu response = channel_.transmit(commands::getVersion());
    requireSuccess(response, "GET VERSION");
    const Bytes& data = response.data();
    if (data.size() != 3)
        throw CardProtocolError("GET VERSION: answer of " + std::to_string(data.size()) + " bytes, expected 3");
    return {data[0], data[1], data[2]};
}

std::uint32_t PivCard::serial() {
    const ResponseApdu response = channel_.transmit(commands::getSerial());
    requireSuccess(response, "GET SERIAL");
    const Bytes& data = response.data();
    if (data.size() != 4)
        throw CardProtocolError("GET SERIAL: answer of " + std::to_string(data.size()) + " bytes, expected 4");
    return (std::uint32_t{data[0]} << 24) | (std::uint32_t{data[1]} << 16) | (std::uint32_t{data[2]} << 8) |
           std::uint32_t{data[3]};
}

SlotMetadata PivCard::metadata(std::uint8_t slot) {
    const std::string what = "GET METADATA " + byteHex(slot);
    const ResponseApdu response = channel_.transmit(commands::getMetadata(slot));
    requireSuccess(response, what);
    SlotMetadata metadata;
    for (const Tlv& field : parseAnswer(response.data(), what)) {
        const Bytes& v = field.value;
        const auto requireSize = [&](std::size_t size) {
            if (v.size() != size)
                throw CardProtocolError(what + ": field " + tagHex(field.tag) + " of " +
                                        std::to_string(v.size()) + " bytes, expected " + std::to_string(size));
        };
        switch (field.tag) {
            case 0x01: requireSize(1); metadata.algorithm = v[0]; break;
            case 0x02: requireSize(2); metadata.pinPolicy = v[0]; metadata.touchPolicy = v[1]; break;
            case 0x03: requireSize(1); metadata.origin = v[0]; break;
            case 0x04: metadata.publicKey = v; break;
            case 0x05: requireSize(1); metadata.isDefault = v[0] != 0; break;
            case 0x06: requireSize(2); metadata.retriesTotal = v[0]; metadata.retriesRemaining = v[1]; break;
            default: break;  // newer firmware adds fields
        }
    }
    return metadata;
}

} // namespace fmc::card::piv
