#include "crypto/pki/card_uuid.hpp"

#include <stdexcept>

namespace fmc::crypto::pki {

namespace {
constexpr std::string_view kPrefix = "urn:uuid:";

bool hasUrnPrefix(std::string_view text) {
    if (text.size() < kPrefix.size()) return false;
    // Letters in either case (RFC 8141); `| 0x20` alone would also take 0x1A for ':'.
    for (std::size_t i = 0; i < kPrefix.size(); ++i) {
        const char c = text[i];
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != kPrefix[i]) return false;
    }
    return true;
}
} // namespace

std::string uuidUrn(const CardUuid& uuid) { return std::string(kPrefix) + uuidToString(uuid); }

CardUuid uuidFromUrn(std::string_view urn) {
    if (!hasUrnPrefix(urn)) throw std::invalid_argument("not a urn:uuid URI");
    return uuidFromString(urn.substr(kPrefix.size()));
}

} // namespace fmc::crypto::pki
