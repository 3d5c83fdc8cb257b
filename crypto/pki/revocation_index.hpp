#pragma once
// One imported CRL, reduced to what a terminal looks up per card: a sorted array of serial
// numbers with their reasons. The CRL's signature is verified once, when the index is built;
// a lookup is then a binary search (O(log n), no allocation, no signature check).
#include "crypto/bytes.hpp"
#include "crypto/pki/certificate.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "crypto/pki/revocation_reason.hpp"
#include "crypto/pki/trust_store.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace fmc::crypto::pki {

class RevocationIndex {
public:
    // Verifies the CRL's signature with `issuer`'s key, then indexes every entry. Throws
    // UntrustedCrlError (wrong issuer or bad signature) or MalformedCrlError (an entry that
    // does not decode, a serial over 20 octets, or a critical extension this code does not
    // process: delta CRLs and partitioned CRLs are refused, RFC 5280 §5.2).
    static RevocationIndex build(const RevocationList& crl, const Certificate& issuer);

    // The same index straight from DER, for large lists: d2i_X509_CRL would build an
    // X509_REVOKED (about ten allocations) per entry, some 350 MB and seconds for 1M entries.
    // Here the signature is checked over the raw tbsCertList bytes, the header (everything
    // but the entries) is parsed by OpenSSL as a RevocationList, and the entries are read
    // straight from the DER. Returns the index and that header list when the CRL is
    // well-formed, strict DER, signed by a CA in `trust` and importable; nullopt for anything
    // else, so that the caller takes the d2i path and reports the failure exactly as it would.
    static std::optional<std::pair<RevocationIndex, RevocationList>> buildFromDer(ByteView der, const TrustStore& trust);

    // This index with the delta CRL `delta` applied (RFC 5280 §5.2.4): the delta's signature is
    // verified with this index's issuer (UntrustedCrlError), its BaseCRLNumber must not exceed
    // crlNumber() (DeltaCrlBaseError: the terminal needs the complete CRL) and its own number
    // must exceed crlNumber() (CrlNotNewerError). New and changed entries replace, removeFromCrl
    // entries remove. The result carries the delta's number and dates. A complete CRL passed
    // here is MalformedCrlError.
    [[nodiscard]] RevocationIndex withDelta(const RevocationList& delta) const;

    // The reason the serial (big-endian magnitude) is listed for, or nullopt.
    [[nodiscard]] std::optional<RevocationReason> find(ByteView serialNumber) const;

    // The newest list applied: the complete CRL's number, or the last delta's.
    [[nodiscard]] std::uint64_t crlNumber() const { return crlNumber_; }
    // The complete CRL under any deltas (equal to crlNumber() before a delta is applied).
    [[nodiscard]] std::uint64_t completeCrlNumber() const { return completeCrlNumber_; }
    [[nodiscard]] std::chrono::system_clock::time_point thisUpdate() const { return thisUpdate_; }
    [[nodiscard]] std::chrono::system_clock::time_point nextUpdate() const { return nextUpdate_; }
    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] const Certificate& issuer() const { return issuer_; }

    // Hours since thisUpdate at `at` (negative if the CRL is from the future).
    [[nodiscard]] double ageHours(std::chrono::system_clock::time_point at) const;
    // Past nextUpdate (RFC 5280 §5.1.2.5), or older than `maxAge`: the terminal's policy.
    [[nodiscard]] bool isStale(std::chrono::system_clock::time_point at, std::chrono::seconds maxAge) const;

private:
    struct Entry {
        std::array<std::uint8_t, 20> serial{};  // left-aligned magnitude, zero padded
        std::uint8_t length = 0;                // magnitude octets; ordering: length, then bytes
        RevocationReason reason = RevocationReason::unspecified;
    };
    static bool less(const Entry& left, const Entry& right);

    RevocationIndex(Certificate issuer, std::uint64_t crlNumber, std::chrono::system_clock::time_point thisUpdate,
                    std::chrono::system_clock::time_point nextUpdate, std::vector<Entry> entries)
        : issuer_(std::move(issuer)), crlNumber_(crlNumber), completeCrlNumber_(crlNumber), thisUpdate_(thisUpdate), nextUpdate_(nextUpdate),
          entries_(std::move(entries)) {}

    Certificate issuer_;
    std::uint64_t crlNumber_;
    std::uint64_t completeCrlNumber_;
    std::chrono::system_clock::time_point thisUpdate_;
    std::chrono::system_clock::time_point nextUpdate_;
    std::vector<Entry> entries_;
};

} // namespace fmc::crypto::pki
