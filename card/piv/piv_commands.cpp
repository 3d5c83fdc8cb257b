#include "card/piv/piv_commands.hpp"

#include "card/piv/piv_algorithms.hpp"

#include <stdexcept>

namespace fmc::card::piv::commands {

namespace {

constexpr std::uint8_t kCla = 0x00;
constexpr std::size_t kLeAny = CommandApdu::kMaxShortNe;  // Le 00
constexpr std::size_t kPinBlockLength = 8;                // Part 2 §2.4: PINs padded to 8 bytes

// The encoded bytes of a tag (1 to 3 bytes, as TlvTag keeps them).
Bytes tagBytes(TlvTag tag) {
    Bytes encoded = encodeTlv(tag, ByteView{});
    encoded.pop_back();  // the 00 length
    return encoded;
}

void append(Bytes& out, ByteView part) { out.insert(out.end(), part.begin(), part.end()); }

// Two FF-padded blocks back to back, for CHANGE REFERENCE DATA and RESET RETRY COUNTER.
Bytes twoPinBlocks(const SecretBytes& first, const SecretBytes& second) {
    const SecretBytes a = padPin(first);
    const SecretBytes b = padPin(second);
    Bytes out;
    out.reserve(2 * kPinBlockLength);
    append(out, a.view());
    append(out, b.view());
    return out;
}

} // namespace

SecretBytes padPin(const SecretBytes& pin) {
    if (pin.empty() || pin.size() > kPinBlockLength)
        throw std::invalid_argument("a PIV PIN or PUK is 1 to 8 bytes, got " + std::to_string(pin.size()));
    Bytes block(pin.view().begin(), pin.view().end());
    block.resize(kPinBlockLength, 0xFF);
    return SecretBytes(std::move(block));
}

CommandApdu select(ByteView aid) {
    if (aid.empty() || aid.size() > 16) throw std::invalid_argument("an AID is 1 to 16 bytes");
    return {kCla, ins::kSelect, 0x04, 0x00, Bytes(aid.begin(), aid.end()), kLeAny};
}

CommandApdu getData(TlvTag objectTag) {
    return {kCla, ins::kGetData, 0x3F, 0xFF, encodeTlv(tag::kTagList, tagBytes(objectTag)), kLeAny};
}

CommandApdu putData(TlvTag objectTag, ByteView value) {
    if (objectTag == object::kDiscovery)
        return {kCla, ins::kPutData, 0x3F, 0xFF, encodeTlv(object::kDiscovery, value)};
    Bytes data = encodeTlv(tag::kTagList, tagBytes(objectTag));
    append(data, encodeTlv(tag::kDataObject, value));
    return {kCla, ins::kPutData, 0x3F, 0xFF, std::move(data)};
}

CommandApdu generateKeyPair(std::uint8_t slot, std::uint8_t algorithm) {
    // Control reference template AC with the cryptographic mechanism 80 (Part 2 §3.3.2).
    const Bytes mechanism = encodeTlv(tag::kAlgorithmIdentifier, Bytes{algorithm});
    return {kCla, ins::kGenerateAsymmetricKeyPair, 0x00, slot,
            encodeTlv(tag::kCryptographicAlgorithms, mechanism), kLeAny};
}

CommandApdu generalAuthenticate(std::uint8_t algorithm, std::uint8_t keyReference,
                                ByteView dynamicAuthenticationTemplate) {
    return {kCla, ins::kGeneralAuthenticate, algorithm, keyReference,
            encodeTlv(tag::kDynamicAuthenticationTemplate, dynamicAuthenticationTemplate), kLeAny};
}

CommandApdu signDigest(std::uint8_t slot, std::uint8_t algorithm, ByteView digest) {
    // An empty 82 asks for the response; 81 carries the challenge (here: the digest).
    Bytes content = encodeTlv(tag::kResponse, ByteView{});
    append(content, encodeTlv(tag::kChallenge, digest));
    return generalAuthenticate(algorithm, slot, content);
}

CommandApdu managementKeyWitnessRequest(std::uint8_t algorithm) {
    return generalAuthenticate(algorithm, key::kManagement, encodeTlv(tag::kWitness, ByteView{}));
}

CommandApdu managementKeyWitnessResponse(std::uint8_t algorithm, const SecretBytes& decryptedWitness,
                                         ByteView hostChallenge) {
    Bytes content = encodeTlv(tag::kWitness, decryptedWitness.view());
    append(content, encodeTlv(tag::kChallenge, hostChallenge));
    CommandApdu apdu = generalAuthenticate(algorithm, key::kManagement, content);
    secureWipe(content.data(), content.size());
    return apdu;
}

CommandApdu cardChallenge(std::uint8_t algorithm) {
    return generalAuthenticate(algorithm, key::kManagement, encodeTlv(tag::kChallenge, ByteView{}));
}

CommandApdu verifyPin(const SecretBytes& pin, std::uint8_t reference) {
    const SecretBytes block = padPin(pin);
    return {kCla, ins::kVerify, 0x00, reference, Bytes(block.view().begin(), block.view().end())};
}

CommandApdu pinStatusQuery(std::uint8_t reference) { return {kCla, ins::kVerify, 0x00, reference}; }

CommandApdu pinStatusReset(std::uint8_t reference) { return {kCla, ins::kVerify, 0xFF, reference}; }

CommandApdu changeReferenceData(std::uint8_t reference, const SecretBytes& current,
                                const SecretBytes& replacement) {
    return {kCla, ins::kChangeReferenceData, 0x00, reference, twoPinBlocks(current, replacement)};
}

CommandApdu resetRetryCounter(const SecretBytes& puk, const SecretBytes& newPin) {
    return {kCla, ins::kResetRetryCounter, 0x00, key::kApplicationPin, twoPinBlocks(puk, newPin)};
}

CommandApdu getVersion() { return {kCla, ins::kGetVersion, 0x00, 0x00, {}, kLeAny}; }

CommandApdu getSerial() { return {kCla, ins::kGetSerial, 0x00, 0x00, {}, kLeAny}; }

CommandApdu getMetadata(std::uint8_t slot) { return {kCla, ins::kGetMetadata, 0x00, slot, {}, kLeAny}; }

CommandApdu setManagementKey(std::uint8_t algorithm, const SecretBytes& key, bool requireTouch) {
    const crypto::BlockCipherAlgorithm cipher = requireManagementKeyAlgorithm(algorithm, "SET MANAGEMENT KEY");
    if (key.size() != crypto::keyLength(cipher))
        throw std::invalid_argument("SET MANAGEMENT KEY: the key must be " +
                                    std::to_string(crypto::keyLength(cipher)) + " bytes, got " +
                                    std::to_string(key.size()));
    Bytes data{algorithm, key::kManagement, static_cast<std::uint8_t>(key.size())};
    append(data, key.view());
    return {kCla, ins::kSetManagementKey, 0xFF, static_cast<std::uint8_t>(requireTouch ? 0xFE : 0xFF),
            std::move(data)};
}

} // namespace fmc::card::piv::commands
