#pragma once
// The default key store: a CA key in an encrypted PKCS#8 PEM file (RFC 5958 §3,
// EncryptedPrivateKeyInfo) protected with PBES2 (RFC 8018 §6.2): scrypt (RFC 7914) as the
// key-derivation function and AES-256-CBC. The same file opens with
// `openssl pkey -in FILE -passin env:FMC_KEY_PASSPHRASE`, which is how the root key is taken
// into offline custody and brought back.
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/pki/key_store.hpp"

#include <filesystem>
#include <memory>

namespace fmc::crypto::pki {

class EncryptedFileKeyStore final : public KeyStore {
public:
    // Writes `key` to `path` (mode 0600, written to a temporary file and renamed, so a crash
    // never leaves half a key). Refuses an empty passphrase and an existing file.
    static void write(const std::filesystem::path& path, const EcPrivateKey& key, const SecretBytes& passphrase);
    // Generates a key on `curve`, writes it, and returns the opened store.
    static std::unique_ptr<EncryptedFileKeyStore> create(const std::filesystem::path& path, Curve curve,
                                                         const SecretBytes& passphrase);
    // Throws WrongPassphraseError when the passphrase does not decrypt the file, KeyStoreError
    // when the file is missing or is not an encrypted PKCS#8 key.
    static std::unique_ptr<EncryptedFileKeyStore> open(const std::filesystem::path& path, const SecretBytes& passphrase);

    [[nodiscard]] EcPublicKey publicKey() const override { return key_.publicKey(); }

protected:
    [[nodiscard]] EVP_PKEY* signingKey() const override { return key_.native(); }

private:
    explicit EncryptedFileKeyStore(EcPrivateKey key) : key_(std::move(key)) {}
    EcPrivateKey key_;
};

} // namespace fmc::crypto::pki
