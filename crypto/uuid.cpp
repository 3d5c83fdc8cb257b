#include "crypto/uuid.hpp"

#include "crypto/bytes.hpp"
#include "crypto/random.hpp"

#include <algorithm>
#include <stdexcept>

namespace fmc {

std::string uuidToString(const Uuid& uuid) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(36);
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
        text.push_back(kDigits[uuid[i] >> 4]);
        text.push_back(kDigits[uuid[i] & 0x0F]);
    }
    return text;
}

Uuid uuidFromString(std::string_view text) {
    constexpr std::string_view kUrnPrefix = "urn:uuid:";
    if (text.size() > kUrnPrefix.size() && text.substr(0, kUrnPrefix.size()) == kUrnPrefix)
        text.remove_prefix(kUrnPrefix.size());
    const auto invalid = [&] {
        return std::invalid_argument("not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): \"" +
                                     std::string(text) + "\"");
    };
    if (text.size() != 36) throw invalid();
    std::string digits;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dashPosition = i == 8 || i == 13 || i == 18 || i == 23;
        if (dashPosition != (text[i] == '-')) throw invalid();
        if (!dashPosition) digits.push_back(text[i]);
    }
    Bytes bytes;
    try {
        bytes = fromHex(digits);
    } catch (const std::invalid_argument&) {
        throw invalid();
    }
    if (bytes.size() != 16) throw invalid();  // fromHex skips spaces and colons
    Uuid uuid{};
    std::copy(bytes.begin(), bytes.end(), uuid.begin());
    return uuid;
}

Uuid randomUuid() {
    const Bytes random = crypto::randomBytes(16);
    Uuid uuid{};
    std::copy(random.begin(), random.end(), uuid.begin());
    uuid[6] = static_cast<std::uint8_t>((uuid[6] & 0x0F) | 0x40);  // RFC 4122 §4.4: version 4
    uuid[8] = static_cast<std::uint8_t>((uuid[8] & 0x3F) | 0x80);  // variant 10
    return uuid;
}

} // namespace fmc
