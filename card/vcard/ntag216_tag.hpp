#pragma once
// An NXP NTAG216 NFC tag on a PC/SC contactless reader (`fmc-vcard --ntag216`). The tag has
// no APDU interface of its own: the reader maps the PC/SC Part 3 §3.2.2.1 storage-card
// pseudo-APDUs onto the tag's READ and WRITE commands, and this class answers them as such a
// reader does (status words included):
//   FF CA 00 00 Le        GET DATA: the 7-byte UID (6Cxx when Le is non-zero and too short)
//   FF CA 01 00 Le        the ATS, which a Type 2 tag does not have: 6A81
//   FF B0 00 PP Le        READ BINARY: Le bytes from page PP (Le 00 = 16, one native READ);
//                         past page 230 the read rolls over to page 0; PWD and PACK read 00
//   FF D6 00 PP 04 DATA   UPDATE BINARY: one page. UID pages and locked pages: 6300; the
//                         lock bytes (page 2, page 226) and the CC (page 3) are OTP: bits OR in
// Locks (datasheet §8.5.2-8.5.3): static lock bits lock pages 3-15 one by one, dynamic lock
// bits 16-page blocks from page 16; block-lock bits freeze lock bits; CFGLCK (CFG1 ACCESS
// bit 6) locks the two configuration pages. Password protection (AUTH0, PWD_AUTH) is not
// modelled: PC/SC offers no pseudo-APDU for PWD_AUTH.
#include "card/vcard/ntag216_state.hpp"
#include "card/vcard/virtual_card.hpp"

#include <cstdint>
#include <functional>

namespace fmc::card::vcard {

class Ntag216Tag : public VirtualCard {
public:
    // Called with the new memory after every accepted write, before it is acknowledged; when
    // it throws, the write is undone and answered 6581 (memory failure).
    using PersistFunction = std::function<void(const Ntag216State&)>;

    Ntag216Tag(Ntag216State state, PersistFunction persist);

    [[nodiscard]] Bytes process(ByteView commandApdu) override;
    // A Type 2 tag keeps nothing volatile that these commands could observe.
    void powerCycle() override {}
    // PC/SC Part 3 §3.1.3.2.3.2: 3B 8F 80 01 80 4F 0C, RID A0 00 00 03 06, SS 03
    // (ISO 14443 A part 3), NN 00 03 (Mifare Ultralight / NTAG21x), RFU, TCK 68.
    [[nodiscard]] Bytes atr() const override;

    [[nodiscard]] const Ntag216State& state() const { return state_; }
    // False when a WRITE to this page would be refused (6300): the UID pages, and pages
    // that the lock bytes or CFGLCK made read-only.
    [[nodiscard]] bool pageWritable(std::uint8_t page) const;

private:
    [[nodiscard]] std::uint16_t getData(ByteView command, Bytes& out) const;
    [[nodiscard]] std::uint16_t readBinary(ByteView command, Bytes& out) const;
    [[nodiscard]] std::uint16_t updateBinary(ByteView command);
    void writePage(std::uint8_t page, ByteView bytes);
    [[nodiscard]] std::uint8_t& byteAt(std::uint8_t page, std::size_t offset) {
        return state_.memory[std::size_t{page} * ntag216::kPageSize + offset];
    }
    [[nodiscard]] std::uint8_t byteAt(std::uint8_t page, std::size_t offset) const {
        return state_.memory[std::size_t{page} * ntag216::kPageSize + offset];
    }

    Ntag216State state_;
    PersistFunction persist_;
};

} // namespace fmc::card::vcard
