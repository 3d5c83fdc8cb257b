#include "crypto/block_cipher.hpp"
#include "crypto/crypto_error.hpp"

#include <catch2/catch.hpp>

using fmc::Bytes;
using fmc::fromHex;
using fmc::SecretBytes;
using fmc::crypto::BlockCipherAlgorithm;
using fmc::crypto::ecbDecrypt;
using fmc::crypto::ecbEncrypt;

namespace {
SecretBytes key(const char* hex) { return SecretBytes(fromHex(hex)); }
} // namespace

TEST_CASE("AES ECB matches the FIPS-197 Appendix C vectors", "[crypto][ecb]") {
    const Bytes plain = fromHex("00112233445566778899aabbccddeeff");
    struct Vector {
        BlockCipherAlgorithm algorithm;
        const char* key;
        const char* cipher;
    };
    const Vector vectors[] = {
        {BlockCipherAlgorithm::aes128, "000102030405060708090a0b0c0d0e0f",
         "69c4e0d86a7b0430d8cdb78070b4c55a"},
        {BlockCipherAlgorithm::aes192, "000102030405060708090a0b0c0d0e0f1011121314151617",
         "dda97ca4864cdfe06eaf70a0ec0d7191"},
        {BlockCipherAlgorithm::aes256,
         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         "8ea2b7ca516745bfeafc49904b496089"},
    };
    for (const auto& v : vectors) {
        CHECK(ecbEncrypt(v.algorithm, key(v.key), plain) == fromHex(v.cipher));
        CHECK(ecbDecrypt(v.algorithm, key(v.key), fromHex(v.cipher)) == plain);
    }
}

TEST_CASE("3DES ECB matches the SP 800-67 sample", "[crypto][ecb]") {
    // SP 800-67 Rev. 1 Appendix B: three distinct keys, "The qufck brown fox jump".
    const SecretBytes k = key("0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123");
    const Bytes plain = fromHex("5468652071756663 6B2062726F776E20 666F78206A756D70");
    const Bytes cipher = fromHex("A826FD8CE53B855F CCE21C8112256FE6 68D5C05DD9B6B900");
    CHECK(ecbEncrypt(BlockCipherAlgorithm::tripleDes, k, plain) == cipher);
    CHECK(ecbDecrypt(BlockCipherAlgorithm::tripleDes, k, cipher) == plain);
}

TEST_CASE("block sizes and key lengths", "[crypto][ecb]") {
    CHECK(fmc::crypto::blockSize(BlockCipherAlgorithm::tripleDes) == 8);
    CHECK(fmc::crypto::blockSize(BlockCipherAlgorithm::aes256) == 16);
    CHECK(fmc::crypto::keyLength(BlockCipherAlgorithm::tripleDes) == 24);
    CHECK(fmc::crypto::keyLength(BlockCipherAlgorithm::aes128) == 16);
    CHECK(fmc::crypto::keyLength(BlockCipherAlgorithm::aes192) == 24);
    CHECK(fmc::crypto::keyLength(BlockCipherAlgorithm::aes256) == 32);
}

TEST_CASE("ECB refuses wrong key lengths and partial blocks", "[crypto][ecb]") {
    const SecretBytes aesKey = key("000102030405060708090a0b0c0d0e0f");
    CHECK_THROWS_AS(ecbEncrypt(BlockCipherAlgorithm::aes256, aesKey, Bytes(16)), fmc::crypto::CryptoError);
    CHECK_THROWS_AS(ecbEncrypt(BlockCipherAlgorithm::aes128, aesKey, Bytes(15)), fmc::crypto::CryptoError);
    CHECK_THROWS_AS(ecbDecrypt(BlockCipherAlgorithm::tripleDes,
                               SecretBytes(Bytes(24, 1)), Bytes(12)),
                    fmc::crypto::CryptoError);
    CHECK(ecbEncrypt(BlockCipherAlgorithm::aes128, aesKey, Bytes{}).empty());
}
