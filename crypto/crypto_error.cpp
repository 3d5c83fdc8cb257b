#include "crypto/crypto_error.hpp"

#include <openssl/err.h>

namespace fmc::crypto {

[[noreturn]] void throwOpenSslError(const std::string& what) {
    std::string message = what;
    bool first = true;
    // Drain the whole queue so a later, unrelated call does not report this failure.
    while (unsigned long code = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        message += first ? ": " : "; ";
        message += text;
        first = false;
    }
    if (first) message += ": (no OpenSSL error reported)";
    throw CryptoError(message);
}

} // namespace fmc::crypto
