#include "card/nfc/ndef.hpp"

#include <algorithm>
#include <cctype>

#include <limits>
#include <stdexcept>
#include <string>

namespace fmc::card::nfc {

namespace {

// NDEF 1.0 §3.2: the record header's flag bits around the 3-bit TNF.
constexpr std::uint8_t kMessageBegin = 0x80;
constexpr std::uint8_t kMessageEnd = 0x40;
constexpr std::uint8_t kChunk = 0x20;
constexpr std::uint8_t kShortRecord = 0x10;
constexpr std::uint8_t kIdLength = 0x08;
constexpr std::uint8_t kTnfMask = 0x07;
constexpr std::uint8_t kTnfReserved = 7;

constexpr std::size_t kMaxFieldLength = 255;        // TYPE_LENGTH, ID_LENGTH: one byte
constexpr std::size_t kMaxShortPayload = 255;       // SR: one-byte PAYLOAD_LENGTH
constexpr std::size_t kMaxPayload = std::numeric_limits<std::uint32_t>::max();

// The TNF rules shared by the encoder and the decoder (§3.2.6); empty when the record is fine.
std::string tnfViolation(Tnf tnf, std::size_t typeLength, std::size_t idLength, std::size_t payloadLength) {
    switch (tnf) {
    case Tnf::empty:
        if (typeLength != 0 || idLength != 0 || payloadLength != 0)
            return "TNF empty with a type, an id or a payload";
        return {};
    case Tnf::unknown:
        if (typeLength != 0) return "TNF unknown with a type";
        return {};
    case Tnf::unchanged:
        // Only chunks carry TNF 6, and we accept no chunks.
        return "TNF unchanged outside a chunked record";
    case Tnf::wellKnown:
    case Tnf::mediaType:
    case Tnf::absoluteUri:
    case Tnf::external:
        return {};
    }
    return "reserved TNF";
}

void appendBigEndian32(Bytes& out, std::size_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// Walks the message bytes; every take() is checked against what is left.
class Reader {
public:
    explicit Reader(ByteView bytes) : bytes_(bytes) {}
    [[nodiscard]] bool atEnd() const { return offset_ == bytes_.size(); }
    [[nodiscard]] std::size_t offset() const { return offset_; }

    std::uint8_t byte(const std::string& what) { return take(1, what)[0]; }
    std::size_t bigEndian32(const std::string& what) {
        const ByteView four = take(4, what);
        std::size_t value = 0;
        for (std::uint8_t b : four) value = (value << 8) | b;
        return value;
    }
    ByteView take(std::size_t count, const std::string& what) {
        if (count > bytes_.size() - offset_)
            throw NdefError(what + ": needs " + std::to_string(count) + " bytes, only " +
                            std::to_string(bytes_.size() - offset_) + " left");
        const ByteView part = bytes_.subspan(offset_, count);
        offset_ += count;
        return part;
    }

private:
    ByteView bytes_;
    std::size_t offset_ = 0;
};

} // namespace

Bytes encodeNdefMessage(const std::vector<NdefRecord>& records) {
    if (records.empty()) throw std::invalid_argument("an NDEF message needs at least one record");
    Bytes out;
    for (std::size_t index = 0; index < records.size(); ++index) {
        const NdefRecord& record = records[index];
        const std::string where = "NDEF record " + std::to_string(index + 1);
        if (record.type.size() > kMaxFieldLength) throw std::invalid_argument(where + ": type longer than 255 bytes");
        if (record.id.size() > kMaxFieldLength) throw std::invalid_argument(where + ": id longer than 255 bytes");
        if (record.payload.size() > kMaxPayload) throw std::invalid_argument(where + ": payload too long");
        const std::string violation =
            tnfViolation(record.tnf, record.type.size(), record.id.size(), record.payload.size());
        if (!violation.empty()) throw std::invalid_argument(where + ": " + violation);

        const bool shortRecord = record.payload.size() <= kMaxShortPayload;
        std::uint8_t header = static_cast<std::uint8_t>(record.tnf);
        if (index == 0) header |= kMessageBegin;
        if (index + 1 == records.size()) header |= kMessageEnd;
        if (shortRecord) header |= kShortRecord;
        if (!record.id.empty()) header |= kIdLength;

        out.push_back(header);
        out.push_back(static_cast<std::uint8_t>(record.type.size()));
        if (shortRecord)
            out.push_back(static_cast<std::uint8_t>(record.payload.size()));
        else
            appendBigEndian32(out, record.payload.size());
        if (!record.id.empty()) out.push_back(static_cast<std::uint8_t>(record.id.size()));
        out.insert(out.end(), record.type.begin(), record.type.end());
        out.insert(out.end(), record.id.begin(), record.id.end());
        out.insert(out.end(), record.payload.begin(), record.payload.end());
    }
    return out;
}

std::vector<NdefRecord> decodeNdefMessage(ByteView message) {
    if (message.empty()) throw NdefError("NDEF message is empty");
    Reader reader(message);
    std::vector<NdefRecord> records;
    bool ended = false;
    while (!ended) {
        if (reader.atEnd()) throw NdefError("NDEF message ends without a record flagged ME");
        const std::string where = "NDEF record " + std::to_string(records.size() + 1) + " (offset " +
                                  std::to_string(reader.offset()) + ")";
        const std::uint8_t header = reader.byte(where + " header");
        const bool first = records.empty();
        if (((header & kMessageBegin) != 0) != first)
            throw NdefError(where + (first ? ": first record without MB" : ": MB on a record after the first"));
        if ((header & kChunk) != 0) throw NdefError(where + ": chunked records (CF) are not accepted");
        ended = (header & kMessageEnd) != 0;

        const std::size_t typeLength = reader.byte(where + " TYPE_LENGTH");
        const std::size_t payloadLength = (header & kShortRecord) != 0 ? reader.byte(where + " PAYLOAD_LENGTH")
                                                                       : reader.bigEndian32(where + " PAYLOAD_LENGTH");
        const std::size_t idLength = (header & kIdLength) != 0 ? reader.byte(where + " ID_LENGTH") : 0;

        const std::uint8_t tnfBits = header & kTnfMask;
        if (tnfBits == kTnfReserved) throw NdefError(where + ": reserved TNF 7");
        const auto tnf = static_cast<Tnf>(tnfBits);
        const std::string violation = tnfViolation(tnf, typeLength, idLength, payloadLength);
        if (!violation.empty()) throw NdefError(where + ": " + violation);

        NdefRecord record;
        record.tnf = tnf;
        const ByteView type = reader.take(typeLength, where + " TYPE");
        const ByteView id = reader.take(idLength, where + " ID");
        const ByteView payload = reader.take(payloadLength, where + " PAYLOAD");
        record.type.assign(type.begin(), type.end());
        record.id.assign(id.begin(), id.end());
        record.payload.assign(payload.begin(), payload.end());
        records.push_back(std::move(record));
    }
    if (!reader.atEnd())
        throw NdefError("NDEF message has " + std::to_string(message.size() - reader.offset()) +
                        " bytes after the record flagged ME");
    return records;
}

NdefRecord mediaRecord(std::string_view mediaType, Bytes payload) {
    const auto slash = mediaType.find('/');
    const bool shaped = slash != std::string_view::npos && slash != 0 && slash + 1 != mediaType.size();
    bool printable = true;
    for (char c : mediaType) printable = printable && c > 0x20 && c < 0x7F;
    if (!shaped || !printable || mediaType.size() > kMaxFieldLength)
        throw std::invalid_argument("not a media type (type/subtype, printable ASCII): " + std::string(mediaType));
    return NdefRecord{Tnf::mediaType, Bytes(mediaType.begin(), mediaType.end()), {}, std::move(payload)};
}

std::optional<Bytes> soleMediaRecordPayload(ByteView message, std::string_view mediaType) {
    const std::vector<NdefRecord> records = decodeNdefMessage(message);
    if (records.size() != 1 || records[0].tnf != Tnf::mediaType) return std::nullopt;
    const Bytes& type = records[0].type;
    const auto lower = [](unsigned char c) { return static_cast<unsigned char>(std::tolower(c)); };
    if (!std::equal(type.begin(), type.end(), mediaType.begin(), mediaType.end(),
                    [&](std::uint8_t a, char b) { return lower(a) == lower(static_cast<unsigned char>(b)); }))
        return std::nullopt;
    return records[0].payload;
}

} // namespace fmc::card::nfc
