#include "crypto/pki/key_store_factory.hpp"

#include "crypto/pki/encrypted_file_key_store.hpp"
#include "crypto/pki/passphrase_source.hpp"
#include "crypto/pki/pkcs11_key_store.hpp"

#include <filesystem>
#include <string>

namespace fmc::crypto::pki {

bool isPkcs11Location(std::string_view location) { return location.substr(0, 7) == "pkcs11:"; }

std::unique_ptr<KeyStore> openKeyStore(std::string_view location) {
    if (isPkcs11Location(location)) return Pkcs11KeyStore::open(location, pinFromEnvironmentOrPrompt());
    const std::filesystem::path path{std::string(location)};
    return EncryptedFileKeyStore::open(path, passphraseFromEnvironmentOrPrompt("Key passphrase: "));
}

std::unique_ptr<KeyStore> createKeyStore(std::string_view location, Curve curve) {
    if (isPkcs11Location(location)) return Pkcs11KeyStore::generate(location, curve, pinFromEnvironmentOrPrompt());
    const std::filesystem::path path{std::string(location)};
    return EncryptedFileKeyStore::create(path, curve, passphraseFromEnvironmentOrPrompt("New key passphrase: "));
}

} // namespace fmc::crypto::pki
