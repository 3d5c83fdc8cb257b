#include "card/piv/merchant_card.hpp"

#include "card/errors.hpp"
#include "card/tlv.hpp"

#include <string_view>

namespace fmc::card::piv {
namespace {

constexpr std::uint8_t kVersion = 0x01;
constexpr TlvTag kVersionTag = 0x80;
constexpr TlvTag kNameTag = 0x81;
constexpr TlvTag kNativeNameTag = 0x82;
constexpr TlvTag kNationalityTag = 0x83;
constexpr TlvTag kTravelDocumentTag = 0x84;
constexpr TlvTag kCardNumberTag = 0x85;

void appendText(Bytes& out, TlvTag tag, std::string_view text) {
    if (text.empty()) return;
    const Bytes encoded = encodeTlv(tag, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    out.insert(out.end(), encoded.begin(), encoded.end());
}

std::string textOf(const Bytes& value) { return {value.begin(), value.end()}; }

} // namespace

Bytes MerchantPersonalData::encode() const {
    Bytes out = encodeTlv(kVersionTag, Bytes{kVersion});
    appendText(out, kNameTag, name);
    appendText(out, kNativeNameTag, nativeName);
    appendText(out, kNationalityTag, nationality);
    appendText(out, kTravelDocumentTag, travelDocument);
    appendText(out, kCardNumberTag, cardNumber);
    return out;
}

MerchantPersonalData MerchantPersonalData::decode(ByteView bytes) {
    std::vector<Tlv> tlvs;
    try {
        tlvs = parseTlvs(bytes);
    } catch (const TlvError& error) {
        throw CardProtocolError(std::string("the personal-data object does not parse: ") + error.what());
    }
    if (tlvs.empty() || tlvs.front().tag != kVersionTag || tlvs.front().value != Bytes{kVersion})
        throw CardProtocolError("the personal-data object has no version 1 header");
    MerchantPersonalData data;
    TlvTag previous = kVersionTag;
    for (std::size_t i = 1; i < tlvs.size(); ++i) {
        const Tlv& field = tlvs[i];
        if (field.tag <= previous)
            throw CardProtocolError("the personal-data object's fields are out of order or repeated");
        previous = field.tag;
        if (field.value.empty()) throw CardProtocolError("the personal-data object has an empty field");
        switch (field.tag) {
            case kNameTag: data.name = textOf(field.value); break;
            case kNativeNameTag: data.nativeName = textOf(field.value); break;
            case kNationalityTag: data.nationality = textOf(field.value); break;
            case kTravelDocumentTag: data.travelDocument = textOf(field.value); break;
            case kCardNumberTag: data.cardNumber = textOf(field.value); break;
            default: throw CardProtocolError("the personal-data object has an unknown field");
        }
    }
    if (data.name.empty()) throw CardProtocolError("the personal-data object has no name");
    // BER allows long length forms and padding between objects; only the one encoding that
    // encode() writes is accepted, so equal data always means equal bytes (and digest).
    if (data.encode() != Bytes(bytes.begin(), bytes.end()))
        throw CardProtocolError("the personal-data object is not in its canonical encoding");
    return data;
}

} // namespace fmc::card::piv
