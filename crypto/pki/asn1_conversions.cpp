#include "crypto/pki/asn1_conversions.hpp"

#include "crypto/crypto_error.hpp"

#include <climits>
#include <ctime>

namespace fmc::crypto::pki {

Asn1TimeHandle toAsn1Time(TimePoint time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    // ASN1_TIME_set picks UTCTime or GeneralizedTime by year, as RFC 5280 §4.1.2.5 asks.
    Asn1TimeHandle out(ASN1_TIME_set(nullptr, seconds));
    if (!out) throwOpenSslError("encoding a time");
    return out;
}

TimePoint fromAsn1Time(const ASN1_TIME* time) {
    std::tm broken{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &broken) != 1) throw CryptoError("unparsable ASN.1 time");
    const auto timePoint = timePointFromUnixSeconds(timegm(&broken));
    if (!timePoint) throw CryptoError("ASN.1 time outside the years 1678 to 2261");
    return *timePoint;
}

std::optional<TimePoint> timePointFromUnixSeconds(std::time_t seconds) {
    constexpr auto limit =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max()).count();
    if (seconds <= -limit || seconds >= limit) return std::nullopt;
    return std::chrono::system_clock::from_time_t(seconds);
}

Asn1IntegerHandle toAsn1Integer(ByteView magnitude) {
    if (magnitude.size() > static_cast<std::size_t>(INT_MAX)) throw CryptoError("integer too large");
    BignumHandle number(BN_bin2bn(magnitude.data(), static_cast<int>(magnitude.size()), nullptr));
    if (!number) throwOpenSslError("encoding an integer");
    Asn1IntegerHandle out(BN_to_ASN1_INTEGER(number.get(), nullptr));
    if (!out) throwOpenSslError("encoding an integer");
    return out;
}

Bytes integerMagnitude(const ASN1_INTEGER* value) {
    if (value == nullptr) throw CryptoError("missing integer");
    if (ASN1_STRING_type(value) == V_ASN1_NEG_INTEGER) throw CryptoError("negative integer");
    const unsigned char* data = ASN1_STRING_get0_data(value);
    const int length = ASN1_STRING_length(value);
    std::size_t skip = 0;
    while (skip < static_cast<std::size_t>(length) && data[skip] == 0) ++skip;
    if (skip == static_cast<std::size_t>(length)) return Bytes{0x00};
    return Bytes(data + skip, data + length);
}

std::string stringValue(const ASN1_STRING* value) {
    if (value == nullptr) return {};
    const unsigned char* data = ASN1_STRING_get0_data(value);
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(ASN1_STRING_length(value)));
}

} // namespace fmc::crypto::pki
