#pragma once
// The certificate object of every PIV key slot (SP 800-73-4 Part 1 Appendix A, the X.509
// certificate containers): `70 L <DER certificate> 71 01 <CertInfo> FE 00`. CertInfo 00 = plain, 01 = gzip
// (Part 1 Appendix A; yubico-piv-tool --compress).
#include "crypto/bytes.hpp"

#include <cstddef>

namespace fmc::card::piv {

enum class CertificateCompression { none, gzip };

// A certificate never reaches this size decompressed; the cap stops a hostile gzip bomb.
inline constexpr std::size_t kMaxCertificateBytes = 64 * 1024;

// The object value (what goes inside 53). Throws std::invalid_argument for an empty DER, and
// CardError when gzip is asked for and the build has no zlib.
[[nodiscard]] Bytes encodeCertificateObject(ByteView der,
                                            CertificateCompression compression = CertificateCompression::none);

struct CertificateObject {
    Bytes der;  // decompressed when the object was gzip-compressed
    CertificateCompression storedAs = CertificateCompression::none;
};

// Parses an object value; throws CardProtocolError for a missing 70, an unknown CertInfo, a
// corrupt or oversized gzip stream, or an object built without zlib support.
[[nodiscard]] CertificateObject decodeCertificateObject(ByteView objectValue,
                                                        std::size_t maxCertificateBytes = kMaxCertificateBytes);

} // namespace fmc::card::piv
