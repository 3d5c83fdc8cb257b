// The PKCS#11 key store's signing side: libp11's OpenSSL engine. The ENGINE API is deprecated
// in OpenSSL 3.0 and Debian 12 ships no pkcs11-provider, so this is the one file of the
// project built with -Wno-deprecated-declarations (see crypto/pki/sources.cmake).
#include "crypto/pki/pkcs11_key_store.hpp"

#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/passphrase_source.hpp"

#include <libp11.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace fmc::crypto::pki {

namespace {

// PKCS#11 v2.40 §11.1 return values that deserve their own message.
constexpr unsigned long ckrPinIncorrect = 0xA0;
constexpr unsigned long ckrPinLocked = 0xA4;

struct EngineReleaser {
    // A structural reference from ENGINE_by_id.
    void operator()(ENGINE* engine) const noexcept { ENGINE_free(engine); }
};
using EngineHandle = std::unique_ptr<ENGINE, EngineReleaser>;

// The functional reference from ENGINE_init: finishing it unloads the module once no other
// store holds one, which also ends the token login.
class EngineSession {
public:
    explicit EngineSession(EngineHandle engine) : engine_(std::move(engine)) {}
    EngineSession(const EngineSession&) = delete;
    EngineSession& operator=(const EngineSession&) = delete;
    ~EngineSession() {
        if (engine_) ENGINE_finish(engine_.get());
    }
    [[nodiscard]] ENGINE* get() const { return engine_.get(); }
    // Hands both references to the store.
    ENGINE* release() { return engine_.release(); }

private:
    EngineHandle engine_;
};

// The OpenSSL error queue as text, cleared. libp11 reports PKCS#11 failures there with the
// CKR value as the reason code, so the token's own answer is in the message.
std::string drainErrors(bool& pinIncorrect, bool& pinLocked) {
    std::string text;
    const int ckrLibrary = ERR_get_CKR_code();
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        if (ERR_GET_LIB(code) == ckrLibrary) {
            pinIncorrect = pinIncorrect || ERR_GET_REASON(code) == static_cast<int>(ckrPinIncorrect);
            pinLocked = pinLocked || ERR_GET_REASON(code) == static_cast<int>(ckrPinLocked);
        }
        char line[256];
        ERR_error_string_n(code, line, sizeof line);
        if (!text.empty()) text += "; ";
        text += line;
    }
    return text.empty() ? "no detail from OpenSSL" : text;
}

std::string drainErrors() {
    bool ignoredIncorrect = false;
    bool ignoredLocked = false;
    return drainErrors(ignoredIncorrect, ignoredLocked);
}

void requireUsableUri(std::string_view uri) {
    if (uri.substr(0, 7) != "pkcs11:") throw KeyStoreError("not a pkcs11: URI: " + std::string(uri));
    // A PIN in the URI would end up in shell history and process listings.
    if (uri.find("pin-value") != std::string_view::npos)
        throw KeyStoreError("refusing a pkcs11: URI with pin-value; pass the PIN via " +
                            std::string(pkcs11PinEnvironmentVariable) + " or the prompt");
}

// The engine wants a NUL-terminated PIN; this copy is wiped however the call ends.
class PinString {
public:
    explicit PinString(const SecretBytes& pin) : text_(pin.size() + 1, '\0') {
        if (std::memchr(pin.data(), 0, pin.size()) != nullptr) throw KeyStoreError("a token PIN cannot contain NUL");
        std::memcpy(text_.data(), pin.data(), pin.size());
    }
    PinString(const PinString&) = delete;
    PinString& operator=(const PinString&) = delete;
    ~PinString() { OPENSSL_cleanse(text_.data(), text_.size()); }
    [[nodiscard]] const char* c_str() const { return text_.data(); }

private:
    std::string text_;
};

EngineHandle pkcs11Engine() {
    // ENGINE_by_id falls back to the dynamic loader, which finds libp11's pkcs11.so in
    // OpenSSL's engines directory (or $OPENSSL_ENGINES).
    EngineHandle engine(ENGINE_by_id("pkcs11"));
    if (!engine)
        throw KeyStoreError("OpenSSL has no pkcs11 engine (install libengine-pkcs11-openssl): " + drainErrors());
    // libp11 keeps its method tables in static memory of the engine library. When the last
    // reference goes, OpenSSL unloads that library and the tables leak (LeakSanitizer sees
    // them after a failed open). One reference held for the process keeps the library loaded.
    static ENGINE* const keepLibraryLoaded = [] {
        ENGINE* held = ENGINE_by_id("pkcs11");
        ERR_clear_error();
        return held;
    }();
    (void)keepLibraryLoaded;
    return engine;
}

