// NDEF 1.0 messages: exact encodings, round trips, and each rule the strict decoder enforces.
#include "card/nfc/ndef.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace fmc;
using namespace fmc::card::nfc;

namespace {

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes filled(std::size_t size, std::uint8_t seed = 0) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 7);
    return out;
}
void requireRefused(std::string_view hex, const std::string& reason) {
    INFO(hex);
    CHECK_THROWS_WITH(decodeNdefMessage(fromHex(hex)), Catch::Contains(reason));
    CHECK_THROWS_AS(decodeNdefMessage(fromHex(hex)), NdefError);
}

} // namespace

// ---- encoding and round trips ---------------------------------------------------------------

TEST_CASE("a short media record encodes MB ME SR with TNF 2", "[nfc][ndef]") {
    const NdefRecord record = mediaRecord("application/cwt", fromHex("A1B2C3"));
    CHECK(record.tnf == Tnf::mediaType);
    CHECK(record.type == text("application/cwt"));
    const Bytes message = encodeNdefMessage({record});
    CHECK(toHex(message) == "D20F03" + toHex(text("application/cwt")) + "A1B2C3");
    CHECK(decodeNdefMessage(message) == std::vector<NdefRecord>{record});
}

TEST_CASE("a payload of 256 bytes or more takes the 4-byte length", "[nfc][ndef]") {
    const NdefRecord longRecord = mediaRecord("application/cwt", filled(300));
    const Bytes message = encodeNdefMessage({longRecord});
    CHECK(toHex(ByteView(message).first(6)) == "C20F0000012C");
    CHECK(message.size() == 6 + 15 + 300);
    CHECK(decodeNdefMessage(message) == std::vector<NdefRecord>{longRecord});

    // 255 still fits the short form.
    const Bytes edge = encodeNdefMessage({mediaRecord("a/b", filled(255))});
    CHECK(toHex(ByteView(edge).first(3)) == "D203FF");
}

TEST_CASE("several records: MB on the first, ME on the last, neither in between", "[nfc][ndef]") {
    const std::vector<NdefRecord> records{
        NdefRecord{Tnf::wellKnown, text("U"), {}, concat({fromHex("04"), text("example.com")})},
        NdefRecord{Tnf::external, text("example.com:fmc"), text("id-1"), filled(40)},
        mediaRecord("application/cwt", filled(400, 3)),
    };
    const Bytes message = encodeNdefMessage(records);
    CHECK(message[0] == 0x91);  // MB SR TNF 1
    const std::size_t second = 3 + 1 + 12;
    CHECK(message[second] == 0x1C);  // SR IL TNF 4
    const std::size_t third = second + 4 + 15 + 4 + 40;
    CHECK(message[third] == 0x42);  // ME TNF 2, long
    CHECK(decodeNdefMessage(message) == records);
}

TEST_CASE("an id sets IL and its length follows the payload length", "[nfc][ndef]") {
    const NdefRecord record{Tnf::absoluteUri, text("urn:x"), text("ab"), fromHex("0102")};
    const Bytes message = encodeNdefMessage({record});
    CHECK(toHex(message) == "DB050202" + toHex(text("urn:x")) + toHex(text("ab")) + "0102");
    CHECK(decodeNdefMessage(message) == std::vector<NdefRecord>{record});
}

TEST_CASE("the empty record is D0 00 00", "[nfc][ndef]") {
    const Bytes message = encodeNdefMessage({NdefRecord{}});
    CHECK(toHex(message) == "D00000");
    CHECK(decodeNdefMessage(message) == std::vector<NdefRecord>{NdefRecord{}});
}

TEST_CASE("the decoder accepts a long-form length for a short payload", "[nfc][ndef]") {
    // NDEF does not require SR, so a writer that never uses it is still within the standard.
    const auto records = decodeNdefMessage(fromHex("C2030000000261 2F62 0102"));
    REQUIRE(records.size() == 1);
    CHECK(records[0].payload == fromHex("0102"));
    CHECK(records[0].type == text("a/b"));
}

TEST_CASE("unknown records carry a payload but no type", "[nfc][ndef]") {
    const NdefRecord record{Tnf::unknown, {}, {}, fromHex("CAFE")};
    CHECK(toHex(encodeNdefMessage({record})) == "D50002CAFE");
    CHECK(decodeNdefMessage(fromHex("D50002CAFE")) == std::vector<NdefRecord>{record});
}

