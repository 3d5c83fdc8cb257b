#pragma once
#include "crypto/bytes.hpp"

namespace fmc::crypto {
// Cryptographically strong random bytes (RAND_bytes); throws CryptoError on failure.
Bytes randomBytes(std::size_t count);
} // namespace fmc::crypto
