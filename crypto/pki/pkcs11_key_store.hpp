#pragma once
// A CA key on a PKCS#11 token (an HSM; SoftHSM2 in the tests), addressed by a `pkcs11:` URI
// (RFC 7512), e.g. `pkcs11:token=fmc-station-1;object=issuing-ca;type=private`.
//
// Signing goes through libp11's OpenSSL engine: ENGINE_load_private_key returns an EVP_PKEY
// whose ECDSA operation is C_Sign on the token, so KeyStore::signCertificate and
// signRevocationList (X509_sign / X509_CRL_sign) are the same code as for the key file and
// the private key never leaves the token. Generation uses the raw PKCS#11 API
// (C_GenerateKeyPair) because libp11 0.4.12 can only generate RSA keys.
//
// One module per process: libp11 keeps the module loaded until the process ends, and PKCS#11
// login state belongs to the process, so open stores on one module (and one SoftHSM2
// configuration) per process. open() checks the PIN with C_Login every time (checkPin), so
// an earlier login never lets a wrong PIN through.
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/pki/key_store.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct engine_st ENGINE;  // NOLINT: OpenSSL's own forward declaration

namespace fmc::crypto::pki {

inline constexpr const char* pkcs11ModuleEnvironmentVariable = "FMC_PKCS11_MODULE";
inline constexpr const char* pkcs11PinEnvironmentVariable = "FMC_PKCS11_PIN";
inline constexpr const char* defaultPkcs11Module = "/usr/lib/softhsm/libsofthsm2.so";

// The token refused the user PIN (CKR_PIN_INCORRECT). A KeyStoreError, so callers that only
// care that the key could not be opened catch one type.
class WrongPinError : public KeyStoreError {
public:
    using KeyStoreError::KeyStoreError;
};

// FMC_PKCS11_PIN when set, else a prompt on /dev/tty with echo off. Throws KeyStoreError when
// neither is available. Never falls back to FMC_KEY_PASSPHRASE (that is the key file's).
[[nodiscard]] SecretBytes pinFromEnvironmentOrPrompt();

// The module to load: `requested` when given, else FMC_PKCS11_MODULE, else SoftHSM2.
[[nodiscard]] std::string pkcs11ModulePath(const std::optional<std::string>& requested = std::nullopt);

class Pkcs11KeyStore final : public KeyStore {
public:
    // Opens the private key named by `uri`. Throws WrongPinError for CKR_PIN_INCORRECT,
    // KeyStoreError when the module does not load, the engine is missing, or no token/key
    // matches the URI. `uri` must not carry a pin-value: the PIN is passed separately.
    static std::unique_ptr<Pkcs11KeyStore> open(std::string_view uri, const SecretBytes& pin,
                                                const std::optional<std::string>& modulePath = std::nullopt);

    // Generates an EC key pair on the token named by the URI's `token=`, labelled with its
    // `object=` (and `id=` when given, else a random 8-byte CKA_ID): private key CKA_TOKEN,
    // CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_SIGN only. Refuses a label that
    // already names a private key. Then opens it as above.
    static std::unique_ptr<Pkcs11KeyStore> generate(std::string_view uri, Curve curve, const SecretBytes& pin,
                                                    const std::optional<std::string>& modulePath = std::nullopt);

    Pkcs11KeyStore(const Pkcs11KeyStore&) = delete;
    Pkcs11KeyStore& operator=(const Pkcs11KeyStore&) = delete;
    ~Pkcs11KeyStore() override;

    [[nodiscard]] EcPublicKey publicKey() const override { return publicKey_; }
    [[nodiscard]] const std::string& uri() const { return uri_; }

protected:
    [[nodiscard]] EVP_PKEY* signingKey() const override { return privateKey_; }

private:
    // C_Login with `pin` on the URI's token, even when this process is already logged in.
    static void checkPin(std::string_view uri, const SecretBytes& pin, const std::string& modulePath);
    Pkcs11KeyStore(ENGINE* engine, EVP_PKEY* privateKey, EcPublicKey publicKey, std::string uri);

    ENGINE* engine_;        // a functional reference, released (ENGINE_finish) in the destructor
    EVP_PKEY* privateKey_;  // an engine key: a handle to the token object, no key material
    EcPublicKey publicKey_;
    std::string uri_;
};

} // namespace fmc::crypto::pki
