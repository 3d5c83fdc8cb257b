// libFuzzer target: what a terminal reads from an NFC tag. The same input is (1) an NDEF
// message, decoded strictly, and (2) the tag's memory from its capability container on, served
// by the virtual NTAG216 and read the way a terminal and the station read a tag (Type2Tag over
// the FF CA / FF B0 pseudo-APDUs, then the one application/cwt record). Anyone can write a tag,
// so every input must be read or refused with the library's own errors.
#include "card/transport.hpp"
#include "card/errors.hpp"
#include "card/nfc/ndef.hpp"
#include "card/nfc/type2_tag.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/ntag216_tag.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

namespace nfc = fmc::card::nfc;
namespace vcard = fmc::card::vcard;

void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

const fmc::Bytes kUid{0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6};

// A decoded message encodes to a message that decodes to the same records (the encoder may
// choose the short form where the input used the long one, so the bytes can differ).
void fuzzMessage(fmc::ByteView bytes) {
    std::vector<nfc::NdefRecord> records;
    try {
        records = nfc::decodeNdefMessage(bytes);
    } catch (const nfc::NdefError&) {
        return;
    }
    require(!records.empty());
    const fmc::Bytes encoded = nfc::encodeNdefMessage(records);
    require(encoded.size() <= bytes.size());
    require(nfc::decodeNdefMessage(encoded) == records);

    // What decodes and fits is written to a blank tag and read back unchanged.
    vcard::Ntag216Tag blank(vcard::Ntag216State::factoryBlank(kUid), [](const vcard::Ntag216State&) {});
    vcard::AppletTransport transport(blank);
    fmc::card::CardChannel channel(transport);
    nfc::Type2Tag tag(channel);
    try {
        tag.writeNdefMessage(encoded);
    } catch (const nfc::NdefError&) {
        require(encoded.size() + 5 > tag.capabilityContainer().dataAreaSize());  // only "does not fit"
        return;
    }
    const std::optional<fmc::Bytes> readBack = tag.readNdefMessage();
    require(readBack && *readBack == encoded);
}

void fuzzTagMemory(fmc::ByteView bytes) {
    vcard::Ntag216State state = vcard::Ntag216State::factoryBlank(kUid);
    const std::size_t from = std::size_t{vcard::ntag216::kCapabilityPage} * vcard::ntag216::kPageSize;
    const std::size_t length = std::min(bytes.size(), state.memory.size() - from);
    std::copy_n(bytes.begin(), length, state.memory.begin() + static_cast<std::ptrdiff_t>(from));
    vcard::Ntag216Tag card(state, [](const vcard::Ntag216State&) {});
    vcard::AppletTransport transport(card);
    fmc::card::CardChannel channel(transport);
    nfc::Type2Tag tag(channel);
    try {
        require(tag.uid() == kUid);
        const std::optional<fmc::Bytes> message = tag.readNdefMessage();
        if (!message) return;
        require(!message->empty() && message->size() <= tag.capabilityContainer().dataAreaSize());
        (void)nfc::soleMediaRecordPayload(*message, "application/cwt");
    } catch (const fmc::card::CardError&) {  // NdefError, or a status word the tag gave
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fmc::ByteView bytes(data, size);
    fuzzMessage(bytes);
    fuzzTagMemory(bytes);
    return 0;
}
