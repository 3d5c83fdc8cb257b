#include "card/nfc/type2_tag.hpp"

#include "card/status_words.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace fmc::card::nfc {

namespace {

// PC/SC Part 3 §3.2.2.1: the reader's storage-card pseudo-APDUs (CLA FF).
constexpr std::uint8_t kClaReader = 0xFF;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsUpdateBinary = 0xD6;
constexpr std::size_t kMaxPage = 0xFF;  // P2 is the page number; P1 (the high byte) stays 00

// NFC Forum Type 2 Tag Operation: the capability container and the TLV types of the data area.
constexpr std::uint8_t kCcMagic = 0xE1;
constexpr std::uint8_t kCcMajorVersion = 1;
constexpr std::uint8_t kTlvNull = 0x00;
constexpr std::uint8_t kTlvLockControl = 0x01;
constexpr std::uint8_t kTlvMemoryControl = 0x02;
constexpr std::uint8_t kTlvNdefMessage = 0x03;
constexpr std::uint8_t kTlvProprietary = 0xFD;
constexpr std::uint8_t kTlvTerminator = 0xFE;
constexpr std::uint8_t kThreeByteLength = 0xFF;     // FF L1 L2: lengths 255..65534
constexpr std::size_t kMaxTlvLength = 0xFFFE;
constexpr std::size_t kShortLengthLimit = 0xFF;

std::string hexByte(std::uint8_t value) { return toHex(Bytes{value}); }

void requirePagesAddressable(std::size_t firstPage, std::size_t pageCount) {
    if (pageCount != 0 && firstPage + pageCount - 1 > kMaxPage)
        throw std::invalid_argument("pages " + std::to_string(firstPage) + ".." +
                                    std::to_string(firstPage + pageCount - 1) +
                                    " are past page 255, which READ/UPDATE BINARY cannot address");
}

// The data area of the tag read lazily from page 4: the TLV walk asks for the bytes it needs
// and only then are more 16-byte blocks read, so a short message costs one READ.
class LazyDataArea {
public:
    LazyDataArea(Type2Tag& tag, std::size_t size) : tag_(tag), size_(size) {}
    [[nodiscard]] std::size_t size() const { return size_; }

    // The bytes [offset, offset + count); NdefError when they run past the data area.
    ByteView bytes(std::size_t offset, std::size_t count, const char* what) {
        if (offset + count > size_)
            throw NdefError(std::string(what) + " at offset " + std::to_string(offset) + " runs past the " +
                            std::to_string(size_) + "-byte data area");
        while (read_.size() < offset + count) {
            const std::size_t page = kFirstDataPage + read_.size() / kType2PageSize;
            const Bytes block = tag_.readPages(static_cast<std::uint8_t>(page), kType2ReadSize / kType2PageSize);
            read_.insert(read_.end(), block.begin(), block.end());
        }
        return ByteView(read_).subspan(offset, count);
    }

private:
    Type2Tag& tag_;
    std::size_t size_;
    Bytes read_;
};

// The TLV header bytes for `length`: one length byte below 255, else FF and two bytes.
Bytes ndefTlvHeader(std::size_t length) {
    if (length < kShortLengthLimit) return {kTlvNdefMessage, static_cast<std::uint8_t>(length)};
    return {kTlvNdefMessage, kThreeByteLength, static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length & 0xFF)};
}

} // namespace

Bytes Type2Tag::uid() {
    const ResponseApdu response = channel_.transmit(iso7816::getContactlessUid());
    requireSuccess(response, "GET DATA (UID)");
    const std::size_t size = response.data().size();
    // ISO 14443-3: single, double or triple size UIDs.
    if (size != 4 && size != 7 && size != 10)
        throw CardProtocolError("GET DATA (UID): the reader answered " + std::to_string(size) +
                                " bytes, not a 4-, 7- or 10-byte UID");
    return response.data();
}

