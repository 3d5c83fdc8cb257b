#pragma once
// One way for the programs to turn `--key-store file|pkcs11:URI` into a KeyStore, so the
// station's workflows never care where the CA key lives.
#include "crypto/ec_key.hpp"
#include "crypto/pki/key_store.hpp"

#include <memory>
#include <string_view>

namespace fmc::crypto::pki {

// A `pkcs11:` URI opens the token key (PIN from FMC_PKCS11_PIN or a prompt; module from
// FMC_PKCS11_MODULE or SoftHSM2); anything else is the path of an encrypted key file
// (passphrase from FMC_KEY_PASSPHRASE or a prompt). Throws what the store's open throws.
[[nodiscard]] std::unique_ptr<KeyStore> openKeyStore(std::string_view location);

// The same, for a new CA key: a key pair generated on the token, or a new key file.
[[nodiscard]] std::unique_ptr<KeyStore> createKeyStore(std::string_view location, Curve curve);

[[nodiscard]] bool isPkcs11Location(std::string_view location);

} // namespace fmc::crypto::pki
