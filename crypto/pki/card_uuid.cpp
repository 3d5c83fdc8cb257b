#include "crypto/pki/card_uuid.hpp"

#include <stdexcept>

namespace fmc::crypto::pki {

namespace {
constexpr std::string_view kPrefix = "urn:uuid:";

bool hasUrnPrefix(std::string_view text) {
    if (text.size() < kPrefix.size()) return false;
    for (std::size_t i = 0; i < kPrefix.size(); ++i)
        if ((text[i] | 0x20) != kPrefix[i] && text[i] != kPrefix[i]) return false;
    return true;
}
} // namespace

std::string uuidUrn(const CardUuid& uuid) { return std::string(kPrefix) + uuidToString(uuid); }

CardUuid uuidFromUrn(std::string_view urn) {
    if (!hasUrnPrefix(urn)) throw std::invalid_argument("not a urn:uuid URI");
    return uuidFromString(urn.substr(kPrefix.size()));
}

} // namespace fmc::crypto::pki