Bytes Type2Tag::readPages(std::uint8_t firstPage, std::size_t pageCount) {
    requirePagesAddressable(firstPage, pageCount);
    const std::size_t wanted = pageCount * kType2PageSize;
    Bytes out;
    out.reserve(wanted + kType2ReadSize);
    for (std::size_t page = firstPage; out.size() < wanted; page += kType2ReadSize / kType2PageSize) {
        const std::string what = "READ BINARY page " + std::to_string(page);
        const CommandApdu read(kClaReader, kInsReadBinary, 0x00, static_cast<std::uint8_t>(page), {}, kType2ReadSize);
        const ResponseApdu response = channel_.transmit(read);
        requireSuccess(response, what);
        if (response.data().size() != kType2ReadSize)
            throw CardProtocolError(what + ": the reader answered " + std::to_string(response.data().size()) +
                                    " bytes, not " + std::to_string(kType2ReadSize));
        out.insert(out.end(), response.data().begin(), response.data().end());
    }
    out.resize(wanted);
    return out;
}

void Type2Tag::writePage(std::uint8_t page, ByteView fourBytes) {
    if (fourBytes.size() != kType2PageSize)
        throw std::invalid_argument("a Type 2 Tag page is 4 bytes, not " + std::to_string(fourBytes.size()));
    const CommandApdu update(kClaReader, kInsUpdateBinary, 0x00, page, Bytes(fourBytes.begin(), fourBytes.end()));
    requireSuccess(channel_.transmit(update), "UPDATE BINARY page " + std::to_string(page));
}

CapabilityContainer Type2Tag::capabilityContainer() {
    const Bytes page = readPages(kCapabilityContainerPage, 1);
    const CapabilityContainer cc{page[0], page[1], page[2], page[3]};
    if (cc.magic != kCcMagic)
        throw NdefError("capability container starts " + hexByte(cc.magic) + ", not E1: no NDEF on this tag");
    // A reader refuses a major mapping version it does not know; minor versions are compatible.
    if ((cc.version >> 4) != kCcMajorVersion)
        throw NdefError("capability container has mapping version " + hexByte(cc.version) + ", not 1.x");
    return cc;
}

std::optional<Bytes> Type2Tag::readNdefMessage() {
    const CapabilityContainer cc = capabilityContainer();
    if (!cc.readable()) throw NdefError("capability container denies read access (" + hexByte(cc.access) + ")");
    LazyDataArea area(*this, std::min(cc.dataAreaSize(), (kMaxPage + 1 - kFirstDataPage) * kType2PageSize));

    std::size_t offset = 0;
    while (offset < area.size()) {
        const std::uint8_t type = area.bytes(offset, 1, "TLV")[0];
        if (type == kTlvNull) {
            ++offset;
            continue;
        }
        if (type == kTlvTerminator) return std::nullopt;
        if (type != kTlvLockControl && type != kTlvMemoryControl && type != kTlvNdefMessage && type != kTlvProprietary)
            // Reserved TLV types: more likely a garbled area than a future standard.
            throw NdefError("reserved TLV type " + hexByte(type) + " at offset " + std::to_string(offset));

        std::size_t length = area.bytes(offset + 1, 1, "TLV length")[0];
        std::size_t headerSize = 2;
        if (length == kThreeByteLength) {
            const ByteView wide = area.bytes(offset + 2, 2, "TLV length");
            length = (std::size_t{wide[0]} << 8) | wide[1];
            headerSize = 4;
            if (length > kMaxTlvLength) throw NdefError("TLV length FFFF is reserved");
        }
        const std::size_t valueOffset = offset + headerSize;
        if (valueOffset + length > area.size())
            throw NdefError("TLV " + hexByte(type) + " at offset " + std::to_string(offset) + " declares " +
                            std::to_string(length) + " bytes, past the " + std::to_string(area.size()) +
                            "-byte data area");
        if (type == kTlvNdefMessage) {
            if (length == 0) return std::nullopt;
            const ByteView value = area.bytes(valueOffset, length, "NDEF Message TLV");
            return Bytes(value.begin(), value.end());
        }
        // Lock and Memory Control TLVs describe reserved bytes for tags whose lock bytes sit
        // inside the data area; NTAG21x keep them after it, so skipping the TLV is enough.
        offset = valueOffset + length;
    }
    return std::nullopt;
}

