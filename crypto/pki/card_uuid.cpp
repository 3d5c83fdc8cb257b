#include "crypto/pki/card_uuid.hpp"

#include <stdexcept>

namespace fmc::crypto::pki {

namespace {
constexpr std::string_view prefix = "urn:uuid:";
constexpr std::string_view digits = "0123456789abcdef";

bool isDashPosition(std::size_t index) { return index == 8 || index == 13 || index == 18 || index == 23; }

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
} // namespace

std::string uuidUrn(const CardUuid& uuid) {
    std::string out(prefix);
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += digits[uuid[i] >> 4];
        out += digits[uuid[i] & 0x0F];
    }
    return out;
}

CardUuid uuidFromUrn(std::string_view urn) {
    if (urn.size() != prefix.size() + 36) throw std::invalid_argument("not a urn:uuid URI");
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if ((urn[i] | 0x20) != prefix[i] && urn[i] != prefix[i]) throw std::invalid_argument("not a urn:uuid URI");
    const std::string_view text = urn.substr(prefix.size());
    CardUuid uuid{};
    std::size_t out = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (isDashPosition(i)) {
            if (text[i] != '-') throw std::invalid_argument("malformed UUID");
            ++i;
            continue;
        }
        const int high = nibble(text[i]);
        const int low = nibble(text[i + 1]);
        if (high < 0 || low < 0 || isDashPosition(i + 1)) throw std::invalid_argument("malformed UUID");
        uuid[out++] = static_cast<std::uint8_t>(high << 4 | low);
        i += 2;
    }
    return uuid;
}

} // namespace fmc::crypto::pki
