#include "card/piv/piv_algorithms.hpp"

#include "card/piv/piv_constants.hpp"
#include "crypto/bytes.hpp"

#include <stdexcept>
#include <string>

namespace fmc::card::piv {

std::optional<crypto::Curve> curveForAlgorithm(std::uint8_t algorithm) {
    switch (algorithm) {
        case algorithm::kEccP256: return crypto::Curve::p256;
        case algorithm::kEccP384: return crypto::Curve::p384;
        default: return std::nullopt;
    }
}

std::optional<crypto::BlockCipherAlgorithm> blockCipherForAlgorithm(std::uint8_t algorithm) {
    switch (algorithm) {
        case algorithm::kTripleDes: return crypto::BlockCipherAlgorithm::tripleDes;
        case algorithm::kAes128: return crypto::BlockCipherAlgorithm::aes128;
        case algorithm::kAes192: return crypto::BlockCipherAlgorithm::aes192;
        case algorithm::kAes256: return crypto::BlockCipherAlgorithm::aes256;
        default: return std::nullopt;
    }
}

std::size_t fieldLength(crypto::Curve curve) { return curve == crypto::Curve::p256 ? 32 : 48; }

namespace {
std::string algorithmHex(std::uint8_t algorithm) {
    const Bytes byte{algorithm};
    return toHex(byte);
}
} // namespace

crypto::Curve requireEcAlgorithm(std::uint8_t algorithm, const char* what) {
    if (const auto curve = curveForAlgorithm(algorithm)) return *curve;
    throw std::invalid_argument(std::string(what) + ": algorithm " + algorithmHex(algorithm) +
                                " is not ECC P-256 (11) or P-384 (14)");
}

crypto::BlockCipherAlgorithm requireManagementKeyAlgorithm(std::uint8_t algorithm, const char* what) {
    if (const auto cipher = blockCipherForAlgorithm(algorithm)) return *cipher;
    throw std::invalid_argument(std::string(what) + ": algorithm " + algorithmHex(algorithm) +
                                " is not 3DES (03) or AES (08, 0A, 0C)");
}

} // namespace fmc::card::piv
