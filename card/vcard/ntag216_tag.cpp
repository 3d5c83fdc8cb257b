#include "card/vcard/ntag216_tag.hpp"

#include <exception>

namespace fmc::card::vcard {

namespace {

using namespace ntag216;

constexpr std::uint8_t kClaPcsc = 0xFF;
constexpr std::uint8_t kInsGetData = 0xCA;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsUpdateBinary = 0xD6;

constexpr std::uint16_t kOk = 0x9000;
constexpr std::uint16_t kWrongLength = 0x6700;
constexpr std::uint16_t kOperationFailed = 0x6300;     // PC/SC Part 3: "no information given"
constexpr std::uint16_t kMemoryFailure = 0x6581;
constexpr std::uint16_t kFunctionNotSupported = 0x6A81;
constexpr std::uint16_t kWrongP1P2 = 0x6A86;
constexpr std::uint16_t kWrongParameters = 0x6B00;     // address outside the memory
constexpr std::uint16_t kInsNotSupported = 0x6D00;

constexpr std::size_t kNativeReadSize = 16;  // one READ: 4 pages

// Static lock bytes, page 2 bytes 2 and 3 (datasheet §8.5.2, Figure 6).
constexpr std::size_t kLock0 = 2, kLock1 = 3;
constexpr std::uint8_t kBlockLockCc = 0x01;       // lock 0 bit 0: freezes L-CC
constexpr std::uint8_t kBlockLock4To9 = 0x02;     // lock 0 bit 1: freezes L4-L9
constexpr std::uint8_t kBlockLock10To15 = 0x04;   // lock 0 bit 2: freezes L10-L15
constexpr std::uint8_t kLockCc = 0x08;            // lock 0 bit 3: page 3 read-only
constexpr std::uint8_t kFirstStaticLockedPage = kCapabilityPage;
constexpr std::uint8_t kLastStaticLockedPage = 15;

// Dynamic lock bytes of the NTAG216, page 226 bytes 0-2 (datasheet §8.5.3, Table 8): 14
// lock bits (byte 0 bits 0-7, byte 1 bits 0-5), bit k locking pages 16 + 16k .. 31 + 16k
// (the last block ends at page 225); byte 2 bits 0-6 are block-lock bits, bit j freezing
// lock bits 2j and 2j+1. The other bits are RFUI and stay 0.
constexpr std::uint8_t kFirstDynamicLockedPage = 16;
constexpr std::size_t kPagesPerDynamicLockBit = 16;
constexpr std::uint8_t kDynamicLock1Used = 0x3F;
constexpr std::uint8_t kDynamicBlockLockUsed = 0x7F;

// CFG1 byte 0 (ACCESS) bit 6: the configuration pages are locked for good.
constexpr std::uint8_t kConfigLock = 0x40;

std::uint16_t statusOf(std::uint8_t sw1, std::uint8_t sw2) { return static_cast<std::uint16_t>(sw1 << 8 | sw2); }

} // namespace

Ntag216Tag::Ntag216Tag(Ntag216State state, PersistFunction persist)
    : state_(std::move(state)), persist_(std::move(persist)) {}

Bytes Ntag216Tag::atr() const {
    return {0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00,
            0x03, 0x06, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x68};
}

Bytes Ntag216Tag::process(ByteView command) {
    Bytes out;
    std::uint16_t sw = kOk;
    try {
        if (command.size() < 4) {
            sw = kWrongLength;
        } else if (command[0] != kClaPcsc) {
            // A storage card has no APDU interface: the reader refuses ISO commands itself.
            sw = kFunctionNotSupported;
        } else {
            switch (command[1]) {
                case kInsGetData: sw = getData(command, out); break;
                case kInsReadBinary: sw = readBinary(command, out); break;
                case kInsUpdateBinary: sw = updateBinary(command); break;
                default: sw = kInsNotSupported; break;
            }
        }
    } catch (const std::exception&) {
        out.clear();
        sw = 0x6F00;
    }
    if (sw != kOk) out.clear();
    out.push_back(static_cast<std::uint8_t>(sw >> 8));
    out.push_back(static_cast<std::uint8_t>(sw & 0xFF));
    return out;
}

std::uint16_t Ntag216Tag::getData(ByteView command, Bytes& out) const {
    // Case 1 (no Le) or case 2 short; nothing else.
    if (command.size() != 4 && command.size() != 5) return kWrongLength;
    if (command[3] != 0x00) return kWrongP1P2;
    if (command[2] == 0x01) return kFunctionNotSupported;  // ATS: Type 2 tags are ISO 14443-3 only
    if (command[2] != 0x00) return kWrongP1P2;
    if (command.size() == 5 && command[4] != 0 && command[4] < kUidSize)
        return statusOf(0x6C, static_cast<std::uint8_t>(kUidSize));
    out = state_.uid();
    return kOk;
}

std::uint16_t Ntag216Tag::readBinary(ByteView command, Bytes& out) const {
    if (command.size() != 5) return kWrongLength;
    const std::uint8_t page = command[3];
    if (command[2] != 0x00 || page > kLastPage) return kWrongParameters;
    const std::size_t count = command[4] == 0 ? kNativeReadSize : command[4];
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        // NTAG READ rolls over from the last page to page 0.
        const std::size_t address = (std::size_t{page} * kPageSize + i) % kMemorySize;
        const std::size_t addressPage = address / kPageSize;
        const bool writeOnly = addressPage == kPasswordPage || addressPage == kPackPage;
        out.push_back(writeOnly ? 0x00 : state_.memory[address]);
    }
    return kOk;
}

