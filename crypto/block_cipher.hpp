#pragma once
// Single-block ECB encryption, all that PIV management-key mutual authentication needs
// (SP 800-73-4 Part 2 Appendix A). No padding: input must be a multiple of the block size.
#include "crypto/bytes.hpp"

#include <cstddef>

namespace fmc::crypto {

enum class BlockCipherAlgorithm { tripleDes, aes128, aes192, aes256 };

[[nodiscard]] std::size_t blockSize(BlockCipherAlgorithm algorithm);   // 8 or 16
[[nodiscard]] std::size_t keyLength(BlockCipherAlgorithm algorithm);   // 24, 16, 24, 32

// Throws CryptoError when the key length does not match or the input is not whole blocks.
Bytes ecbEncrypt(BlockCipherAlgorithm algorithm, const SecretBytes& key, ByteView input);
Bytes ecbDecrypt(BlockCipherAlgorithm algorithm, const SecretBytes& key, ByteView input);

} // namespace fmc::crypto
