#include "card/tlv.hpp"

#include "card/errors.hpp"

#include <string>

namespace fmc::card {

namespace {

std::size_t encodedTagLength(TlvTag tag) {
    if (tag > 0xFFFF) return 3;
    if (tag > 0xFF) return 2;
    return 1;
}

// Reads a tag (X.690 §8.1.2): low five bits 11111 mean more bytes follow, each with bit 8
// set while yet more follow. Tags longer than three bytes do not occur in ISO 7816 or PIV.
std::pair<TlvTag, std::size_t> readTag(ByteView bytes) {
    if (bytes.empty()) throw TlvError("TLV truncated: missing tag");
    TlvTag tag = bytes[0];
    std::size_t used = 1;
    if ((bytes[0] & 0x1F) == 0x1F) {
        do {
            if (used >= bytes.size()) throw TlvError("TLV truncated inside a multi-byte tag");
            if (used >= 3) throw TlvError("TLV tag longer than three bytes");
            tag = (tag << 8) | bytes[used];
        } while ((bytes[used++] & 0x80) != 0);
    }
    return {tag, used};
}

// Reads a length (X.690 §8.1.3): short form below 0x80, else 81/82/83 + 1-3 bytes.
std::pair<std::size_t, std::size_t> readLength(ByteView bytes) {
    if (bytes.empty()) throw TlvError("TLV truncated: missing length");
    const std::uint8_t first = bytes[0];
    if (first < 0x80) return {first, 1};
    const std::size_t count = first & 0x7F;
    if (count == 0) throw TlvError("indefinite TLV length is not allowed");
    if (count > 3) throw TlvError("TLV length field of " + std::to_string(count) + " bytes");
    if (bytes.size() < 1 + count) throw TlvError("TLV truncated inside the length field");
    std::size_t length = 0;
    for (std::size_t i = 1; i <= count; ++i) length = (length << 8) | bytes[i];
    return {length, 1 + count};
}

} // namespace

bool isConstructedTag(TlvTag tag) {
    const std::size_t n = encodedTagLength(tag);
    const auto firstByte = static_cast<std::uint8_t>(tag >> (8 * (n - 1)));
    return (firstByte & 0x20) != 0;
}

Bytes encodeLength(std::size_t length) {
    if (length < 0x80) return {static_cast<std::uint8_t>(length)};
    if (length <= 0xFF) return {0x81, static_cast<std::uint8_t>(length)};
    if (length <= 0xFFFF)
        return {0x82, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
    if (length <= 0xFFFFFF)
        return {0x83, static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 8),
                static_cast<std::uint8_t>(length)};
    throw TlvError("TLV value longer than 16 MB");
}

Bytes encodeTlv(TlvTag tag, ByteView value) {
    Bytes out;
    const std::size_t tagLength = encodedTagLength(tag);
    out.reserve(tagLength + 4 + value.size());
    for (std::size_t i = tagLength; i-- > 0;) out.push_back(static_cast<std::uint8_t>(tag >> (8 * i)));
    const Bytes length = encodeLength(value.size());
    out.insert(out.end(), length.begin(), length.end());
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

std::pair<Tlv, std::size_t> parseTlvPrefix(ByteView bytes) {
    const auto [tag, tagLength] = readTag(bytes);
    const auto [length, lengthLength] = readLength(bytes.subspan(tagLength));
    const std::size_t header = tagLength + lengthLength;
    if (length > bytes.size() - header)
        throw TlvError("TLV value of " + std::to_string(length) + " bytes overruns the " +
                       std::to_string(bytes.size() - header) + " bytes available");
    const ByteView value = bytes.subspan(header, length);
    return {Tlv{tag, Bytes(value.begin(), value.end())}, header + length};
}

std::vector<Tlv> parseTlvs(ByteView bytes) {
    std::vector<Tlv> out;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
        if (bytes[offset] == 0x00 || bytes[offset] == 0xFF) {  // inter-object padding
            ++offset;
            continue;
        }
        auto [tlv, used] = parseTlvPrefix(bytes.subspan(offset));
        out.push_back(std::move(tlv));
        offset += used;
    }
    return out;
}

Tlv parseSingleTlv(ByteView bytes) {
    auto [tlv, used] = parseTlvPrefix(bytes);
    if (used != bytes.size())
        throw TlvError(std::to_string(bytes.size() - used) + " unexpected bytes after a TLV");
    return std::move(tlv);
}

std::optional<Bytes> findTlv(const std::vector<Tlv>& tlvs, TlvTag tag) {
    for (const Tlv& tlv : tlvs)
        if (tlv.tag == tag) return tlv.value;
    return std::nullopt;
}

} // namespace fmc::card
