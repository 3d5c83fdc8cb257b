// The personal-data object a Foreign Merchant Card keeps behind the PIN (card/piv/merchant_card.hpp):
// its SHA-256 is in the card certificate, so the encoding must be canonical and the decoder
// must refuse anything encode() would not have written.
#include "card/errors.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/tlv.hpp"

#include <catch2/catch.hpp>

#include <string>

using fmc::Bytes;
using fmc::fromHex;
using fmc::card::CardError;
using fmc::card::CardProtocolError;
using fmc::card::TlvError;
using fmc::card::piv::MerchantPersonalData;

namespace {

Bytes utf8(const std::string& text) { return Bytes(text.begin(), text.end()); }

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

Bytes field(fmc::card::TlvTag tag, const std::string& text) { return fmc::card::encodeTlv(tag, utf8(text)); }

const Bytes versionHeader = fromHex("800101");

// Either refusal is a card error: what a terminal reports as "the card's data is corrupt".
void requireRefused(const Bytes& encoded) {
    try {
        (void)MerchantPersonalData::decode(encoded);
        FAIL_CHECK("decode accepted " << fmc::toHex(encoded));
    } catch (const CardProtocolError&) {
        SUCCEED();
    } catch (const TlvError&) {
        SUCCEED();
    }
}

} // namespace

TEST_CASE("personal data with Arabic and Chinese names survives encode and decode", "[issuance][personal-data]") {
    const MerchantPersonalData arabic{"MOHAMMED ABDULLAH", "محمد عبد الله", "SAU", "P1234567", "0000000000000A1F"};
    const MerchantPersonalData chinese{"WANG XIAOMING", "王小明", "CHN", "E98765432", "00000000000000FF"};
    for (const MerchantPersonalData& data : {arabic, chinese}) {
        const Bytes encoded = data.encode();
        CHECK(MerchantPersonalData::decode(encoded) == data);
    }
    // The text goes on the card as its UTF-8 bytes, nothing else: 王小明 is 9 bytes.
    CHECK(chinese.encode() == concat({versionHeader, field(0x81, "WANG XIAOMING"), fromHex("8209E78E8BE5B08FE6988E"),
                                      field(0x83, "CHN"), field(0x84, "E98765432"),
                                      field(0x85, "00000000000000FF")}));
}

TEST_CASE("empty optional fields are left out of the encoding", "[issuance][personal-data]") {
    const MerchantPersonalData nameOnly{"ABC", "", "", "", ""};
    CHECK(nameOnly.encode() == fromHex("800101" "8103414243"));
    CHECK(MerchantPersonalData::decode(nameOnly.encode()) == nameOnly);

    const MerchantPersonalData someFields{"ABC", "", "VNM", "", "42"};
    CHECK(someFields.encode() == concat({versionHeader, field(0x81, "ABC"), field(0x83, "VNM"), field(0x85, "42")}));
    const MerchantPersonalData decoded = MerchantPersonalData::decode(someFields.encode());
    CHECK(decoded == someFields);
    CHECK(decoded.nativeName.empty());
    CHECK(decoded.travelDocument.empty());
}

TEST_CASE("the encoding is canonical: encode(decode(x)) == x", "[issuance][personal-data]") {
    // Hand-made encodings as a card would hold them, including a field longer than 127 bytes
    // (two-byte length form 81 xx) and one longer than 255 (82 xx xx).
    const std::string longName(200, 'N');
    const std::string longerNative = std::string(100, 'x') + "王" + std::string(200, 'y');
    const Bytes samples[] = {
        fromHex("800101" "8101" "41"),
        concat({versionHeader, field(0x81, "A"), field(0x82, "أ"), field(0x83, "EGY"), field(0x84, "X1"),
                field(0x85, "7")}),
        concat({versionHeader, field(0x81, longName), field(0x82, longerNative)}),
    };
    for (const Bytes& encoded : samples) CHECK(MerchantPersonalData::decode(encoded).encode() == encoded);
    CHECK(field(0x81, longName)[1] == 0x81);
    CHECK(field(0x82, longerNative)[1] == 0x82);
}

