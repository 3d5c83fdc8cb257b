#pragma once
// The benchmark's card PKI: a P-384 root, a P-256 issuing CA, one card, and CRLs of any
// size signed by the issuing CA. Keys, certificates and CRLs are cached on disk (next to
// the build's bin/) because signing a 1M-entry CRL with OpenSSL's X509_CRL API takes many
// seconds and half a gigabyte; a cached CRL is only valid with the keys that signed it, so
// the whole PKI is cached together.
#include "crypto/bytes.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/pki/certificate.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>

namespace fmc::bench {

struct BenchPki {
    crypto::pki::Certificate root;
    crypto::pki::Certificate issuing;
    crypto::pki::Certificate card;
    crypto::EcPrivateKey cardKey;
    Bytes arlDer;  // the root's ARL, empty list
    std::filesystem::path cacheDir;

    // Loads the cached PKI or makes (and caches) a new one.
    static BenchPki loadOrCreate(const std::filesystem::path& cacheDir);

    // The issuing CA's CRL with `entries` random 16-octet serials (never the card's), DER.
    [[nodiscard]] Bytes crlDer(std::size_t entries) const;
    [[nodiscard]] std::filesystem::path crlPath(std::size_t entries) const;
};

// 2026-06-01T00:00:00Z: inside every validity and every CRL's thisUpdate..nextUpdate.
inline const std::chrono::system_clock::time_point benchTime{std::chrono::seconds(1780272000)};

Bytes readFile(const std::filesystem::path& path);
void writeFile(const std::filesystem::path& path, ByteView data);

} // namespace fmc::bench
