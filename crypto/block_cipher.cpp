#include "crypto/block_cipher.hpp"

#include "crypto/crypto_error.hpp"

#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <string>

namespace fmc::crypto {

std::size_t blockSize(BlockCipherAlgorithm algorithm) {
    return algorithm == BlockCipherAlgorithm::tripleDes ? 8 : 16;
}

std::size_t keyLength(BlockCipherAlgorithm algorithm) {
    switch (algorithm) {
        case BlockCipherAlgorithm::tripleDes: return 24;
        case BlockCipherAlgorithm::aes128: return 16;
        case BlockCipherAlgorithm::aes192: return 24;
        case BlockCipherAlgorithm::aes256: return 32;
    }
    return 0;
}

namespace {

// Three-key 3DES in ECB stays in OpenSSL 3's default provider (only single DES moved to
// the legacy provider), so no provider needs loading.
const EVP_CIPHER* ecbCipher(BlockCipherAlgorithm algorithm) {
    switch (algorithm) {
        case BlockCipherAlgorithm::tripleDes: return EVP_des_ede3_ecb();
        case BlockCipherAlgorithm::aes128: return EVP_aes_128_ecb();
        case BlockCipherAlgorithm::aes192: return EVP_aes_192_ecb();
        case BlockCipherAlgorithm::aes256: return EVP_aes_256_ecb();
    }
    throw CryptoError("unknown block cipher");
}

struct CipherContextDeleter {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

Bytes ecb(BlockCipherAlgorithm algorithm, const SecretBytes& key, ByteView input, bool encrypt) {
    if (key.size() != keyLength(algorithm))
        throw CryptoError("block cipher key of " + std::to_string(key.size()) + " bytes, expected " +
                          std::to_string(keyLength(algorithm)));
    if (input.size() % blockSize(algorithm) != 0)
        throw CryptoError("ECB input of " + std::to_string(input.size()) +
                          " bytes is not a whole number of blocks");
    if (input.size() > static_cast<std::size_t>(INT_MAX) - 32) throw CryptoError("ECB input too large");

    std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter> context(EVP_CIPHER_CTX_new());
    if (!context) throwOpenSslError("EVP_CIPHER_CTX_new");
    if (EVP_CipherInit_ex2(context.get(), ecbCipher(algorithm), key.data(), nullptr, encrypt ? 1 : 0,
                           nullptr) != 1)
        throwOpenSslError("ECB cipher init");
    // Whole blocks in, whole blocks out: PIV mutual authentication has no padding.
    EVP_CIPHER_CTX_set_padding(context.get(), 0);

    Bytes out(input.size() + blockSize(algorithm));
    int written = 0;
    int finalWritten = 0;
    if (EVP_CipherUpdate(context.get(), out.data(), &written, input.data(),
                         static_cast<int>(input.size())) != 1)
        throwOpenSslError("ECB cipher update");
    if (EVP_CipherFinal_ex(context.get(), out.data() + written, &finalWritten) != 1)
        throwOpenSslError("ECB cipher final");
    out.resize(static_cast<std::size_t>(written + finalWritten));
    return out;
}

} // namespace

Bytes ecbEncrypt(BlockCipherAlgorithm algorithm, const SecretBytes& key, ByteView input) {
    return ecb(algorithm, key, input, true);
}

Bytes ecbDecrypt(BlockCipherAlgorithm algorithm, const SecretBytes& key, ByteView input) {
    return ecb(algorithm, key, input, false);
}

} // namespace fmc::crypto
