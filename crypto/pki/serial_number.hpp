#pragma once
#include "crypto/bytes.hpp"

namespace fmc::crypto::pki {

// A fresh certificate serial number: 16 bytes, 126 of them random bits. RFC 5280 §4.1.2.2
// wants a positive INTEGER of at most 20 octets, CA/B Forum BR §7.1 at least 64 random bits.
// The top bit is cleared (positive) and the next one set (no leading zero octet, so the DER
// is always 16 content octets). Uniqueness across the authority is the registry's job: it
// records every serial and asks again on the (2^-126) chance of a collision.
[[nodiscard]] Bytes newSerialNumber();

} // namespace fmc::crypto::pki