TEST_CASE("the decoder refuses a wrong or missing version", "[issuance][personal-data]") {
    requireRefused(fromHex(""));
    requireRefused(fromHex("800102" "8103414243"));                   // version 2
    requireRefused(fromHex("80020001" "8103414243"));                 // version as two bytes
    requireRefused(fromHex("8100"));                                  // no version at all
    requireRefused(fromHex("8103414243" "800101"));                   // version not first
    requireRefused(fromHex("8103414243"));                            // no header
}

TEST_CASE("the decoder refuses data without a name", "[issuance][personal-data]") {
    requireRefused(versionHeader);
    requireRefused(concat({versionHeader, field(0x82, "王小明"), field(0x83, "CHN")}));
}

TEST_CASE("the decoder refuses fields out of order or repeated", "[issuance][personal-data]") {
    requireRefused(concat({versionHeader, field(0x83, "CHN"), field(0x81, "WANG")}));
    requireRefused(concat({versionHeader, field(0x81, "WANG"), field(0x81, "LI")}));
    requireRefused(concat({versionHeader, field(0x81, "WANG"), field(0x85, "1"), field(0x84, "E1")}));
    requireRefused(concat({versionHeader, versionHeader, field(0x81, "WANG")}));  // version repeated
}

TEST_CASE("the decoder refuses unknown tags", "[issuance][personal-data]") {
    requireRefused(concat({versionHeader, field(0x81, "WANG"), field(0x86, "extra")}));
    requireRefused(concat({versionHeader, field(0x81, "WANG"), field(0x5F20, "extra")}));
    requireRefused(concat({versionHeader, field(0x81, "WANG"), fromHex("A0038101AA")}));  // constructed
}

TEST_CASE("the decoder refuses an empty field", "[issuance][personal-data]") {
    requireRefused(fromHex("800101" "8100"));
    requireRefused(concat({versionHeader, field(0x81, "WANG"), fromHex("8200")}));
    requireRefused(concat({versionHeader, field(0x81, "WANG"), fromHex("8500")}));
}

TEST_CASE("the decoder refuses truncated bytes", "[issuance][personal-data]") {
    const Bytes full = MerchantPersonalData{"WANG XIAOMING", "王小明", "CHN", "E98765432", "42"}.encode();
    // Every proper prefix that cuts a TLV in half (the cuts between whole TLVs are valid
    // encodings of less data, or lack the name).
    std::size_t refused = 0;
    for (std::size_t length = 1; length < full.size(); ++length) {
        const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
        try {
            const MerchantPersonalData decoded = MerchantPersonalData::decode(prefix);
            // Only a cut at a TLV boundary may decode, and then to fewer fields, never garbage.
            CHECK(decoded.encode() == prefix);
        } catch (const CardError&) {
            ++refused;
        }
    }
    CHECK(refused >= full.size() - 5);
    requireRefused(fromHex("800101" "8105414243"));  // length says 5, 3 bytes follow
    requireRefused(fromHex("800101" "81"));          // tag without a length
    requireRefused(fromHex("800101" "8182"));        // long length form cut off
}

// The header promises that "two encodings never give the same data": otherwise the digest in
// the certificate would not pin down the bytes on the card. BER padding (00/FF between TLVs)
// and non-shortest length forms are other encodings of the same values.
TEST_CASE("the decoder refuses non-canonical encodings of valid data", "[issuance][personal-data][canonical]") {
    requireRefused(fromHex("800101" "818103414243"));      // length 03 in the long form
    requireRefused(fromHex("800101" "81820003414243"));    // length 03 in three bytes
    requireRefused(fromHex("800101" "00" "8103414243"));   // 00 padding between fields
    requireRefused(fromHex("800101" "8103414243" "FFFF")); // FF padding at the end
}
