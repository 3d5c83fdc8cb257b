#include "card/vcard/ntag216_state.hpp"

#include "crypto/file_io.hpp"
#include "crypto/random.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace fmc::card::vcard {

namespace {

using namespace ntag216;

// The first line of the PIV card's state file (card_state.cpp).
constexpr std::string_view kPivStateMarker = "fmc-vcard-state 1";

// Page 2 byte 1 ("internal") as NXP programs it on NTAG21x.
constexpr std::uint8_t kInternalByte = 0x48;

// Factory contents after the UID pages (datasheet §8.5 and §8.5.7), page by page:
// CC E1 10 6D 00: NDEF mapping v1.0, data area 0x6D * 8 = 872 bytes, read/write access.
constexpr std::uint8_t kCapabilityContainer[kPageSize] = {0xE1, 0x10, 0x6D, 0x00};
// An empty NDEF message TLV and the terminator TLV (NFC Forum Type 2 Tag §2.3).
constexpr std::uint8_t kEmptyNdef[kPageSize] = {0x03, 0x00, 0xFE, 0x00};
// Dynamic lock bytes all open; the RFUI byte reads BD on NTAG21x.
constexpr std::uint8_t kDynamicLockDefault[kPageSize] = {0x00, 0x00, 0x00, 0xBD};
// CFG0: MIRROR 04 (STRG_MOD_EN), RFUI, MIRROR_PAGE 00, AUTH0 FF (no page protected).
constexpr std::uint8_t kConfig0Default[kPageSize] = {0x04, 0x00, 0x00, 0xFF};
// CFG1: ACCESS 00 (no read protection, CFGLCK open, no AUTHLIM), RFUI 05 00 00.
constexpr std::uint8_t kConfig1Default[kPageSize] = {0x00, 0x05, 0x00, 0x00};
// PWD FF FF FF FF, PACK 00 00 (both write-only: a read shows zeros).
constexpr std::uint8_t kPasswordDefault[kPageSize] = {0xFF, 0xFF, 0xFF, 0xFF};

void putPage(Ntag216State& state, std::uint8_t page, const std::uint8_t (&bytes)[kPageSize]) {
    std::copy(std::begin(bytes), std::end(bytes), state.memory.begin() + static_cast<std::ptrdiff_t>(std::size_t{page} * kPageSize));
}

std::string_view firstLine(std::string_view text) { return text.substr(0, text.find('\n')); }

Bytes parseHexField(std::string_view text, const char* field) {
    try {
        return fromHex(text);
    } catch (const std::invalid_argument&) {
        throw CardStateError(std::string("bad hex in ") + field);
    }
}

} // namespace

Ntag216State Ntag216State::factoryBlank() {
    Bytes uid = crypto::randomBytes(kUidSize);
    uid[0] = 0x04;  // ISO/IEC 7816-6 manufacturer code: NXP
    return factoryBlank(uid);
}

Ntag216State Ntag216State::factoryBlank(ByteView uid) {
    Ntag216State state;
    state.setUid(uid);
    state.memory[kStaticLockPage * kPageSize + 1] = kInternalByte;
    putPage(state, kCapabilityPage, kCapabilityContainer);
    putPage(state, kFirstUserPage, kEmptyNdef);
    putPage(state, kDynamicLockPage, kDynamicLockDefault);
    putPage(state, kConfig0Page, kConfig0Default);
    putPage(state, kConfig1Page, kConfig1Default);
    putPage(state, kPasswordPage, kPasswordDefault);
    return state;
}

Bytes Ntag216State::uid() const {
    return Bytes{memory[0], memory[1], memory[2], memory[4], memory[5], memory[6], memory[7]};
}

void Ntag216State::setUid(ByteView uid) {
    if (uid.size() != kUidSize) throw std::invalid_argument("an NTAG216 UID has 7 bytes");
    // Page 0: UID0 UID1 UID2 BCC0; page 1: UID3..UID6; page 2 byte 0: BCC1.
    std::copy(uid.begin(), uid.begin() + 3, memory.begin());
    memory[3] = bcc0(uid);
    std::copy(uid.begin() + 3, uid.end(), memory.begin() + 4);
    memory[8] = bcc1(uid);
}

std::string serializeNtag216State(const Ntag216State& state) {
    std::string out(kNtag216StateMarker);
    out += "\nuid " + toHex(state.uid());
    out += "\nmemory " + toHex(state.memory);
    out += "\n";
    return out;
}

Ntag216State parseNtag216State(std::string_view text) {
    const std::string_view marker = firstLine(text);
    if (marker == kPivStateMarker)
        throw CardStateError("this is a PIV card state file, not an NTAG216 tag's: start fmc-vcard without --ntag216");
    if (marker != kNtag216StateMarker) throw CardStateError("not a fmc-vcard NTAG216 state file (or a newer format)");
    Ntag216State state;
    Bytes uid;
    bool sawUid = false, sawMemory = false;
    std::size_t pos = marker.size() + 1;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        const std::size_t space = line.find(' ');
        const std::string_view name = line.substr(0, space);
        const std::string_view value = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
        if (name == "uid" && !sawUid) {
            uid = parseHexField(value, "uid");
            if (uid.size() != kUidSize) throw CardStateError("the uid must have 7 bytes");
            sawUid = true;
        } else if (name == "memory" && !sawMemory) {
            const Bytes memory = parseHexField(value, "memory");
            if (memory.size() != kMemorySize) throw CardStateError("the memory must have 924 bytes");
            std::copy(memory.begin(), memory.end(), state.memory.begin());
            sawMemory = true;
        } else {
            throw CardStateError("unknown or repeated field '" + std::string(name) + "'");
        }
    }
    if (!sawUid || !sawMemory) throw CardStateError("state file is incomplete");
    // The UID lives in pages 0-2; the uid line is there for people reading the file. A file
    // where they disagree, or the check bytes are wrong, was edited by hand or damaged.
    if (state.uid() != uid) throw CardStateError("the uid does not match memory pages 0-1");
    if (state.memory[3] != bcc0(uid) || state.memory[8] != bcc1(uid))
        throw CardStateError("the UID check bytes (BCC0, BCC1) in pages 0-2 are wrong");
    return state;
}

Ntag216State Ntag216StateFile::load() const {
    std::string text;
    try {
        text = readFileText(path_);
    } catch (const FileError& e) {
        throw CardStateError(e.what());
    }
    try {
        return parseNtag216State(text);
    } catch (const CardStateError& e) {
        throw CardStateError(path_.string() + ": " + e.what());
    }
}

Ntag216State Ntag216StateFile::loadOrCreate() const {
    std::error_code error;
    if (!std::filesystem::exists(path_, error) && !error) {
        Ntag216State state = Ntag216State::factoryBlank();
        save(state);
        return state;
    }
    return load();
}

void Ntag216StateFile::save(const Ntag216State& state) const {
    try {
        // 0600 like the PIV state: the file holds the tag's password (PWD).
        writeFileAtomically(path_, serializeNtag216State(state), 0600);
    } catch (const FileError& e) {
        throw CardStateError(e.what());
    }
}

} // namespace fmc::card::vcard
