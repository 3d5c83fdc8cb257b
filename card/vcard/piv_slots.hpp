#pragma once
// What the applet needs to know about key slots and secrets (SP 800-73-4 Part 1 §3.1,
// SP 800-78-4), shared by its command handlers.
#include "card/piv/piv_constants.hpp"
#include "crypto/block_cipher.hpp"
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"

#include <cstdint>
#include <optional>

namespace fmc::card::vcard {

// 9A, 9C, 9D, 9E and the retired key-management slots 82-95 hold asymmetric keys.
constexpr bool isAsymmetricSlot(std::uint8_t reference) {
    return reference == piv::key::kPivAuthentication || reference == piv::key::kDigitalSignature ||
           reference == piv::key::kKeyManagement || reference == piv::key::kCardAuthentication ||
           (reference >= 0x82 && reference <= 0x95);
}

enum class PinPolicy : std::uint8_t { never = 1, once = 2, always = 3 };  // (vendor) metadata values

// SP 800-73-4 Part 1 Table 4b: 9E never needs the PIN, 9C needs it before every use.
constexpr PinPolicy pinPolicyFor(std::uint8_t reference) {
    if (reference == piv::key::kCardAuthentication) return PinPolicy::never;
    if (reference == piv::key::kDigitalSignature) return PinPolicy::always;
    return PinPolicy::once;
}

inline std::optional<crypto::Curve> curveForAlgorithm(std::uint8_t algorithm) {
    if (algorithm == piv::algorithm::kEccP256) return crypto::Curve::p256;
    if (algorithm == piv::algorithm::kEccP384) return crypto::Curve::p384;
    return std::nullopt;
}

constexpr std::size_t fieldSize(crypto::Curve curve) { return curve == crypto::Curve::p256 ? 32 : 48; }

inline std::optional<crypto::BlockCipherAlgorithm> managementCipherFor(std::uint8_t algorithm) {
    switch (algorithm) {
        case piv::algorithm::kTripleDes: return crypto::BlockCipherAlgorithm::tripleDes;
        case piv::algorithm::kAes128: return crypto::BlockCipherAlgorithm::aes128;
        case piv::algorithm::kAes192: return crypto::BlockCipherAlgorithm::aes192;
        case piv::algorithm::kAes256: return crypto::BlockCipherAlgorithm::aes256;
        default: return std::nullopt;
    }
}

// SP 800-73-4 Part 2 §2.4.3: a PIN is 6-8 ASCII digits padded to 8 bytes with FF. The PUK
// may hold any byte values (but not FF, which is padding). Returns the unpadded secret, or
// nothing when the 8 bytes are not well formed.
std::optional<SecretBytes> unpadReferenceData(ByteView padded, bool digitsOnly);

} // namespace fmc::card::vcard
