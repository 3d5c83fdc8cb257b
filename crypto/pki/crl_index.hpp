#pragma once
// The small signed index that `fmc-issue crl publish --dir` writes next to the CRL files and
// `fmc-terminal crl sync` reads first: which complete CRL, delta CRL and root ARL are newest,
// with their sizes and SHA-256 digests, so that a terminal downloads only what it needs and
// checks every byte before parsing it. The index is JSON inside a CMS SignedData (RFC 5652,
// DER, content attached) signed by the issuing CA whose lists it names:
//   openssl cms -verify -inform DER -in index.cms -noverify        (prints the JSON)
// A static web server or a USB stick carries it; nothing about it needs a live service.
#include "crypto/bytes.hpp"
#include "crypto/pki/certificate.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/trust_store.hpp"
#include "crypto/crypto_error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace fmc::crypto::pki {

// The index did not parse, is not strict about its fields, or names an unsafe file.
class MalformedCrlIndexError : public CryptoError {
public:
    using CryptoError::CryptoError;
};
// The signature does not verify, or its signer is not a CA of the trust store, or not the CA
// the index speaks for.
class UntrustedCrlIndexError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

inline constexpr const char* kCrlIndexFormat = "fmc-crl-index/1";
inline constexpr const char* kCrlIndexFileName = "index.cms";
inline constexpr std::uint64_t kCrlIndexMaxBytes = 64 * 1024;

struct CrlIndexEntry {
    std::string file;                            // a plain name in the index's folder: [A-Za-z0-9._-]{1,128}
    std::uint64_t crlNumber = 0;
    std::optional<std::uint64_t> baseCrlNumber;  // delta CRLs only
    std::uint64_t size = 0;                      // bytes
    Bytes sha256;                                // 32 bytes
    bool operator==(const CrlIndexEntry&) const = default;
};

struct CrlIndex {
    std::string issuer;       // the issuing CA's subject, for people
    Bytes issuerKeyId;        // its subjectKeyIdentifier: the folder name, in lower-case hex
    std::chrono::system_clock::time_point published;
    std::chrono::system_clock::time_point nextUpdate;  // the complete CRL's nextUpdate
    CrlIndexEntry full;                                // the newest complete CRL
    std::optional<CrlIndexEntry> delta;                // the delta CRL with the same number, if any
    std::optional<CrlIndexEntry> arl;                  // the root's newest ARL the station holds
    bool operator==(const CrlIndex&) const = default;
};

// The folder of a CA's published lists: its subjectKeyIdentifier in lower-case hex.
[[nodiscard]] std::string crlFolderName(const Certificate& ca);

// The JSON (format kCrlIndexFormat, RFC 3339 UTC times, hex digests) signed by `signer` (its
// KeyStore key, file or token) as a DER CMS SignedData carrying the signer's certificate.
[[nodiscard]] Bytes signCrlIndex(const CrlIndex& index, const CertificateAuthority& signer);

// Verifies the signature with the issuing CAs of `trust` only (never a certificate the file
// brings along) and requires the signer's key identifier to be the index's issuerKeyId, then
// parses the JSON strictly. Throws UntrustedCrlIndexError or MalformedCrlIndexError; input
// over kCrlIndexMaxBytes is malformed.
[[nodiscard]] CrlIndex verifyCrlIndex(ByteView signedIndex, const TrustStore& trust);

} // namespace fmc::crypto::pki