bool Ntag216Tag::pageWritable(std::uint8_t page) const {
    if (page < kStaticLockPage || page > kLastPage) return false;  // UID pages: read-only
    if (page >= kFirstStaticLockedPage && page <= kLastStaticLockedPage) {
        const std::uint8_t lock0 = byteAt(kStaticLockPage, kLock0);
        const std::uint8_t lock1 = byteAt(kStaticLockPage, kLock1);
        if (page == kCapabilityPage) return (lock0 & kLockCc) == 0;
        if (page < 8) return (lock0 & (1u << page)) == 0;  // L4-L7: lock 0 bits 4-7
        return (lock1 & (1u << (page - 8))) == 0;           // L8-L15: lock 1 bits 0-7
    }
    if (page >= kFirstDynamicLockedPage && page <= kLastUserPage) {
        const std::size_t bit = std::size_t{static_cast<std::uint8_t>(page - kFirstDynamicLockedPage)} / kPagesPerDynamicLockBit;
        const std::uint8_t lockByte = byteAt(kDynamicLockPage, bit / 8);
        return (lockByte & (1u << (bit % 8))) == 0;
    }
    if (page == kConfig0Page || page == kConfig1Page) return (byteAt(kConfig1Page, 0) & kConfigLock) == 0;
    return true;  // page 2 and page 226 (OTP), PWD, PACK
}

std::uint16_t Ntag216Tag::updateBinary(ByteView command) {
    if (command.size() < 5 || command[4] != kPageSize || command.size() != 5 + kPageSize) return kWrongLength;
    const std::uint8_t page = command[3];
    if (command[2] != 0x00 || page > kLastPage) return kWrongParameters;
    if (!pageWritable(page)) return kOperationFailed;
    const Ntag216State before = state_;
    writePage(page, command.subspan(5, kPageSize));
    if (persist_) {
        try {
            persist_(state_);
        } catch (const std::exception&) {
            // The host hears that the write failed, so the tag must not keep it either.
            state_ = before;
            return kMemoryFailure;
        }
    }
    return kOk;
}

void Ntag216Tag::writePage(std::uint8_t page, ByteView bytes) {
    if (page == kStaticLockPage) {
        // Bytes 0-1 (BCC1, internal) are not writable; the lock bytes are OTP, and a set
        // block-lock bit freezes the lock bits it covers.
        const std::uint8_t lock0 = byteAt(page, kLock0);
        const std::uint8_t lock1 = byteAt(page, kLock1);
        std::uint8_t frozen0 = 0, frozen1 = 0;
        if (lock0 & kBlockLockCc) frozen0 |= kLockCc;
        if (lock0 & kBlockLock4To9) {
            frozen0 |= 0xF0;
            frozen1 |= 0x03;
        }
        if (lock0 & kBlockLock10To15) frozen1 |= 0xFC;
        byteAt(page, kLock0) = static_cast<std::uint8_t>(lock0 | (bytes[kLock0] & ~frozen0));
        byteAt(page, kLock1) = static_cast<std::uint8_t>(lock1 | (bytes[kLock1] & ~frozen1));
        return;
    }
    if (page == kCapabilityPage) {
        // The capability container is OTP: bits can be set, never cleared.
        for (std::size_t i = 0; i < kPageSize; ++i) byteAt(page, i) = static_cast<std::uint8_t>(byteAt(page, i) | bytes[i]);
        return;
    }
    if (page == kDynamicLockPage) {
        const std::uint8_t blockLocks = byteAt(page, 2);
        std::uint16_t frozen = 0;  // lock bits 0-13
        for (unsigned j = 0; j < 7; ++j)
            if (blockLocks & (1u << j)) frozen = static_cast<std::uint16_t>(frozen | (0x3u << (2 * j)));
        byteAt(page, 0) = static_cast<std::uint8_t>(byteAt(page, 0) | (bytes[0] & ~frozen & 0xFF));
        byteAt(page, 1) = static_cast<std::uint8_t>(byteAt(page, 1) | (bytes[1] & ~(frozen >> 8) & kDynamicLock1Used));
        byteAt(page, 2) = static_cast<std::uint8_t>(blockLocks | (bytes[2] & kDynamicBlockLockUsed));
        return;  // byte 3 (RFUI) keeps its BD
    }
    for (std::size_t i = 0; i < kPageSize; ++i) byteAt(page, i) = bytes[i];
}

} // namespace fmc::card::vcard
