#include "crypto/digest.hpp"

#include "crypto/crypto_error.hpp"

#include <openssl/evp.h>

namespace fmc::crypto {

namespace {
Bytes digestWith(const EVP_MD* md, ByteView data, const char* name) {
    Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1)
        throwOpenSslError(name);
    out.resize(length);
    return out;
}
} // namespace

Bytes sha256(ByteView data) { return digestWith(EVP_sha256(), data, "SHA-256"); }
Bytes sha384(ByteView data) { return digestWith(EVP_sha384(), data, "SHA-384"); }

} // namespace fmc::crypto
