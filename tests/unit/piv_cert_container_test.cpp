// Certificate objects: 70 <DER> 71 <CertInfo> FE 00, plain and gzip (SP 800-73-4 Part 1).
#include "card/errors.hpp"
#include "card/piv/cert_container.hpp"
#include "card/tlv.hpp"

#include <catch2/catch.hpp>

using namespace fmc;
using namespace fmc::card::piv;
using fmc::card::CardProtocolError;

namespace {
Bytes sampleDer() {
    Bytes der = fromHex("30820100");
    const std::string body = "FMC test certificate body ";
    for (int i = 0; i < 10; ++i) der.insert(der.end(), body.begin(), body.end());
    return der;
}
// Python's gzip.compress(sampleDer(), mtime=0): an independent compressor.
constexpr std::string_view kSampleGzip =
    "1F8B08000000000002033368626470F3755628492D2E51484E2D2AC94CCB4C4E2C495548CA4FA954183932006E8AEFEC08010000";
} // namespace

TEST_CASE("plain certificate object layout", "[piv][cert]") {
    const Bytes der = fromHex("3003020101");
    CHECK(toHex(encodeCertificateObject(der)) == "70053003020101710100FE00");
    const CertificateObject decoded = decodeCertificateObject(fromHex("70053003020101710100FE00"));
    CHECK(decoded.der == der);
    CHECK(decoded.storedAs == CertificateCompression::none);
    // A large certificate gets the long length form.
    const Bytes big(1000, 0x30);
    CHECK(toHex(encodeCertificateObject(big)).substr(0, 8) == "708203E8");
    CHECK(decodeCertificateObject(encodeCertificateObject(big)).der == big);
}

TEST_CASE("gzip certificate objects are decompressed", "[piv][cert]") {
    const Bytes object = concat({card::encodeTlv(0x70, fromHex(kSampleGzip)), fromHex("710101FE00")});
    const CertificateObject decoded = decodeCertificateObject(object);
    CHECK(decoded.der == sampleDer());
    CHECK(decoded.storedAs == CertificateCompression::gzip);
}

TEST_CASE("gzip round trip through our own compressor", "[piv][cert]") {
    const Bytes der = sampleDer();
    const Bytes object = encodeCertificateObject(der, CertificateCompression::gzip);
    CHECK(toHex(object).find("710101FE00") != std::string::npos);
    CHECK(object.size() < der.size());
    CHECK(decodeCertificateObject(object).der == der);
}

TEST_CASE("bad certificate objects are protocol errors", "[piv][cert]") {
    SECTION("no certificate") { CHECK_THROWS_AS(decodeCertificateObject(fromHex("710100FE00")), CardProtocolError); }
    SECTION("unknown CertInfo") {
        CHECK_THROWS_AS(decodeCertificateObject(fromHex("70053003020101710104FE00")), CardProtocolError);
    }
    SECTION("truncated TLV") { CHECK_THROWS_AS(decodeCertificateObject(fromHex("7010300302")), CardProtocolError); }
    SECTION("corrupt gzip") {
        Bytes gz = fromHex(kSampleGzip);
        gz[12] ^= 0xFF;
        CHECK_THROWS_AS(decodeCertificateObject(concat({card::encodeTlv(0x70, gz), fromHex("710101")})), CardProtocolError);
    }
    SECTION("truncated gzip") {
        const Bytes gz = fromHex(kSampleGzip);
        const Bytes cut(gz.begin(), gz.begin() + 30);
        CHECK_THROWS_AS(decodeCertificateObject(concat({card::encodeTlv(0x70, cut), fromHex("710101")})), CardProtocolError);
    }
    SECTION("gzip that expands past the cap") {
        const Bytes object = encodeCertificateObject(Bytes(200000, 0), CertificateCompression::gzip);
        CHECK(object.size() < 1000);
        CHECK_THROWS_WITH(decodeCertificateObject(object), Catch::Contains("expands beyond 65536 bytes"));
    }
}
