#pragma once
// The card UUID as it appears in the 9E certificate's subjectAltName: a "urn:uuid:" URI
// (RFC 4122 §3, RFC 5280 §4.2.1.6). The same 16 bytes are the CHUID GUID (crypto/uuid.hpp).
#include "crypto/uuid.hpp"

#include <string>
#include <string_view>

namespace fmc::crypto::pki {

using CardUuid = Uuid;

// "urn:uuid:01234567-89ab-cdef-0123-456789abcdef" (lower case).
[[nodiscard]] std::string uuidUrn(const CardUuid& uuid);
// Accepts exactly that form (either case); throws std::invalid_argument otherwise.
[[nodiscard]] CardUuid uuidFromUrn(std::string_view urn);

} // namespace fmc::crypto::pki
