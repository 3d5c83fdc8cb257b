#pragma once
// Conversions between OpenSSL's ASN.1 values and the project's types. Internal to crypto/pki.
#include "crypto/bytes.hpp"
#include "crypto/pki/openssl_handles.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace fmc::crypto::pki {

using TimePoint = std::chrono::system_clock::time_point;

// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), whole seconds.
[[nodiscard]] Asn1TimeHandle toAsn1Time(TimePoint time);
// Throws CryptoError if the time does not parse.
[[nodiscard]] TimePoint fromAsn1Time(const ASN1_TIME* time);
// system_clock counts nanoseconds in 64 bits, years 1678 to 2261: a time outside that would
// overflow (undefined behaviour), so it is nullopt and the caller refuses the input.
[[nodiscard]] std::optional<TimePoint> timePointFromUnixSeconds(std::time_t seconds);

// A positive INTEGER from big-endian magnitude bytes (a serial number, a CRL number).
[[nodiscard]] Asn1IntegerHandle toAsn1Integer(ByteView magnitude);
// The big-endian magnitude of a non-negative INTEGER, without leading zeros ("00" for 0).
// Throws CryptoError for a negative value.
[[nodiscard]] Bytes integerMagnitude(const ASN1_INTEGER* value);

// The text of an ASN1_STRING as bytes (no charset conversion: the profile uses ASCII only).
[[nodiscard]] std::string stringValue(const ASN1_STRING* value);

} // namespace fmc::crypto::pki
