#pragma once
// RFC 4122 UUIDs: the card UUID is the CHUID's GUID and the 9E certificate's
// subjectAltName "urn:uuid:..." (RFC 4122 §3), so one definition serves card/ and crypto/pki.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace fmc {

using Uuid = std::array<std::uint8_t, 16>;

// "01234567-89ab-cdef-0123-456789abcdef" (lower case).
[[nodiscard]] std::string uuidToString(const Uuid& uuid);
// Accepts upper or lower case and an optional "urn:uuid:" prefix; throws std::invalid_argument.
[[nodiscard]] Uuid uuidFromString(std::string_view text);
// A random (version 4) UUID, for a new card.
[[nodiscard]] Uuid randomUuid();

} // namespace fmc