TEST_CASE("the encoder refuses what it could not encode or the decoder would refuse", "[nfc][ndef]") {
    CHECK_THROWS_AS(encodeNdefMessage({}), std::invalid_argument);
    CHECK_THROWS_AS(encodeNdefMessage({NdefRecord{Tnf::external, Bytes(256, 'a'), {}, {}}}), std::invalid_argument);
    CHECK_THROWS_AS(encodeNdefMessage({NdefRecord{Tnf::external, text("a:b"), Bytes(256, 1), {}}}),
                    std::invalid_argument);
    CHECK_THROWS_AS(encodeNdefMessage({NdefRecord{Tnf::empty, {}, {}, fromHex("00")}}), std::invalid_argument);
    CHECK_THROWS_AS(encodeNdefMessage({NdefRecord{Tnf::empty, {}, text("i"), {}}}), std::invalid_argument);
    CHECK_THROWS_AS(encodeNdefMessage({NdefRecord{Tnf::unknown, text("x"), {}, {}}}), std::invalid_argument);
    CHECK_THROWS_AS(encodeNdefMessage({NdefRecord{Tnf::unchanged, {}, {}, fromHex("00")}}), std::invalid_argument);
    CHECK_THROWS_AS(encodeNdefMessage({NdefRecord{static_cast<Tnf>(7), {}, {}, {}}}), std::invalid_argument);
}

TEST_CASE("mediaRecord wants type/subtype in printable ASCII", "[nfc][ndef]") {
    CHECK_NOTHROW(mediaRecord("text/plain", {}));
    CHECK_THROWS_AS(mediaRecord("", {}), std::invalid_argument);
    CHECK_THROWS_AS(mediaRecord("cwt", {}), std::invalid_argument);
    CHECK_THROWS_AS(mediaRecord("/cwt", {}), std::invalid_argument);
    CHECK_THROWS_AS(mediaRecord("application/", {}), std::invalid_argument);
    CHECK_THROWS_AS(mediaRecord("application/c wt", {}), std::invalid_argument);
    CHECK_THROWS_AS(mediaRecord("a/" + std::string(254, 'x'), {}), std::invalid_argument);
}

// ---- strict decoding: one case per rule -----------------------------------------------------

TEST_CASE("decode refuses an empty message", "[nfc][ndef][strict]") {
    CHECK_THROWS_AS(decodeNdefMessage({}), NdefError);
}

TEST_CASE("decode refuses a first record without MB", "[nfc][ndef][strict]") {
    requireRefused("520103 61 00", "first record without MB");
}

TEST_CASE("decode refuses MB on a later record", "[nfc][ndef][strict]") {
    requireRefused("910100 55  D10100 55", "MB on a record after the first");
}

TEST_CASE("decode refuses a message whose last record lacks ME", "[nfc][ndef][strict]") {
    requireRefused("910100 55", "without a record flagged ME");
    requireRefused("910100 55  110100 55", "without a record flagged ME");
}

TEST_CASE("decode refuses bytes after the ME record", "[nfc][ndef][strict]") {
    requireRefused("D10100 55 00", "1 bytes after the record flagged ME");
    requireRefused("D10100 55  D10100 55", "after the record flagged ME");
}

TEST_CASE("decode refuses chunked records", "[nfc][ndef][strict]") {
    requireRefused("B20301 612F62 01  560001 02", "chunked records (CF)");
}

TEST_CASE("decode refuses TNF unchanged and the reserved TNF 7", "[nfc][ndef][strict]") {
    requireRefused("D60001 02", "TNF unchanged");
    requireRefused("D70000", "reserved TNF 7");
}

TEST_CASE("decode refuses TNF empty with a type, an id or a payload", "[nfc][ndef][strict]") {
    requireRefused("D00100 61", "TNF empty with");
    requireRefused("D00001 61", "TNF empty with");
    requireRefused("D8000001 61", "TNF empty with");
    CHECK(decodeNdefMessage(fromHex("D8000000")).size() == 1);  // IL with a zero-length id is allowed
}

TEST_CASE("decode refuses TNF unknown with a type", "[nfc][ndef][strict]") {
    requireRefused("D50100 61", "TNF unknown with a type");
}

TEST_CASE("decode refuses lengths that run past the message", "[nfc][ndef][strict]") {
    requireRefused("D2", "TYPE_LENGTH");
    requireRefused("D203", "PAYLOAD_LENGTH");
    requireRefused("C203000000", "PAYLOAD_LENGTH");
    requireRefused("DA0300", "ID_LENGTH");
    requireRefused("D20300 612F", "TYPE: needs 3 bytes, only 2 left");
    requireRefused("DA030002 612F62 69", "ID: needs 2 bytes");
    requireRefused("D20305 612F62 01020304", "PAYLOAD: needs 5 bytes, only 4 left");
    requireRefused("C203FFFFFFFF 612F62 01", "PAYLOAD: needs 4294967295 bytes");
}
