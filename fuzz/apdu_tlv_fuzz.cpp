// libFuzzer target: what a card receives (command APDUs, ISO 7816-4) and what card and
// terminal parse from each other (BER-TLV). Any input must either parse into something that
// encodes back to the same meaning, or be refused with the library's own error; anything else
// (a crash, a sanitizer report, another exception) is a finding.
#include "card/apdu.hpp"
#include "card/errors.hpp"
#include "card/tlv.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

void fuzzCommandApdu(fmc::ByteView bytes) {
    try {
        const fmc::card::CommandApdu apdu = fmc::card::CommandApdu::parse(bytes);
        // Re-encoding what was parsed must parse to the same command.
        const fmc::card::CommandApdu again = fmc::card::CommandApdu::parse(fmc::ByteView(apdu.encode()));
        require(again.cla() == apdu.cla() && again.ins() == apdu.ins() && again.p1() == apdu.p1() &&
                again.p2() == apdu.p2() && again.data() == apdu.data() && again.ne() == apdu.ne());
    } catch (const fmc::card::MalformedApdu&) {
    }
}

void fuzzTlvs(fmc::ByteView bytes) {
    try {
        for (const fmc::card::Tlv& tlv : fmc::card::parseTlvs(bytes)) {
            // The shortest encoding of a parsed object parses back to it.
            const fmc::Bytes encoded = fmc::card::encodeTlv(tlv.tag, fmc::ByteView(tlv.value));
            require(fmc::card::parseSingleTlv(fmc::ByteView(encoded)) == tlv);
        }
    } catch (const fmc::card::TlvError&) {
    }
    try {
        const auto [tlv, used] = fmc::card::parseTlvPrefix(bytes);
        require(used <= bytes.size() && tlv.value.size() < used);
    } catch (const fmc::card::TlvError&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fmc::ByteView bytes(data, size);
    fuzzCommandApdu(bytes);
    fuzzTlvs(bytes);
    return 0;
}
