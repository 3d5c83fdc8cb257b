#pragma once
// A key store that holds its key in memory, which only tests and fuzz targets may do.
#include "crypto/ec_key.hpp"
#include "crypto/pki/key_store.hpp"

#include <utility>

namespace fmc::test {

class MemoryKeyStore final : public crypto::pki::KeyStore {
public:
    explicit MemoryKeyStore(crypto::EcPrivateKey key) : key_(std::move(key)) {}
    [[nodiscard]] crypto::EcPublicKey publicKey() const override { return key_.publicKey(); }

protected:
    [[nodiscard]] EVP_PKEY* signingKey() const override { return key_.native(); }

private:
    crypto::EcPrivateKey key_;
};

} // namespace fmc::test
