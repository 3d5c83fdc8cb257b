#include "card/apdu.hpp"

#include "card/errors.hpp"

#include <stdexcept>
#include <string>

namespace fmc::card {

CommandApdu::CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                         Bytes data, std::size_t ne)
    : cla_(cla), ins_(ins), p1_(p1), p2_(p2), data_(std::move(data)), ne_(ne) {
    if (data_.size() > kMaxExtendedNc) throw std::length_error("APDU data longer than 65535 bytes");
    if (ne_ > kMaxExtendedNe) throw std::length_error("APDU Ne larger than 65536");
}

int CommandApdu::isoCase() const {
    if (data_.empty()) return ne_ == 0 ? 1 : 2;
    return ne_ == 0 ? 3 : 4;
}

namespace {

void appendShortLe(Bytes& out, std::size_t ne) {
    out.push_back(static_cast<std::uint8_t>(ne == CommandApdu::kMaxShortNe ? 0 : ne));
}

void appendExtendedLength(Bytes& out, std::size_t value, std::size_t zeroMeans) {
    std::size_t encoded = value == zeroMeans ? 0 : value;
    out.push_back(static_cast<std::uint8_t>(encoded >> 8));
    out.push_back(static_cast<std::uint8_t>(encoded & 0xFF));
}

std::size_t shortLe(std::uint8_t le) { return le == 0 ? CommandApdu::kMaxShortNe : le; }

std::size_t extendedLe(std::uint8_t high, std::uint8_t low) {
    std::size_t le = (static_cast<std::size_t>(high) << 8) | low;
    return le == 0 ? CommandApdu::kMaxExtendedNe : le;
}

} // namespace

Bytes CommandApdu::encode(LengthEncoding encoding) const {
    bool extended = encoding == LengthEncoding::extended ||
                    (encoding == LengthEncoding::automatic && needsExtendedLength());
    if (!extended && needsExtendedLength())
        throw std::length_error("command does not fit a short APDU");

    Bytes out{cla_, ins_, p1_, p2_};
    out.reserve(4 + 3 + data_.size() + 3);
    if (!extended) {
        if (!data_.empty()) {
            out.push_back(static_cast<std::uint8_t>(data_.size()));
            out.insert(out.end(), data_.begin(), data_.end());
        }
        if (ne_ != 0) appendShortLe(out, ne_);
        return out;
    }
    // ISO 7816-4 §5.1: extended Lc is 00 + 2 bytes; an extended Le without data is 00 + 2
    // bytes, after data it is 2 bytes.
    if (!data_.empty()) {
        out.push_back(0x00);
        appendExtendedLength(out, data_.size(), kMaxExtendedNc + 1);
        out.insert(out.end(), data_.begin(), data_.end());
        if (ne_ != 0) appendExtendedLength(out, ne_, kMaxExtendedNe);
    } else if (ne_ != 0) {
        out.push_back(0x00);
        appendExtendedLength(out, ne_, kMaxExtendedNe);
    }
    return out;
}

CommandApdu CommandApdu::parse(ByteView bytes) {
    if (bytes.size() < 4) throw MalformedApdu("command APDU shorter than its 4-byte header");
    const std::uint8_t cla = bytes[0], ins = bytes[1], p1 = bytes[2], p2 = bytes[3];
    const ByteView body = bytes.subspan(4);
    if (body.empty()) return {cla, ins, p1, p2};                          // case 1
    if (body.size() == 1) return {cla, ins, p1, p2, {}, shortLe(body[0])};  // case 2S

    if (body[0] != 0) {  // short Lc
        const std::size_t lc = body[0];
        if (body.size() == 1 + lc) return {cla, ins, p1, p2, Bytes(body.begin() + 1, body.end())};
        if (body.size() == 2 + lc)
            return {cla, ins, p1, p2, Bytes(body.begin() + 1, body.end() - 1), shortLe(body.back())};
        throw MalformedApdu("command APDU length does not match Lc");
    }
    // Extended length: 00 followed by two bytes.
    if (body.size() < 3) throw MalformedApdu("truncated extended length field");
    if (body.size() == 3) return {cla, ins, p1, p2, {}, extendedLe(body[1], body[2])};  // case 2E
    const std::size_t lc = (static_cast<std::size_t>(body[1]) << 8) | body[2];
    if (lc == 0) throw MalformedApdu("extended Lc of zero");
    if (body.size() == 3 + lc) return {cla, ins, p1, p2, Bytes(body.begin() + 3, body.end())};
    if (body.size() == 5 + lc)
        return {cla, ins, p1, p2, Bytes(body.begin() + 3, body.end() - 2),
                extendedLe(body[body.size() - 2], body.back())};
    throw MalformedApdu("command APDU length does not match extended Lc");
}

CommandApdu CommandApdu::withCla(std::uint8_t cla) const {
    CommandApdu copy = *this;
    copy.cla_ = cla;
    return copy;
}

CommandApdu CommandApdu::withNe(std::size_t ne) const {
    return {cla_, ins_, p1_, p2_, data_, ne};
}

CommandApdu CommandApdu::withData(Bytes data) const {
    return {cla_, ins_, p1_, p2_, std::move(data), ne_};
}

void CommandApdu::wipeData() noexcept { secureWipe(data_.data(), data_.size()); }

ResponseApdu ResponseApdu::parse(ByteView bytes) {
    if (bytes.size() < 2)
        throw CardProtocolError("card response of " + std::to_string(bytes.size()) +
                                " bytes has no status word");
    const std::size_t n = bytes.size();
    return {Bytes(bytes.begin(), bytes.end() - 2),
            static_cast<std::uint16_t>((bytes[n - 2] << 8) | bytes[n - 1])};
}

Bytes ResponseApdu::encode() const {
    Bytes out = data_;
    out.push_back(sw1());
    out.push_back(sw2());
    return out;
}

namespace iso7816 {

CommandApdu selectByAid(ByteView aid) {
    return {0x00, 0xA4, 0x04, 0x00, Bytes(aid.begin(), aid.end()), CommandApdu::kMaxShortNe};
}

CommandApdu getResponse(std::size_t ne) { return {0x00, 0xC0, 0x00, 0x00, {}, ne}; }

CommandApdu getContactlessUid() { return {0xFF, 0xCA, 0x00, 0x00, {}, CommandApdu::kMaxShortNe}; }

} // namespace iso7816

std::string maskedForLog(ByteView apdu, ApduDirection direction) {
    if (direction == ApduDirection::response) {
        if (apdu.size() < 2) return "(" + std::to_string(apdu.size()) + " bytes, no status word)";
        std::string out = toHex(apdu.last(2));
        if (apdu.size() > 2) out = "[" + std::to_string(apdu.size() - 2) + " bytes] " + out;
        return out;
    }
    if (apdu.size() < 4) return "(" + std::to_string(apdu.size()) + " bytes, no header)";
    std::string out = toHex(apdu.first(4));
    try {
        const CommandApdu command = CommandApdu::parse(apdu);
        if (!command.data().empty()) {
            const bool harmless = command.ins() == 0xA4 || command.ins() == 0xCB;
            out += harmless ? " " + toHex(command.data())
                            : " [" + std::to_string(command.data().size()) + " bytes]";
        }
        if (command.ne() != 0) out += " Le=" + std::to_string(command.ne());
    } catch (const MalformedApdu&) {
        out += " [malformed, " + std::to_string(apdu.size()) + " bytes]";
    }
    return out;
}

} // namespace fmc::card
