#pragma once
// ISO 7816-4 §5.1 command and response APDUs as value types.
#include "crypto/bytes.hpp"

#include <cstddef>
#include <cstdint>

namespace fmc::card {

enum class LengthEncoding { automatic, shortOnly, extended };

class CommandApdu {
public:
    static constexpr std::size_t kMaxShortNc = 255;
    static constexpr std::size_t kMaxShortNe = 256;
    static constexpr std::size_t kMaxExtendedNc = 65535;
    static constexpr std::size_t kMaxExtendedNe = 65536;
    static constexpr std::uint8_t kChainingBit = 0x10;  // ISO 7816-4 §5.4.1 command chaining

    // ne == 0 means "no Le field" (cases 1 and 3); ne == 256 is short Le 00 ("up to 256").
    CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                Bytes data = {}, std::size_t ne = 0);

    // Parses what a card receives; throws MalformedApdu for anything ISO 7816-4 does not allow.
    static CommandApdu parse(ByteView bytes);

    [[nodiscard]] std::uint8_t cla() const { return cla_; }
    [[nodiscard]] std::uint8_t ins() const { return ins_; }
    [[nodiscard]] std::uint8_t p1() const { return p1_; }
    [[nodiscard]] std::uint8_t p2() const { return p2_; }
    [[nodiscard]] const Bytes& data() const { return data_; }
    [[nodiscard]] std::size_t ne() const { return ne_; }
    [[nodiscard]] bool isChained() const { return (cla_ & kChainingBit) != 0; }
    // 1: no data, no Le; 2: Le only; 3: data only; 4: data and Le.
    [[nodiscard]] int isoCase() const;
    [[nodiscard]] bool needsExtendedLength() const { return data_.size() > kMaxShortNc || ne_ > kMaxShortNe; }

    // Throws std::length_error when shortOnly is asked for a command that does not fit.
    [[nodiscard]] Bytes encode(LengthEncoding encoding = LengthEncoding::automatic) const;

    [[nodiscard]] CommandApdu withCla(std::uint8_t cla) const;
    [[nodiscard]] CommandApdu withNe(std::size_t ne) const;
    [[nodiscard]] CommandApdu withData(Bytes data) const;

    // Overwrites the data field: commands that carried a PIN or a key are wiped after use.
    void wipeData() noexcept;

    bool operator==(const CommandApdu&) const = default;

private:
    std::uint8_t cla_;
    std::uint8_t ins_;
    std::uint8_t p1_;
    std::uint8_t p2_;
    Bytes data_;
    std::size_t ne_;
};

class ResponseApdu {
public:
    ResponseApdu(Bytes data, std::uint16_t sw) : data_(std::move(data)), sw_(sw) {}
    // Throws CardProtocolError for fewer than 2 bytes, even if the reader said "success".
    static ResponseApdu parse(ByteView bytes);

    [[nodiscard]] const Bytes& data() const { return data_; }
    [[nodiscard]] std::uint16_t sw() const { return sw_; }
    [[nodiscard]] std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw_ >> 8); }
    [[nodiscard]] std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw_ & 0xFF); }
    [[nodiscard]] bool isSuccess() const { return sw_ == 0x9000; }
    [[nodiscard]] Bytes encode() const;

    bool operator==(const ResponseApdu&) const = default;

private:
    Bytes data_;
    std::uint16_t sw_;
};

// Named ISO 7816-4 builders. Profile-specific commands live with their profile (piv/).
namespace iso7816 {
// §11.2.2 SELECT by DF name (AID), first or only occurrence, answer FCI.
CommandApdu selectByAid(ByteView aid);
// §11.5.3 GET RESPONSE after 61xx; ne 1..256.
CommandApdu getResponse(std::size_t ne);
// PC/SC Part 3 §3.2.2.1.3: the reader's GET DATA pseudo-APDU for the contactless UID.
CommandApdu getContactlessUid();
} // namespace iso7816

// APDUs for logs with their data masked, so a PIN, a key or personal data never reaches a
// log file. Commands keep the header and the length; SELECT and GET DATA keep their data
// (an AID or a tag list: never secret). Responses keep their length and status word.
enum class ApduDirection { command, response };
std::string maskedForLog(ByteView apduBytes, ApduDirection direction);

} // namespace fmc::card
