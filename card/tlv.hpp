#pragma once
// BER-TLV (ISO 7816-4 §5.2, ITU-T X.690 §8.1): tags of 1-3 bytes, lengths up to 3 bytes.
#include "crypto/bytes.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace fmc::card {

// A tag is kept as its encoded bytes read big-endian: 0x53, 0x7F49, 0x5FC102.
using TlvTag = std::uint32_t;

struct Tlv {
    TlvTag tag;
    Bytes value;
    bool operator==(const Tlv&) const = default;
};

[[nodiscard]] bool isConstructedTag(TlvTag tag);

// Encodes one TLV with the shortest length form (short form below 128, as yubico-piv-tool
// and OpenSC expect for small objects).
[[nodiscard]] Bytes encodeTlv(TlvTag tag, ByteView value);
[[nodiscard]] Bytes encodeLength(std::size_t length);

// Parses a sequence of TLVs that must fill `bytes` exactly; 00 and FF padding between
// objects is skipped (ISO 7816-4 §5.2). Throws TlvError on anything malformed.
[[nodiscard]] std::vector<Tlv> parseTlvs(ByteView bytes);
// Parses exactly one TLV that fills `bytes`.
[[nodiscard]] Tlv parseSingleTlv(ByteView bytes);
// Parses one TLV at the start of `bytes`; returns it and the number of bytes it used.
[[nodiscard]] std::pair<Tlv, std::size_t> parseTlvPrefix(ByteView bytes);

// First TLV with `tag` among `tlvs`.
[[nodiscard]] std::optional<Bytes> findTlv(const std::vector<Tlv>& tlvs, TlvTag tag);

} // namespace fmc::card
