#pragma once
// Maps SP 800-78-4 Table 6-2 algorithm identifiers to the crypto layer's types.
#include "crypto/block_cipher.hpp"
#include "crypto/ec_key.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace fmc::card::piv {

// ECC P-256 (11) and P-384 (14); nullopt for anything else.
[[nodiscard]] std::optional<crypto::Curve> curveForAlgorithm(std::uint8_t algorithm);
// 3DES (03), AES-128 (08), AES-192 (0A), AES-256 (0C); nullopt for anything else.
[[nodiscard]] std::optional<crypto::BlockCipherAlgorithm> blockCipherForAlgorithm(std::uint8_t algorithm);

// Bytes of one field element: 32 for P-256, 48 for P-384. An uncompressed point is 1 + 2n
// bytes and the digest signed with the curve's key is n bytes (SP 800-78-4 §3).
[[nodiscard]] std::size_t fieldLength(crypto::Curve curve);

// Throws std::invalid_argument naming `what` for an algorithm this profile does not handle.
crypto::Curve requireEcAlgorithm(std::uint8_t algorithm, const char* what);
crypto::BlockCipherAlgorithm requireManagementKeyAlgorithm(std::uint8_t algorithm, const char* what);

} // namespace fmc::card::piv
