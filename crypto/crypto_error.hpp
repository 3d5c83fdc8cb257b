#pragma once
#include <stdexcept>
#include <string>

namespace fmc::crypto {

// An OpenSSL call failed; the message carries OpenSSL's error queue (which never holds key
// material). Also thrown for wrong key sizes and unparsable keys.
class CryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws CryptoError("<what>: <OpenSSL error queue>") and clears the queue.
[[noreturn]] void throwOpenSslError(const std::string& what);

} // namespace fmc::crypto
