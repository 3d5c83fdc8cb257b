#include "crypto/pki/station_secret.hpp"

#include "crypto/crypto_error.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/key_store_factory.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/passphrase_source.hpp"
#include "crypto/pki/pkcs11_key_store.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/random.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <string>

// Last: it includes the PKCS#11 header, whose compatibility part defines lower-case macros.
#include "crypto/pki/pkcs11_session.hpp"

namespace fmc::crypto::pki {

namespace {

using KdfHandle = OpenSslHandle<EVP_KDF, EVP_KDF_free>;
using KdfContextHandle = OpenSslHandle<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using CipherContextHandle = OpenSslHandle<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

// Wipes a working buffer however the function that holds it ends.
class ScratchBytes {
public:
    explicit ScratchBytes(std::size_t size) : bytes_(size) {}
    ScratchBytes(ScratchBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
    ScratchBytes(const ScratchBytes&) = delete;
    ScratchBytes& operator=(const ScratchBytes&) = delete;
    ~ScratchBytes() { secureWipe(bytes_.data(), bytes_.size()); }
    [[nodiscard]] std::uint8_t* data() { return bytes_.data(); }
    [[nodiscard]] std::size_t size() const { return bytes_.size(); }
    // Hands the bytes to a SecretBytes, which wipes them from then on.
    [[nodiscard]] SecretBytes release() { return SecretBytes(std::move(bytes_)); }

private:
    Bytes bytes_;
};

// ---- the sealed file -------------------------------------------------------------------------

// The same scrypt cost as the CA key file (encrypted_file_key_store.cpp, RFC 7914 §2): 16 MiB
// and ~50 ms per try. Fixed for format version 1; a new cost means a new header line.
constexpr std::uint64_t scryptN = 16384;
constexpr std::uint32_t scryptR = 8;
constexpr std::uint32_t scryptP = 1;

// File layout, all fixed lengths: header line || salt || passphrase check || nonce ||
// ciphertext || tag. Everything before the ciphertext is GCM additional data, so a changed
// header (say, a downgraded version) fails authentication like a changed ciphertext.
constexpr std::string_view fileHeader = "FMC station secret v1 scrypt aes-256-gcm\n";
constexpr std::size_t saltLength = 16;
// scrypt yields the AES key and, after it, a check value stored in the file. It tells a wrong
// passphrase (check differs) from a damaged file (check matches, tag fails). It gives a
// guesser nothing the GCM tag would not: each guess still costs one scrypt.
constexpr std::size_t checkLength = 16;
constexpr std::size_t nonceLength = 12;  // the GCM standard IV length (SP 800-38D §5.2.1.1)
constexpr std::size_t tagLength = 16;
constexpr std::size_t aesKeyLength = 32;
constexpr std::size_t additionalDataLength = fileHeader.size() + saltLength + checkLength + nonceLength;
constexpr std::size_t fileLength = additionalDataLength + stationSecretLength + tagLength;

int intLength(std::size_t length) {
    if (length > static_cast<std::size_t>(INT_MAX)) throw CryptoError("buffer too long for OpenSSL");
    return static_cast<int>(length);
}

// scrypt(passphrase, salt) -> AES key (32 bytes) || passphrase check (16 bytes).
ScratchBytes scryptKeys(const SecretBytes& passphrase, ByteView salt) {
    KdfHandle kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_SCRYPT, nullptr));
    if (!kdf) throwOpenSslError("fetching scrypt");
    KdfContextHandle context(EVP_KDF_CTX_new(kdf.get()));
    if (!context) throwOpenSslError("scrypt context");
    static const std::uint8_t none = 0;  // OpenSSL wants a pointer even for an empty passphrase
    std::uint64_t n = scryptN;
    std::uint32_t r = scryptR;
    std::uint32_t p = scryptP;
    const OSSL_PARAM parameters[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                          const_cast<std::uint8_t*>(passphrase.empty() ? &none : passphrase.data()),
                                          passphrase.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_end(),
    };
    ScratchBytes keys(aesKeyLength + checkLength);
    if (EVP_KDF_derive(context.get(), keys.data(), keys.size(), parameters) != 1) throwOpenSslError("scrypt");
    return keys;
}

CipherContextHandle gcmContext(bool encrypt, const std::uint8_t* key, ByteView nonce, ByteView additionalData) {
    CipherContextHandle context(EVP_CIPHER_CTX_new());
    if (!context) throwOpenSslError("cipher context");
    const int direction = encrypt ? 1 : 0;
    // AES-256-GCM's default IV length is 12 bytes, the nonce length, so no EVP_CTRL_GCM_SET_IVLEN.
    int ignored = 0;
    if (EVP_CipherInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key, nonce.data(), direction) != 1 ||
        EVP_CipherUpdate(context.get(), nullptr, &ignored, additionalData.data(), intLength(additionalData.size())) != 1)
        throwOpenSslError("AES-256-GCM setup");
    return context;
}

