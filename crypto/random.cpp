#include "crypto/random.hpp"

#include "crypto/crypto_error.hpp"

#include <openssl/rand.h>

#include <climits>

namespace fmc::crypto {

Bytes randomBytes(std::size_t count) {
    Bytes out(count);
    if (count == 0) return out;
    if (count > static_cast<std::size_t>(INT_MAX)) throw CryptoError("random request too large");
    if (RAND_bytes(out.data(), static_cast<int>(count)) != 1) throwOpenSslError("RAND_bytes");
    return out;
}

} // namespace fmc::crypto
