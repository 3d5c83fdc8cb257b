#pragma once
// The little CBOR (RFC 8949) the tag credential needs, over libcbor 0.8: owning item handles,
// builders that always produce the core deterministic encoding (§4.2.1: shortest integer and
// length forms, definite lengths, map keys in bytewise order of their encodings), and a
// strict loader. Internal to crypto/pki: only .cpp files include it (libcbor is linked PRIVATE).
#include "crypto/bytes.hpp"

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fmc::crypto::pki::cbor {

struct ItemDeleter {
    void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
// One reference to a libcbor item; containers take their own reference when an item is added.
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

// Builders; each throws CryptoError when libcbor cannot allocate.
[[nodiscard]] Item integer(std::int64_t value);
[[nodiscard]] Item byteString(ByteView bytes);
[[nodiscard]] Item textString(std::string_view text);
[[nodiscard]] Item array(std::vector<Item> items);
// The pairs are sorted here by the bytes of their encoded keys (RFC 8949 §4.2.1), whatever
// order they come in.
[[nodiscard]] Item map(std::vector<std::pair<Item, Item>> pairs);

[[nodiscard]] Bytes serialize(const cbor_item_t* item);

// Exactly one data item filling `bytes`, through cbor_load. Before libcbor sees the input, a
// walk refuses indefinite lengths, reserved encodings, nesting deeper than 8 and any declared
// length or count beyond the bytes left: libcbor 0.8 allocates a definite array's or map's
// slots from its header alone, so a 9-byte header could ask for 2^64 of them. Throws
// MalformedCertificateError naming `what`.
[[nodiscard]] Item load(ByteView bytes, const std::string& what);

// Readers for decoded items: nullopt when the item is not of that type (or an integer does
// not fit in 64 signed bits).
[[nodiscard]] std::optional<std::int64_t> integerValue(const cbor_item_t* item);
[[nodiscard]] std::optional<Bytes> byteStringValue(const cbor_item_t* item);
[[nodiscard]] std::optional<std::string> textStringValue(const cbor_item_t* item);

} // namespace fmc::crypto::pki::cbor
