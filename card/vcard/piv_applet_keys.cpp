// GENERATE ASYMMETRIC KEY PAIR (SP 800-73-4 Part 2 §3.3.2) and the YubiKey GET METADATA.
#include "card/vcard/piv_applet.hpp"

#include "card/errors.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/vcard/piv_slots.hpp"

namespace fmc::card::vcard {

namespace {

// (vendor) GET METADATA tags, as yubico-piv-tool's ykpiv_util_parse_metadata reads them.
constexpr TlvTag kMetadataAlgorithm = 0x01;
constexpr TlvTag kMetadataPolicy = 0x02;
constexpr TlvTag kMetadataOrigin = 0x03;
constexpr TlvTag kMetadataPublicKey = 0x04;
constexpr TlvTag kMetadataIsDefault = 0x05;
constexpr TlvTag kMetadataRetries = 0x06;
constexpr std::uint8_t kPinAlgorithm = 0xFF;
constexpr std::uint8_t kTouchNever = 0x01;

void appendTlv(Bytes& out, TlvTag tag, ByteView value) {
    const Bytes tlv = encodeTlv(tag, value);
    out.insert(out.end(), tlv.begin(), tlv.end());
}

std::uint8_t asByte(int value) { return static_cast<std::uint8_t>(value & 0xFF); }

} // namespace

PivApplet::Reply PivApplet::generateKeyPair(const CommandApdu& command) {
    if (command.p1() != 0x00 || !isAsymmetricSlot(command.p2())) return status(0x6A86);
    if (!managementAuthenticated_) return status(0x6982);
    // Control reference template AC { 80 01 alg [AA 01 pin-policy] [AB 01 touch-policy] };
    // the (vendor) policies are accepted and ignored: this card applies SP 800-73's.
    std::optional<std::uint8_t> algorithm;
    try {
        const Tlv crt = parseSingleTlv(command.data());
        if (crt.tag != piv::tag::kCryptographicAlgorithms) return status(0x6A80);
        const auto value = findTlv(parseTlvs(crt.value), piv::tag::kAlgorithmIdentifier);
        if (value && value->size() == 1) algorithm = (*value)[0];
    } catch (const TlvError&) {
        return status(0x6A80);
    }
    if (!algorithm) return status(0x6A80);
    const auto curve = curveForAlgorithm(*algorithm);
    if (!curve) return status(0x6A80);  // RSA is not offered by this card

    const crypto::EcPrivateKey key = crypto::EcPrivateKey::generate(*curve);
    AsymmetricKey stored;
    stored.algorithm = *algorithm;
    stored.origin = 0x01;  // generated on the card
    stored.pkcs8 = key.toPkcs8();
    state_.keys[command.p2()] = std::move(stored);
    if (!commit()) return status(0x6581);
    // 7F 49 L { 86 L 04 X Y }: both lengths fit the short form for P-256 and P-384, which
    // yubico-piv-tool needs (it parses this answer at fixed offsets).
    return ok(encodeTlv(piv::tag::kPublicKeyTemplate,
                        encodeTlv(piv::tag::kEcPoint, key.publicKey().uncompressedPoint())));
}

PivApplet::Reply PivApplet::getMetadata(const CommandApdu& command) const {
    if (command.p1() != 0x00) return status(0x6A86);
    const std::uint8_t reference = command.p2();
    Bytes out;
    if (reference == piv::key::kApplicationPin || reference == piv::key::kPuk) {
        const bool isPin = reference == piv::key::kApplicationPin;
        appendTlv(out, kMetadataAlgorithm, Bytes{kPinAlgorithm});
        appendTlv(out, kMetadataIsDefault, Bytes{(isPin ? state_.pinIsDefault() : state_.pukIsDefault()) ? std::uint8_t{1} : std::uint8_t{0}});
        appendTlv(out, kMetadataRetries,
                  Bytes{asByte(isPin ? piv::kPinRetries : piv::kPukRetries),
                        asByte(isPin ? state_.pinTriesLeft : state_.pukTriesLeft)});
        return ok(out);
    }
    if (reference == piv::key::kManagement) {
        // The algorithm is what yubico-piv-tool needs to pick 3DES or AES (issue #333).
        appendTlv(out, kMetadataAlgorithm, Bytes{state_.managementAlgorithm});
        appendTlv(out, kMetadataPolicy, Bytes{0x00, kTouchNever});
        appendTlv(out, kMetadataIsDefault, Bytes{state_.managementKeyIsDefault() ? std::uint8_t{1} : std::uint8_t{0}});
        return ok(out);
    }
    if (!isAsymmetricSlot(reference)) return status(0x6A86);
    const auto slot = state_.keys.find(reference);
    if (slot == state_.keys.end()) return status(0x6A82);
    const auto curve = curveForAlgorithm(slot->second.algorithm);
    if (!curve) return status(0x6F00);
    const crypto::EcPrivateKey key = crypto::EcPrivateKey::fromPkcs8(slot->second.pkcs8);
    appendTlv(out, kMetadataAlgorithm, Bytes{slot->second.algorithm});
    appendTlv(out, kMetadataPolicy, Bytes{static_cast<std::uint8_t>(pinPolicyFor(reference)), kTouchNever});
    appendTlv(out, kMetadataOrigin, Bytes{slot->second.origin});
    appendTlv(out, kMetadataPublicKey, encodeTlv(piv::tag::kEcPoint, key.publicKey().uncompressedPoint()));
    return ok(out);
}

} // namespace fmc::card::vcard