// The public half: libp11 fills the engine's private EVP_PKEY with the token's EC point
// (from the public-key object or certificate with the same CKA_ID); when it cannot, ask for
// the public object explicitly.
EcPublicKey publicKeyOf(ENGINE* engine, EVP_PKEY* privateKey, std::string_view uri) {
    const auto fromPkey = [](EVP_PKEY* key) -> std::optional<EcPublicKey> {
        unsigned char* der = nullptr;
        const int length = i2d_PUBKEY(key, &der);
        if (length <= 0 || der == nullptr) {
            ERR_clear_error();
            return std::nullopt;
        }
        Bytes spki(der, der + length);
        OPENSSL_free(der);
        try {
            return EcPublicKey::fromSubjectPublicKeyInfo(spki);
        } catch (const CryptoError&) {
            return std::nullopt;
        }
    };
    if (auto key = fromPkey(privateKey)) return *key;
    std::string publicUri(uri);
    if (const auto type = publicUri.find("type=private"); type != std::string::npos)
        publicUri.replace(type, 12, "type=public");
    EvpPkeyHandle publicKey(ENGINE_load_public_key(engine, publicUri.c_str(), nullptr, nullptr));
    if (publicKey)
        if (auto key = fromPkey(publicKey.get())) return *key;
    throw KeyStoreError("no EC public key for " + std::string(uri) + ": " + drainErrors());
}

} // namespace

SecretBytes pinFromEnvironmentOrPrompt() {
    if (const char* value = std::getenv(pkcs11PinEnvironmentVariable))
        return SecretBytes(std::string_view(value, std::strlen(value)));
    // The prompt helper would return the key file's passphrase when that is set; a PIN must
    // never silently be some other secret.
    if (std::getenv(passphraseEnvironmentVariable) != nullptr)
        throw KeyStoreError(std::string("no token PIN: set ") + pkcs11PinEnvironmentVariable);
    try {
        return passphraseFromEnvironmentOrPrompt("Token PIN: ");
    } catch (const KeyStoreError&) {
        throw KeyStoreError(std::string("no token PIN: set ") + pkcs11PinEnvironmentVariable + " or run on a terminal");
    }
}

std::string pkcs11ModulePath(const std::optional<std::string>& requested) {
    if (requested && !requested->empty()) return *requested;
    if (const char* value = std::getenv(pkcs11ModuleEnvironmentVariable); value != nullptr && *value != '\0')
        return value;
    return defaultPkcs11Module;
}

std::unique_ptr<Pkcs11KeyStore> Pkcs11KeyStore::open(std::string_view uri, const SecretBytes& pin,
                                                     const std::optional<std::string>& modulePath) {
    requireUsableUri(uri);
    const std::string module = pkcs11ModulePath(modulePath);
    // The engine would report a missing module only as a failed load; say what is missing.
    if (!std::filesystem::exists(module)) throw KeyStoreError("PKCS#11 module not found: " + module);
    ERR_clear_error();
    checkPin(uri, pin, module);

    EngineHandle engine = pkcs11Engine();
    if (ENGINE_ctrl_cmd_string(engine.get(), "MODULE_PATH", module.c_str(), 0) != 1)
        throw KeyStoreError("pkcs11 engine refused MODULE_PATH " + module + ": " + drainErrors());
    {
        const PinString pinText(pin);
        // libp11 copies the PIN and wipes its copy when the engine is finished or a login fails.
        if (ENGINE_ctrl_cmd_string(engine.get(), "PIN", pinText.c_str(), 0) != 1)
            throw KeyStoreError("pkcs11 engine refused the PIN control: " + drainErrors());
    }
    if (ENGINE_init(engine.get()) != 1)
        throw KeyStoreError("cannot initialise the pkcs11 engine with " + module + ": " + drainErrors());
    EngineSession session(std::move(engine));

    const std::string uriText(uri);
    EvpPkeyHandle privateKey(ENGINE_load_private_key(session.get(), uriText.c_str(), nullptr, nullptr));
    if (!privateKey) {
        bool pinIncorrect = false;
        bool pinLocked = false;
        const std::string detail = drainErrors(pinIncorrect, pinLocked);
        if (pinIncorrect) throw WrongPinError("wrong PIN for " + uriText + " (CKR_PIN_INCORRECT)");
        if (pinLocked) throw KeyStoreError("the token PIN is locked (CKR_PIN_LOCKED): " + uriText);
        throw KeyStoreError("no private key at " + uriText + " on " + module +
                            " (token absent or no such object): " + detail);
    }
    if (EVP_PKEY_get_base_id(privateKey.get()) != EVP_PKEY_EC)
        throw KeyStoreError("the key at " + uriText + " is not an EC key");
    EcPublicKey publicKey = publicKeyOf(session.get(), privateKey.get(), uri);
    ENGINE* owned = session.release();
    return std::unique_ptr<Pkcs11KeyStore>(
        new Pkcs11KeyStore(owned, privateKey.release(), std::move(publicKey), uriText));
}

Pkcs11KeyStore::Pkcs11KeyStore(ENGINE* engine, EVP_PKEY* privateKey, EcPublicKey publicKey, std::string uri)
    : engine_(engine), privateKey_(privateKey), publicKey_(std::move(publicKey)), uri_(std::move(uri)) {}

Pkcs11KeyStore::~Pkcs11KeyStore() {
    // The key holds its own engine reference; free it before the store's last one goes.
    EVP_PKEY_free(privateKey_);
    ENGINE_finish(engine_);
    ENGINE_free(engine_);
}

} // namespace fmc::crypto::pki
