#pragma once
// Everything an NTAG216 remembers: its 924 bytes of memory (NXP NTAG213/215/216 datasheet
// §8.5, 231 pages of 4 bytes), the 7-byte UID and its check bytes included. The tag state
// file plays the part of the chip's EEPROM.
#include "card/vcard/card_state.hpp"
#include "crypto/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace fmc::card::vcard {

namespace ntag216 {
inline constexpr std::size_t kPageSize = 4;
inline constexpr std::size_t kPageCount = 231;  // pages 0x00..0xE6
inline constexpr std::size_t kMemorySize = kPageCount * kPageSize;
inline constexpr std::size_t kUidSize = 7;
inline constexpr std::uint8_t kLastPage = kPageCount - 1;

// The memory map (datasheet Table 6).
inline constexpr std::uint8_t kStaticLockPage = 2;      // UID6-BCC1, internal, lock 0, lock 1
inline constexpr std::uint8_t kCapabilityPage = 3;      // NFC Forum T2T capability container (OTP)
inline constexpr std::uint8_t kFirstUserPage = 4;
inline constexpr std::uint8_t kLastUserPage = 225;
inline constexpr std::uint8_t kDynamicLockPage = 226;   // dynamic lock 0, 1, 2, RFUI
inline constexpr std::uint8_t kConfig0Page = 227;       // MIRROR, RFUI, MIRROR_PAGE, AUTH0
inline constexpr std::uint8_t kConfig1Page = 228;       // ACCESS, RFUI, RFUI, RFUI
inline constexpr std::uint8_t kPasswordPage = 229;      // PWD: write-only
inline constexpr std::uint8_t kPackPage = 230;          // PACK, RFUI: write-only

// ISO 14443-3 check bytes of a double-size UID: BCC0 covers the cascade tag 88 and uid0-2.
[[nodiscard]] constexpr std::uint8_t bcc0(ByteView uid) { return static_cast<std::uint8_t>(0x88 ^ uid[0] ^ uid[1] ^ uid[2]); }
[[nodiscard]] constexpr std::uint8_t bcc1(ByteView uid) { return static_cast<std::uint8_t>(uid[3] ^ uid[4] ^ uid[5] ^ uid[6]); }
} // namespace ntag216

struct Ntag216State {
    std::array<std::uint8_t, ntag216::kMemorySize> memory{};

    // A tag as NXP ships it: the given UID (default: random, 04 = NXP first), the NDEF
    // capability container E1 10 6D 00, an empty NDEF TLV in page 4, nothing locked, the
    // configuration pages at their datasheet defaults (no password protection).
    [[nodiscard]] static Ntag216State factoryBlank();
    [[nodiscard]] static Ntag216State factoryBlank(ByteView uid);

    // UID0-2 from page 0 and UID3-6 from page 1.
    [[nodiscard]] Bytes uid() const;
    // Rewrites pages 0-2's UID and check bytes and nothing else (lock bytes stay). Throws
    // std::invalid_argument unless `uid` has 7 bytes.
    void setUid(ByteView uid);
    [[nodiscard]] ByteView page(std::uint8_t number) const {
        return ByteView(memory).subspan(std::size_t{number} * ntag216::kPageSize, ntag216::kPageSize);
    }

    bool operator==(const Ntag216State&) const = default;
};

// The text form: a marker line, "uid HEX", "memory HEX" (1848 digits). Parsing checks that
// the UID line, pages 0-1 and both check bytes agree. Throws CardStateError; a PIV state
// file gets a message that says which option it belongs to.
[[nodiscard]] std::string serializeNtag216State(const Ntag216State& state);
[[nodiscard]] Ntag216State parseNtag216State(std::string_view text);
// The first line of a tag state file (parseCardState names it when refusing one).
inline constexpr std::string_view kNtag216StateMarker = "fmc-vcard-ntag216 1";

// Reads and writes the tag state file; each save is atomic (temporary file, fsync, rename,
// fsync of the directory), as CardStateFile does.
class Ntag216StateFile {
public:
    explicit Ntag216StateFile(std::filesystem::path path) : path_(std::move(path)) {}

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // A missing file is a factory-blank tag (random UID), which is saved at once.
    [[nodiscard]] Ntag216State loadOrCreate() const;
    [[nodiscard]] Ntag216State load() const;
    void save(const Ntag216State& state) const;

private:
    std::filesystem::path path_;
};

} // namespace fmc::card::vcard