std::string seal(const SecretBytes& secret, const SecretBytes& passphrase) {
    const Bytes salt = randomBytes(saltLength);
    const Bytes nonce = randomBytes(nonceLength);
    ScratchBytes keys = scryptKeys(passphrase, salt);
    std::string file(fileHeader);
    file.append(salt.begin(), salt.end());
    file.append(reinterpret_cast<const char*>(keys.data()) + aesKeyLength, checkLength);
    file.append(nonce.begin(), nonce.end());
    const CipherContextHandle context =
        gcmContext(true, keys.data(), nonce, ByteView(reinterpret_cast<const std::uint8_t*>(file.data()), file.size()));
    Bytes sealed(stationSecretLength + tagLength);
    int length = 0;
    int finalLength = 0;
    if (EVP_EncryptUpdate(context.get(), sealed.data(), &length, secret.data(), intLength(secret.size())) != 1 ||
        EVP_EncryptFinal_ex(context.get(), sealed.data() + length, &finalLength) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tagLength),
                            sealed.data() + stationSecretLength) != 1)
        throwOpenSslError("AES-256-GCM encryption");
    file.append(sealed.begin(), sealed.end());
    return file;
}

SecretBytes unseal(const Bytes& file, const std::string& path, const SecretBytes& passphrase) {
    const ByteView content(file);
    const ByteView salt = content.subspan(fileHeader.size(), saltLength);
    const ByteView check = content.subspan(fileHeader.size() + saltLength, checkLength);
    const ByteView nonce = content.subspan(fileHeader.size() + saltLength + checkLength, nonceLength);
    const ByteView ciphertext = content.subspan(additionalDataLength, stationSecretLength);
    Bytes tag(content.begin() + static_cast<std::ptrdiff_t>(additionalDataLength + stationSecretLength), content.end());

    ScratchBytes keys = scryptKeys(passphrase, salt);
    if (CRYPTO_memcmp(keys.data() + aesKeyLength, check.data(), checkLength) != 0)
        throw WrongPassphraseError("wrong passphrase for station secret file " + path);
    const CipherContextHandle context = gcmContext(false, keys.data(), nonce, content.first(additionalDataLength));
    ScratchBytes secret(stationSecretLength);
    int length = 0;
    int finalLength = 0;
    if (EVP_DecryptUpdate(context.get(), secret.data(), &length, ciphertext.data(), intLength(ciphertext.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tagLength), tag.data()) != 1)
        throwOpenSslError("AES-256-GCM decryption");
    if (EVP_DecryptFinal_ex(context.get(), secret.data() + length, &finalLength) != 1) {
        ERR_clear_error();
        throw KeyStoreError("station secret file " + path + " is damaged: it fails authentication");
    }
    return secret.release();
}

SecretBytes createFileSecret(const std::filesystem::path& path) {
    // Checked before the prompt too, so the operator is not asked for a passphrase in vain;
    // writeFileAtomically checks again without a race.
    if (std::filesystem::exists(path)) throw KeyStoreError("station secret file already exists: " + path.string());
    const SecretBytes passphrase = passphraseFromEnvironmentOrPrompt("New station secret passphrase: ");
    if (passphrase.empty()) throw KeyStoreError("refusing an empty passphrase");
    SecretBytes secret(randomBytes(stationSecretLength));
    try {
        writeFileAtomically(path, seal(secret, passphrase), 0600, ExistingFile::refuse);
    } catch (const FileError& error) {
        throw KeyStoreError(std::string("station secret: ") + error.what());
    }
    return secret;
}

