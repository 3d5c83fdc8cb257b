#pragma once
// Raw DER codec of FmcCardAttributes built with OpenSSL's ASN.1 templates. Internal: callers
// use CardAttributes, which validates the values.
#include "crypto/bytes.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fmc::crypto::pki::asn1 {

struct RawCardAttributes {
    std::vector<std::string> entitlements;
    std::string preferredLanguage;
    Bytes personalDataDigest;
};

[[nodiscard]] Bytes encodeCardAttributes(const RawCardAttributes& value);
// nullopt when the DER does not parse against the template.
[[nodiscard]] std::optional<RawCardAttributes> decodeCardAttributes(ByteView der);

} // namespace fmc::crypto::pki::asn1
