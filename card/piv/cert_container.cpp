#include "card/piv/cert_container.hpp"

#include "card/errors.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/tlv.hpp"

#include <stdexcept>
#include <string>

#ifdef FMC_HAVE_ZLIB
#include <zlib.h>
#endif

namespace fmc::card::piv {

namespace {

// Part 1 Appendix A, note on CertInfo: bits b1 b0 give the compression (00 none, 01 gzip); b2 = 0
// means X.509. Nothing else is defined.
constexpr std::uint8_t kCertInfoPlain = 0x00;
constexpr std::uint8_t kCertInfoGzip = 0x01;

#ifdef FMC_HAVE_ZLIB
// zlib's windowBits + 16: gzip header and trailer rather than a raw zlib stream.
constexpr int kGzipWindowBits = 15 + 16;

Bytes gzipCompress(ByteView input) {
    z_stream stream{};
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw CardError("gzip: deflateInit2 failed");
    Bytes out(deflateBound(&stream, static_cast<uLong>(input.size())) + 32);
    stream.next_in = const_cast<Bytef*>(input.data());  // zlib's API is not const-correct
    stream.avail_in = static_cast<uInt>(input.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    const int result = deflate(&stream, Z_FINISH);
    const std::size_t produced = stream.total_out;
    deflateEnd(&stream);
    if (result != Z_STREAM_END) throw CardError("gzip: compression did not finish");
    out.resize(produced);
    return out;
}

Bytes gzipDecompress(ByteView input, std::size_t maxOutput) {
    z_stream stream{};
    if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) throw CardProtocolError("gzip: inflateInit2 failed");
    stream.next_in = const_cast<Bytef*>(input.data());
    stream.avail_in = static_cast<uInt>(input.size());
    Bytes out;
    std::uint8_t chunk[4096];
    int result = Z_OK;
    while (result != Z_STREAM_END) {
        stream.next_out = chunk;
        stream.avail_out = sizeof chunk;
        result = inflate(&stream, Z_NO_FLUSH);
        if (result != Z_OK && result != Z_STREAM_END) {
            inflateEnd(&stream);
            throw CardProtocolError("certificate object: corrupt gzip data (zlib error " +
                                    std::to_string(result) + ")");
        }
        const std::size_t produced = sizeof chunk - stream.avail_out;
        if (out.size() + produced > maxOutput) {
            inflateEnd(&stream);
            throw CardProtocolError("certificate object: gzip data expands beyond " +
                                    std::to_string(maxOutput) + " bytes");
        }
        out.insert(out.end(), chunk, chunk + produced);
        if (result == Z_OK && produced == 0 && stream.avail_in == 0) {
            inflateEnd(&stream);
            throw CardProtocolError("certificate object: truncated gzip data");
        }
    }
    inflateEnd(&stream);
    return out;
}
#endif

} // namespace

Bytes encodeCertificateObject(ByteView der, CertificateCompression compression) {
    if (der.empty()) throw std::invalid_argument("certificate object: empty certificate");
    Bytes stored;
    std::uint8_t certInfo = kCertInfoPlain;
    if (compression == CertificateCompression::gzip) {
#ifdef FMC_HAVE_ZLIB
        stored = gzipCompress(der);
        certInfo = kCertInfoGzip;
#else
        throw CardError("certificate object: gzip compression needs zlib, which this build lacks");
#endif
    } else {
        stored.assign(der.begin(), der.end());
    }
    Bytes out = encodeTlv(tag::kCertificate, stored);
    const Bytes info = encodeTlv(tag::kCertInfo, Bytes{certInfo});
    const Bytes edc = encodeTlv(tag::kErrorDetectionCode, ByteView{});
    out.insert(out.end(), info.begin(), info.end());
    out.insert(out.end(), edc.begin(), edc.end());
    return out;
}

CertificateObject decodeCertificateObject(ByteView objectValue, std::size_t maxCertificateBytes) {
    std::vector<Tlv> fields;
    try {
        fields = parseTlvs(objectValue);
    } catch (const TlvError& error) {
        throw CardProtocolError(std::string("certificate object does not parse: ") + error.what());
    }
    const std::optional<Bytes> stored = findTlv(fields, tag::kCertificate);
    if (!stored || stored->empty()) throw CardProtocolError("certificate object has no certificate (tag 70)");
    // A missing CertInfo reads as "plain": some issuers leave it out.
    const std::optional<Bytes> info = findTlv(fields, tag::kCertInfo);
    if (info && info->size() != 1) throw CardProtocolError("certificate object: CertInfo is not one byte");
    const std::uint8_t certInfo = info ? info->front() : kCertInfoPlain;

    if (certInfo == kCertInfoPlain) {
        if (stored->size() > maxCertificateBytes)
            throw CardProtocolError("certificate object: certificate larger than " +
                                    std::to_string(maxCertificateBytes) + " bytes");
        return {*stored, CertificateCompression::none};
    }
    if (certInfo == kCertInfoGzip) {
#ifdef FMC_HAVE_ZLIB
        return {gzipDecompress(*stored, maxCertificateBytes), CertificateCompression::gzip};
#else
        throw CardProtocolError("certificate object is gzip-compressed and this build has no zlib");
#endif
    }
    throw CardProtocolError("certificate object: unsupported CertInfo " + toHex(Bytes{certInfo}));
}

} // namespace fmc::card::piv