SecretBytes openFileSecret(const std::filesystem::path& path) {
    Bytes file;
    try {
        file = readFileBytes(path);
    } catch (const FileError& error) {
        throw KeyStoreError(std::string("station secret: ") + error.what());
    }
    if (file.size() != fileLength || !std::equal(fileHeader.begin(), fileHeader.end(), file.begin()))
        throw KeyStoreError(path.string() + " is not a station secret file (version 1)");
    return unseal(file, path.string(), passphraseFromEnvironmentOrPrompt("Station secret passphrase: "));
}

// ---- the token object ------------------------------------------------------------------------

using namespace pkcs11;

Pkcs11Uri parseSecretUri(std::string_view uri) {
    Pkcs11Uri parsed = parseUri(uri);
    if (parsed.token.empty() || parsed.object.empty())
        throw KeyStoreError("a station secret URI needs token= and object=: " + std::string(uri));
    if (!parsed.type.empty() && parsed.type != "secret-key")
        throw KeyStoreError("a station secret is addressed with type=secret-key, not type=" + parsed.type);
    return parsed;
}

// C_CreateObject (PKCS#11 v2.40 §5.7) of a generic secret key (§2.8.1) holding our random value.
// The secret must leave the token (the station derives card keys from it in OpenSSL, and PIV
// cards need the derived AES key itself), so it is not CKA_SENSITIVE and is CKA_EXTRACTABLE:
// C_GetAttributeValue(CKA_VALUE) then returns it. What protects it is CKA_PRIVATE: a private
// object is invisible until C_Login with the user PIN (FMC_PKCS11_PIN), so the token file alone,
// or a session without the PIN, yields nothing. It may not be used for any token operation.
void createSecretObject(const Module& module, CK_SESSION_HANDLE session, const Pkcs11Uri& uri, const SecretBytes& secret) {
    CK_OBJECT_CLASS secretKeyClass = CKO_SECRET_KEY;
    CK_KEY_TYPE keyType = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    std::string label = uri.object;
    Bytes id = uri.id;
    // The module copies the value and never writes through the pointer.
    CK_ATTRIBUTE attributes[] = {
        {CKA_CLASS, &secretKeyClass, sizeof secretKeyClass},
        {CKA_KEY_TYPE, &keyType, sizeof keyType},
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &no, sizeof no},
        {CKA_EXTRACTABLE, &yes, sizeof yes},
        {CKA_SIGN, &no, sizeof no},
        {CKA_VERIFY, &no, sizeof no},
        {CKA_DERIVE, &no, sizeof no},
        {CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())},
        {CKA_VALUE, const_cast<std::uint8_t*>(secret.data()), static_cast<CK_ULONG>(secret.size())},
        {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())},
    };
    const CK_ULONG count = std::size(attributes) - (id.empty() ? 1 : 0);
    CK_OBJECT_HANDLE created = 0;
    const CK_RV rv = module->C_CreateObject(session, attributes, count, &created);
    if (rv != CKR_OK) throw KeyStoreError("C_CreateObject failed for the station secret: " + rvText(rv));
}

SecretBytes readSecretValue(const Module& module, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                            std::string_view uri) {
    CK_ATTRIBUTE query{CKA_VALUE, nullptr, 0};
    CK_RV rv = module->C_GetAttributeValue(session, object, &query, 1);
    if (rv == CKR_ATTRIBUTE_SENSITIVE)
        throw KeyStoreError("the token will not reveal " + std::string(uri) + " (CKA_SENSITIVE): not a station secret");
    if (rv != CKR_OK) throw KeyStoreError("C_GetAttributeValue failed for " + std::string(uri) + ": " + rvText(rv));
    if (query.ulValueLen != stationSecretLength)
        throw KeyStoreError(std::string(uri) + " holds " + std::to_string(query.ulValueLen) + " bytes, not a " +
                            std::to_string(stationSecretLength) + "-byte station secret");
    ScratchBytes value(stationSecretLength);
    query.pValue = value.data();
    rv = module->C_GetAttributeValue(session, object, &query, 1);
    if (rv != CKR_OK) throw KeyStoreError("C_GetAttributeValue failed for " + std::string(uri) + ": " + rvText(rv));
    return value.release();
}

