#pragma once
// An NFC Forum Type 2 Tag (NTAG21x, Ultralight) behind a PC/SC contactless reader, through
// the storage-card pseudo-APDUs of PC/SC Part 3 §3.2.2.1: GET DATA for the UID, READ BINARY
// (FF B0) and UPDATE BINARY (FF D6) addressing 4-byte pages. The NDEF message lives in an
// NDEF Message TLV in the data area that starts at page 4 (NFC Forum Type 2 Tag
// Operation Specification).
// Status words other than 9000 become CardStatusError through the one table; a tag content
// that does not parse becomes NdefError.
#include "card/nfc/ndef.hpp"
#include "card/transport.hpp"
#include "crypto/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace fmc::card::nfc {

// The tag's memory comes in 4-byte pages; the CC is page 3, data from page 4.
inline constexpr std::size_t kType2PageSize = 4;
inline constexpr std::uint8_t kCapabilityContainerPage = 3;
inline constexpr std::uint8_t kFirstDataPage = 4;
// One native READ (and one FF B0 with Le 00 or 10): four pages.
inline constexpr std::size_t kType2ReadSize = 16;

// The capability container, page 3: E1, version (major.minor nibbles), data area size
// in units of 8 bytes, access (read nibble, write nibble; 0 = granted).
struct CapabilityContainer {
    std::uint8_t magic = 0, version = 0, dataAreaBytes8 = 0, access = 0;
    [[nodiscard]] std::size_t dataAreaSize() const { return std::size_t{dataAreaBytes8} * 8; }
    [[nodiscard]] bool readable() const { return (access >> 4) == 0; }
    [[nodiscard]] bool writable() const { return access == 0x00; }
};

class Type2Tag {
public:
    explicit Type2Tag(CardChannel& channel) : channel_(channel) {}

    // FF CA 00 00 00: the 4-, 7- or 10-byte ISO 14443-3 UID (NTAG: 7 bytes starting 04).
    [[nodiscard]] Bytes uid();
    // pageCount pages from firstPage, in 16-byte READ BINARYs (the surplus of the last one is
    // dropped). Throws std::invalid_argument for a range past page 255, which P2 cannot address.
    [[nodiscard]] Bytes readPages(std::uint8_t firstPage, std::size_t pageCount);
    // One UPDATE BINARY of exactly 4 bytes (std::invalid_argument otherwise).
    void writePage(std::uint8_t page, ByteView fourBytes);
    // Page 3; throws NdefError unless it starts E1 with major version 1.
    [[nodiscard]] CapabilityContainer capabilityContainer();

    // The value of the first NDEF Message TLV; nullopt when the area has none before the
    // terminator (or its end), or it is empty (length 0, the factory state). Reads the CC, then
    // only as many 16-byte blocks from page 4 as the TLVs up to the message need. Throws
    // NdefError for a TLV running past the CC's data area or a reserved TLV type.
    [[nodiscard]] std::optional<Bytes> readNdefMessage();
    // Why a message of `messageSize` bytes cannot be written to this tag, or nullopt when it
    // can: the CC denies write access, the TLV does not fit the data area, or a page it needs
    // is locked. Locks read: the static lock bits of page 2 (pages 3-15, every Type 2 Tag) and,
    // on an NTAG216 (CC data area 872 bytes), the dynamic lock bits of page 226 (16 pages each
    // from page 16); other tags' dynamic locks are not read (a write there fails instead).
    [[nodiscard]] std::optional<std::string> whyNotWritable(std::size_t messageSize);
    // Writes 03 L [..] message FE from page 4, padded with 00 to whole pages. Throws NdefError
    // (before writing anything) for every reason whyNotWritable gives.
    void writeNdefMessage(ByteView message);

private:
    CardChannel& channel_;
};

} // namespace fmc::card::nfc
