// GET DATA and PUT DATA (SP 800-73-4 Part 2 §3.1.2 and §3.3.2).
#include "card/vcard/piv_applet.hpp"

#include "card/errors.hpp"
#include "card/piv/piv_constants.hpp"

namespace fmc::card::vcard {

namespace {

// Largest object the card stores; a YubiKey 5 holds about 3 KB per object, but a gzip-less
// certificate with a long chain can exceed that (yubico-piv-tool #93).
constexpr std::size_t kMaxObjectSize = 16 * 1024;

std::optional<TlvTag> tagFromList(ByteView value) {
    if (value.empty() || value.size() > 3) return std::nullopt;
    TlvTag tag = 0;
    for (std::uint8_t b : value) tag = (tag << 8) | b;
    return tag;
}

// SP 800-73-4 Part 1 Table 3: objects behind the PIN (fingerprints, facial image, printed
// information, iris images).
bool needsPin(TlvTag tag) {
    return tag == 0x5FC103 || tag == 0x5FC108 || tag == piv::object::kPrintedInformation || tag == 0x5FC121;
}

// SP 800-73-4 Part 1 §3.5: over the contactless interface only the CHUID, the Card
// Authentication certificate and Discovery can be read.
bool readableContactless(TlvTag tag) {
    return tag == piv::object::kChuid || tag == piv::object::kCardAuthenticationCert ||
           tag == piv::object::kDiscovery;
}

// The PIV data object range 5FC1xx, and the YubiKey's vendor objects 5FFFxx
// (yubico-piv-tool keeps its admin data there).
bool isWritableObject(TlvTag tag) {
    return (tag & 0xFFFF00) == 0x5FC100 || (tag & 0xFFFF00) == 0x5FFF00;
}

} // namespace

PivApplet::Reply PivApplet::getData(const CommandApdu& command) const {
    if (command.p1() != 0x3F || command.p2() != 0xFF) return status(0x6A86);
    std::optional<TlvTag> tag;
    try {
        const Tlv list = parseSingleTlv(command.data());
        if (list.tag == piv::tag::kTagList) tag = tagFromList(list.value);
    } catch (const TlvError&) {
        return status(0x6A80);
    }
    if (!tag) return status(0x6A80);
    if (contactless() && !readableContactless(*tag)) return status(0x6A81);
    if (needsPin(*tag) && !pinVerified_) return status(0x6982);
    const auto found = state_.objects.find(*tag);
    if (found == state_.objects.end()) return status(0x6A82);
    // Discovery is answered as its bare 7E TLV, everything else wrapped in 53.
    if (*tag == piv::object::kDiscovery) return ok(found->second);
    return ok(encodeTlv(piv::tag::kDataObject, found->second));
}

PivApplet::Reply PivApplet::putData(const CommandApdu& command) {
    if (command.p1() != 0x3F || command.p2() != 0xFF) return status(0x6A86);
    if (!managementAuthenticated_) return status(0x6982);
    TlvTag tag = 0;
    Bytes value;
    try {
        const auto [first, used] = parseTlvPrefix(command.data());
        if (first.tag == piv::object::kDiscovery) {
            // SP 800-73-4 Part 2 §3.3.2: Discovery is written as its bare 7E TLV.
            if (used != command.data().size()) return status(0x6A80);
            tag = piv::object::kDiscovery;
            value = Bytes(command.data().begin(), command.data().end());
        } else {
            if (first.tag != piv::tag::kTagList) return status(0x6A80);
            const auto listed = tagFromList(first.value);
            if (!listed) return status(0x6A80);
            tag = *listed;
            const Tlv object = parseSingleTlv(ByteView(command.data()).subspan(used));
            if (object.tag != piv::tag::kDataObject) return status(0x6A80);
            value = object.value;
            if (tag == piv::object::kDiscovery) {
                // yubico-piv-tool's form "5C 01 7E 53 L ...": keep it as a bare 7E TLV.
                std::optional<Tlv> inner;
                try {
                    if (!value.empty()) inner = parseSingleTlv(value);
                } catch (const TlvError&) {
                }
                if (!value.empty() && (!inner || inner->tag != piv::object::kDiscovery))
                    value = encodeTlv(piv::object::kDiscovery, value);
            } else if (!isWritableObject(tag)) {
                return status(0x6A80);
            }
        }
    } catch (const TlvError&) {
        return status(0x6A80);
    }
    if (value.size() > kMaxObjectSize) return status(0x6A84);
    // An empty 53 deletes the object (what yubico-piv-tool's delete-certificate sends).
    if (value.empty())
        state_.objects.erase(tag);
    else
        state_.objects[tag] = std::move(value);
    if (!commit()) return status(0x6581);
    return ok();
}

} // namespace fmc::card::vcard