// Logs in to the URI's token, with the PIN checked afresh, and hands `work` the session.
template <typename Work>
SecretBytes withTokenSession(std::string_view uri, const Pkcs11Uri& parsed, Work&& work) {
    const SecretBytes pin = pinFromEnvironmentOrPrompt();
    const Module loaded(pkcs11ModulePath());
    const CK_SLOT_ID slot = slotOfToken(loaded, parsed.token);
    checkUserPin(loaded, slot, pin, uri);
    const UserSession session(loaded, slot, pin);
    return work(loaded, session.handle());
}

SecretBytes createTokenSecret(std::string_view uri) {
    const Pkcs11Uri parsed = parseSecretUri(uri);
    return withTokenSession(uri, parsed, [&](const Module& loaded, CK_SESSION_HANDLE session) {
        // Any object with the label, not only a secret key: the label must name one thing.
        if (findObjectLabelled(loaded, session, parsed.object, std::nullopt))
            throw KeyStoreError("token \"" + parsed.token + "\" already holds an object labelled \"" + parsed.object + "\"");
        SecretBytes secret(randomBytes(stationSecretLength));
        createSecretObject(loaded, session, parsed, secret);
        return secret;
    });
}

SecretBytes openTokenSecret(std::string_view uri) {
    const Pkcs11Uri parsed = parseSecretUri(uri);
    return withTokenSession(uri, parsed, [&](const Module& loaded, CK_SESSION_HANDLE session) {
        const auto object = findObjectLabelled(loaded, session, parsed.object, CKO_SECRET_KEY);
        if (!object)
            throw KeyStoreError("token \"" + parsed.token + "\" holds no secret key labelled \"" + parsed.object + "\"");
        return readSecretValue(loaded, session, *object, uri);
    });
}

// ---- per-card derivation ---------------------------------------------------------------------

// HKDF-SHA256 (RFC 5869) with no salt: the station secret is already uniformly random, so
// the extract step needs none (RFC 5869 §3.1), and a fixed salt would add nothing.
ScratchBytes hkdf(const SecretBytes& stationSecret, std::string_view label, const Uuid& cardUuid, std::size_t length) {
    if (stationSecret.size() != stationSecretLength)
        throw CryptoError("a station secret is " + std::to_string(stationSecretLength) + " bytes, not " +
                          std::to_string(stationSecret.size()));
    Bytes info(label.begin(), label.end());
    info.insert(info.end(), cardUuid.begin(), cardUuid.end());
    KdfHandle kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
    if (!kdf) throwOpenSslError("fetching HKDF");
    KdfContextHandle context(EVP_KDF_CTX_new(kdf.get()));
    if (!context) throwOpenSslError("HKDF context");
    char digest[] = "SHA256";
    const OSSL_PARAM parameters[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(stationSecret.data()),
                                          stationSecret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end(),
    };
    ScratchBytes output(length);
    if (EVP_KDF_derive(context.get(), output.data(), output.size(), parameters) != 1) throwOpenSslError("HKDF");
    return output;
}

} // namespace

SecretBytes createStationSecret(std::string_view location) {
    if (isPkcs11Location(location)) return createTokenSecret(location);
    return createFileSecret(std::filesystem::path(std::string(location)));
}

SecretBytes openStationSecret(std::string_view location) {
    if (isPkcs11Location(location)) return openTokenSecret(location);
    return openFileSecret(std::filesystem::path(std::string(location)));
}

SecretBytes deriveCardManagementKey(const SecretBytes& stationSecret, const Uuid& cardUuid) {
    return hkdf(stationSecret, "fmc card management key v1", cardUuid, cardManagementKeyLength).release();
}

SecretBytes deriveCardPuk(const SecretBytes& stationSecret, const Uuid& cardUuid) {
    // 8 bytes as a number modulo 10^8. 2^64 is not a multiple of 10^8, so the low values are
    // a little more likely, by at most 10^8 / 2^64 (about 5e-12): no guesser can use that.
    ScratchBytes bytes = hkdf(stationSecret, "fmc card puk v1", cardUuid, 8);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) value = (value << 8) | bytes.data()[i];
    ScratchBytes digits(cardPukLength);
    for (std::size_t i = cardPukLength; i > 0; --i) {
        digits.data()[i - 1] = static_cast<std::uint8_t>('0' + value % 10);
        value /= 10;
    }
    secureWipe(&value, sizeof value);
    return digits.release();
}

} // namespace fmc::crypto::pki