namespace {

// NFC Forum T2T static lock bytes (page 2, bytes 2 and 3): bit n of byte 2 locks page n for
// pages 3-7 (bits 0-2 are block locks), byte 3 bit n locks page 8 + n.
bool staticallyLocked(ByteView page2, std::size_t page) {
    if (page < kCapabilityContainerPage || page > 15) return false;
    return page < 8 ? (page2[2] >> page) & 1 : (page2[3] >> (page - 8)) & 1;
}

// NTAG216 (datasheet §8.5.3): dynamic lock bytes in page 226, bit n locks pages 16 + 16n to
// 31 + 16n; its CC announces 0x6D * 8 = 872 bytes.
constexpr std::uint8_t kNtag216DataArea = 0x6D;
constexpr std::uint8_t kNtag216DynamicLockPage = 226;
constexpr std::size_t kPagesPerDynamicLockBit = 16;
bool dynamicallyLocked(ByteView page226, std::size_t page) {
    if (page < 16) return false;
    const std::size_t bit = (page - 16) / kPagesPerDynamicLockBit;
    return bit < 16 && (page226[bit / 8] >> (bit % 8)) & 1;
}

} // namespace

std::optional<std::string> Type2Tag::whyNotWritable(std::size_t messageSize) {
    const CapabilityContainer cc = capabilityContainer();
    if (!cc.writable()) return "capability container denies write access (" + hexByte(cc.access) + ")";
    if (messageSize > kMaxTlvLength)
        return "NDEF message of " + std::to_string(messageSize) + " bytes exceeds a TLV's 65534";
    const std::size_t needed = ndefTlvHeader(messageSize).size() + messageSize + 1;  // + terminator
    const std::size_t capacity = std::min(cc.dataAreaSize(), (kMaxPage + 1 - kFirstDataPage) * kType2PageSize);
    if (needed > capacity)
        return "NDEF message of " + std::to_string(messageSize) + " bytes needs " + std::to_string(needed) +
               " bytes with its TLV, the tag's data area holds " + std::to_string(capacity);
    const std::size_t lastPage = kFirstDataPage + (needed - 1) / kType2PageSize;
    const Bytes page2 = readPages(2, 1);
    const bool ntag216 = cc.dataAreaBytes8 == kNtag216DataArea;
    const Bytes page226 = ntag216 ? readPages(kNtag216DynamicLockPage, 1) : Bytes{};
    for (std::size_t page = kFirstDataPage; page <= lastPage; ++page)
        if (staticallyLocked(page2, page) || (ntag216 && dynamicallyLocked(page226, page)))
            return "page " + std::to_string(page) + " is locked (read-only for good)";
    return std::nullopt;
}

void Type2Tag::writeNdefMessage(ByteView message) {
    if (const std::optional<std::string> why = whyNotWritable(message.size())) throw NdefError(*why);
    Bytes area = ndefTlvHeader(message.size());
    area.insert(area.end(), message.begin(), message.end());
    area.push_back(kTlvTerminator);
    area.resize((area.size() + kType2PageSize - 1) / kType2PageSize * kType2PageSize, 0x00);

    const auto page = [&](std::size_t index) { return ByteView(area).subspan(index * kType2PageSize, kType2PageSize); };
    const std::size_t pageCount = area.size() / kType2PageSize;
    // Each page write is atomic on the chip, but the whole message is not: a tag pulled off the
    // reader half-way would hold the new header over the tail of the old message, which may
    // parse as a valid, different message. So (as the T2T NDEF write procedure does) the TLV first says
    // "empty NDEF", then the body is written, and only the last write, a single page, makes the
    // new length visible. A message that fits in page 4 alone needs just that one write.
    if (pageCount > 1) {
        static constexpr std::uint8_t kEmptyNdef[kType2PageSize] = {kTlvNdefMessage, 0x00, kTlvTerminator, 0x00};
        writePage(kFirstDataPage, kEmptyNdef);
        for (std::size_t index = 1; index < pageCount; ++index)
            writePage(static_cast<std::uint8_t>(kFirstDataPage + index), page(index));
    }
    writePage(kFirstDataPage, page(0));
}

} // namespace fmc::card::nfc
