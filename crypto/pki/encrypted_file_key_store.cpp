#include "crypto/pki/encrypted_file_key_store.hpp"

#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/random.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace fmc::crypto::pki {

namespace {

// RFC 7914 §2 parameters; the same as `openssl pkcs8 -scrypt`. N = 2^14, r = 8 needs 16 MiB,
// under OpenSSL's default 32 MiB scrypt memory cap, and takes ~50 ms: slow for guessing,
// quick enough for a CA that signs a card at a time.
constexpr std::uint64_t scryptN = 16384;
constexpr std::uint64_t scryptR = 8;
constexpr std::uint64_t scryptP = 1;
constexpr std::size_t saltLength = 16;

struct X509SigDeleter {
    void operator()(X509_SIG* value) const noexcept { X509_SIG_free(value); }
};
struct Pkcs8Deleter {
    void operator()(PKCS8_PRIV_KEY_INFO* value) const noexcept { PKCS8_PRIV_KEY_INFO_free(value); }
};
struct AlgorithmDeleter {
    void operator()(X509_ALGOR* value) const noexcept { X509_ALGOR_free(value); }
};

int passphraseLength(const SecretBytes& passphrase) {
    if (passphrase.size() > static_cast<std::size_t>(INT_MAX)) throw KeyStoreError("passphrase too long");
    return static_cast<int>(passphrase.size());
}

const char* passphraseChars(const SecretBytes& passphrase) {
    return reinterpret_cast<const char*>(passphrase.data());
}

std::string encryptedPem(const EcPrivateKey& key, const SecretBytes& passphrase) {
    Bytes salt = randomBytes(saltLength);
    std::unique_ptr<X509_ALGOR, AlgorithmDeleter> algorithm(PKCS5_pbe2_set_scrypt(
        EVP_aes_256_cbc(), salt.data(), static_cast<int>(salt.size()), nullptr, scryptN, scryptR, scryptP));
    if (!algorithm) throwOpenSslError("PBES2/scrypt parameters");
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Deleter> info(EVP_PKEY2PKCS8(key.native()));
    if (!info) throwOpenSslError("PKCS#8 encoding");
    // PKCS8_set0_pbe takes the algorithm only on success.
    std::unique_ptr<X509_SIG, X509SigDeleter> encrypted(
        PKCS8_set0_pbe(passphraseChars(passphrase), passphraseLength(passphrase), info.get(), algorithm.get()));
    if (!encrypted) throwOpenSslError("PKCS#8 encryption");
    static_cast<void>(algorithm.release());
    BioHandle bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PKCS8(bio.get(), encrypted.get()) != 1) throwOpenSslError("writing PKCS#8 PEM");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

void writeFileAtomically(const std::filesystem::path& path, const std::string& content) {
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (descriptor < 0) throw KeyStoreError("cannot create " + temporary.string() + ": " + std::strerror(errno));
    // The umask cannot widen 0600, but make the mode explicit whatever it is.
    bool ok = ::fchmod(descriptor, S_IRUSR | S_IWUSR) == 0;
    std::size_t written = 0;
    while (ok && written < content.size()) {
        const ssize_t step = ::write(descriptor, content.data() + written, content.size() - written);
        if (step <= 0) ok = false;
        else written += static_cast<std::size_t>(step);
    }
    ok = ok && ::fsync(descriptor) == 0;
    ok = (::close(descriptor) == 0) && ok;
    if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        std::filesystem::remove(temporary);
        throw KeyStoreError("cannot write " + path.string() + ": " + reason);
    }
}

} // namespace

void EncryptedFileKeyStore::write(const std::filesystem::path& path, const EcPrivateKey& key,
                                  const SecretBytes& passphrase) {
    if (passphrase.empty()) throw KeyStoreError("refusing an empty passphrase");
    if (std::filesystem::exists(path)) throw KeyStoreError("key file already exists: " + path.string());
    writeFileAtomically(path, encryptedPem(key, passphrase));
}

std::unique_ptr<EncryptedFileKeyStore> EncryptedFileKeyStore::create(const std::filesystem::path& path, Curve curve,
                                                                     const SecretBytes& passphrase) {
    EcPrivateKey key = EcPrivateKey::generate(curve);
    write(path, key, passphrase);
    return std::unique_ptr<EncryptedFileKeyStore>(new EncryptedFileKeyStore(std::move(key)));
}

std::unique_ptr<EncryptedFileKeyStore> EncryptedFileKeyStore::open(const std::filesystem::path& path,
                                                                   const SecretBytes& passphrase) {
    BioHandle bio(BIO_new_file(path.c_str(), "rb"));
    if (!bio) {
        ERR_clear_error();
        throw KeyStoreError("cannot read key file " + path.string());
    }
    std::unique_ptr<X509_SIG, X509SigDeleter> encrypted(PEM_read_bio_PKCS8(bio.get(), nullptr, nullptr, nullptr));
    if (!encrypted) {
        ERR_clear_error();
        throw KeyStoreError(path.string() + " is not an encrypted PKCS#8 key");
    }
    // A wrong passphrase shows up as a padding failure or as garbage that is not a
    // PrivateKeyInfo; either way the file itself parsed, so blame the passphrase.
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Deleter> info(
        PKCS8_decrypt(encrypted.get(), passphraseChars(passphrase), passphraseLength(passphrase)));
    if (!info) {
        ERR_clear_error();
        throw WrongPassphraseError("wrong passphrase for key file " + path.string());
    }
    unsigned char* der = nullptr;
    const int length = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &der);
    if (length <= 0 || der == nullptr) throwOpenSslError("re-encoding PKCS#8");
    SecretBytes plain(Bytes(der, der + length));
    OPENSSL_clear_free(der, static_cast<std::size_t>(length));
    return std::unique_ptr<EncryptedFileKeyStore>(new EncryptedFileKeyStore(EcPrivateKey::fromPkcs8(plain)));
}

} // namespace fmc::crypto::pki
