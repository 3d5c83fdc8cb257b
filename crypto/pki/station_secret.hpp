#pragma once
// The issuance station's secret: 32 random bytes from which the station derives, per card,
// the PIV management key it puts on the card and the card's PUK. Only a station holding the
// secret can then rewrite a card it issued, reset its PIN or wipe it, and the station keeps no
// per-card key table: the card UUID is enough to recompute both values.
//
// The secret lives where the CA key lives (see key_store_factory.hpp):
//   - a file path: the secret sealed with AES-256-GCM under a key derived by scrypt from the
//     passphrase (FMC_KEY_PASSPHRASE or a prompt);
//   - a `pkcs11:` URI, e.g. `pkcs11:token=fmc-station;object=station-secret`: a private
//     generic-secret object on the token, readable only after login with the user PIN
//     (FMC_PKCS11_PIN or a prompt; module from FMC_PKCS11_MODULE or SoftHSM2).
#include "crypto/bytes.hpp"
#include "crypto/uuid.hpp"

#include <cstddef>
#include <string_view>

namespace fmc::crypto::pki {

inline constexpr std::size_t stationSecretLength = 32;
inline constexpr std::size_t cardManagementKeyLength = 32;  // an AES-256 key
inline constexpr std::size_t cardPukLength = 8;             // PIV PUKs are 8 bytes (RESET RETRY COUNTER)

// Makes a new random secret at `location`. Refuses a file that exists or a token object with
// that label (the old secret would be lost, and with it every card issued under it). Throws
// KeyStoreError for that and for I/O or token errors, WrongPinError for a wrong PIN.
[[nodiscard]] SecretBytes createStationSecret(std::string_view location);

// Reads the secret at `location`. Throws WrongPassphraseError (file) or WrongPinError (token)
// when the credential is wrong, KeyStoreError when the file or object is missing or corrupt.
[[nodiscard]] SecretBytes openStationSecret(std::string_view location);

// The card's PIV management key (AES-256, 32 bytes): HKDF-SHA256 (RFC 5869) of the station
// secret, no salt, info "fmc card management key v1" || the 16 UUID bytes.
[[nodiscard]] SecretBytes deriveCardManagementKey(const SecretBytes& stationSecret, const Uuid& cardUuid);

// The card's PUK: 8 ASCII decimal digits, from HKDF-SHA256 with info "fmc card puk v1" || UUID.
[[nodiscard]] SecretBytes deriveCardPuk(const SecretBytes& stationSecret, const Uuid& cardUuid);

} // namespace fmc::crypto::pki
