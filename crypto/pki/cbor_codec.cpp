#include "crypto/pki/cbor_codec.hpp"

#include "crypto/crypto_error.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace fmc::crypto::pki::cbor {

namespace {

Item adopt(cbor_item_t* item) {
    if (item == nullptr) throw CryptoError("out of memory building CBOR");
    return Item(item);
}

// libcbor writes an integer in the width its item was built with (an 8-bit item with a value
// under 24 goes into the initial byte), so the smallest width that holds the value is the
// shortest form RFC 8949 §4.2.1 asks for.
Item unsignedArgument(std::uint64_t value, bool negative) {
    if (value <= 0xFF)
        return adopt(negative ? cbor_build_negint8(static_cast<std::uint8_t>(value))
                              : cbor_build_uint8(static_cast<std::uint8_t>(value)));
    if (value <= 0xFFFF)
        return adopt(negative ? cbor_build_negint16(static_cast<std::uint16_t>(value))
                              : cbor_build_uint16(static_cast<std::uint16_t>(value)));
    if (value <= 0xFFFFFFFF)
        return adopt(negative ? cbor_build_negint32(static_cast<std::uint32_t>(value))
                              : cbor_build_uint32(static_cast<std::uint32_t>(value)));
    return adopt(negative ? cbor_build_negint64(value) : cbor_build_uint64(value));
}

[[noreturn]] void refuse(const std::string& what, const std::string& why) {
    throw MalformedCertificateError(what + ": " + why);
}

constexpr int maxDepth = 8;

// The offset just past the data item at `offset` (RFC 8949 §3), refusing what the strict
// form never holds. Only lengths are checked here; types are the caller's business.
std::size_t skipItem(ByteView data, std::size_t offset, int depth, const std::string& what) {
    if (depth > maxDepth) refuse(what, "CBOR nested too deeply");
    if (offset >= data.size()) refuse(what, "CBOR ends inside a data item");
    const std::uint8_t initial = data[offset++];
    const int major = initial >> 5;
    const int info = initial & 0x1F;
    std::uint64_t argument = 0;
    if (info < 24) {
        argument = static_cast<std::uint64_t>(info);
    } else if (info <= 27) {
        const std::size_t width = std::size_t{1} << (info - 24);
        if (data.size() - offset < width) refuse(what, "CBOR ends inside a data item");
        for (std::size_t i = 0; i < width; ++i) argument = (argument << 8) | data[offset++];
    } else if (info == 31) {
        refuse(what, "indefinite-length CBOR (RFC 8949 §4.2.1 wants definite lengths)");
    } else {
        refuse(what, "reserved CBOR additional information");
    }
    const std::uint64_t left = data.size() - offset;
    switch (major) {
    case 2:  // byte string
    case 3:  // text string
        if (argument > left) refuse(what, "CBOR string longer than the input");
        return offset + static_cast<std::size_t>(argument);
    case 4:  // array: every element takes at least one byte
        if (argument > left) refuse(what, "CBOR array longer than the input");
        for (std::uint64_t i = 0; i < argument; ++i) offset = skipItem(data, offset, depth + 1, what);
        return offset;
    case 5:  // map: every pair takes at least two
        if (argument > left / 2) refuse(what, "CBOR map longer than the input");
        for (std::uint64_t i = 0; i < 2 * argument; ++i) offset = skipItem(data, offset, depth + 1, what);
        return offset;
    case 6:  // tag: one item follows
        return skipItem(data, offset, depth + 1, what);
    default:  // integers, simple values and floats: the argument was all of it
        return offset;
    }
}

} // namespace

Item integer(std::int64_t value) {
    if (value >= 0) return unsignedArgument(static_cast<std::uint64_t>(value), false);
    // -1 - value without overflow at INT64_MIN.
    return unsignedArgument(static_cast<std::uint64_t>(-(value + 1)), true);
}

Item byteString(ByteView bytes) {
    // libcbor copies `length` bytes; an empty string still needs a valid pointer.
    static const std::uint8_t none = 0;
    return adopt(cbor_build_bytestring(bytes.empty() ? &none : bytes.data(), bytes.size()));
}

Item textString(std::string_view text) { return adopt(cbor_build_stringn(text.empty() ? "" : text.data(), text.size())); }

Item array(std::vector<Item> items) {
    Item out = adopt(cbor_new_definite_array(items.size()));
    for (Item& item : items)
        if (!cbor_array_push(out.get(), item.get())) throw CryptoError("out of memory building CBOR");
    return out;
}

Item map(std::vector<std::pair<Item, Item>> pairs) {
    std::vector<std::pair<Bytes, std::size_t>> order;
    order.reserve(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) order.emplace_back(serialize(pairs[i].first.get()), i);
    std::sort(order.begin(), order.end());
    Item out = adopt(cbor_new_definite_map(pairs.size()));
    for (const auto& [key, index] : order) {
        static_cast<void>(key);
        if (!cbor_map_add(out.get(), {pairs[index].first.get(), pairs[index].second.get()}))
            throw CryptoError("out of memory building CBOR");
    }
    return out;
}

Bytes serialize(const cbor_item_t* item) {
    unsigned char* buffer = nullptr;
    std::size_t capacity = 0;
    const std::size_t length = cbor_serialize_alloc(item, &buffer, &capacity);
    if (length == 0 || buffer == nullptr) {
        std::free(buffer);
        throw CryptoError("encoding CBOR failed");
    }
    Bytes out(buffer, buffer + length);
    std::free(buffer);
    return out;
}

Item load(ByteView bytes, const std::string& what) {
    if (bytes.empty()) refuse(what, "empty");
    if (skipItem(bytes, 0, 0, what) != bytes.size()) refuse(what, "trailing bytes after the CBOR data item");
    cbor_load_result result{};
    cbor_item_t* item = cbor_load(bytes.data(), bytes.size(), &result);
    if (item == nullptr || result.error.code != CBOR_ERR_NONE) {
        if (item != nullptr) cbor_decref(&item);
        refuse(what, "CBOR does not decode (libcbor error " + std::to_string(static_cast<int>(result.error.code)) +
                         " at byte " + std::to_string(result.error.position) + ")");
    }
    Item owned(item);
    if (result.read != bytes.size()) refuse(what, "trailing bytes after the CBOR data item");
    return owned;
}

std::optional<std::int64_t> integerValue(const cbor_item_t* item) {
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (cbor_isa_uint(item)) {
        const std::uint64_t value = cbor_get_int(item);
        if (value > max) return std::nullopt;
        return static_cast<std::int64_t>(value);
    }
    if (cbor_isa_negint(item)) {
        const std::uint64_t value = cbor_get_int(item);  // the item is -1 - value
        if (value > max) return std::nullopt;
        return -1 - static_cast<std::int64_t>(value);
    }
    return std::nullopt;
}

std::optional<Bytes> byteStringValue(const cbor_item_t* item) {
    if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
    const std::size_t length = cbor_bytestring_length(item);
    if (length == 0) return Bytes{};
    const unsigned char* data = cbor_bytestring_handle(item);
    return Bytes(data, data + length);
}

std::optional<std::string> textStringValue(const cbor_item_t* item) {
    if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
    const std::size_t length = cbor_string_length(item);
    if (length == 0) return std::string();
    return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), length);
}

} // namespace fmc::crypto::pki::cbor
