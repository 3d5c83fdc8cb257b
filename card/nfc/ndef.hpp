#pragma once
// NFC Forum NDEF 1.0 messages: the records a tag carries, encoded and decoded strictly.
// A tag's content is attacker-controlled (anyone can write an NTAG), so decoding accepts
// exactly one well-formed message and nothing around it: no chunked records, no trailing
// bytes, no record that lies about its lengths.
#include "card/errors.hpp"
#include "crypto/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fmc::card::nfc {

// Malformed NDEF, a malformed Type 2 Tag TLV area, or a capability container we cannot use.
class NdefError : public CardError {
public:
    using CardError::CardError;
};

// NDEF 1.0 §3.2.6, the Type Name Format (3 bits; 7 is reserved).
enum class Tnf : std::uint8_t {
    empty = 0,
    wellKnown = 1,
    mediaType = 2,
    absoluteUri = 3,
    external = 4,
    unknown = 5,
    unchanged = 6,  // only in the middle and last chunks of a chunked record
};

struct NdefRecord {
    Tnf tnf = Tnf::empty;
    Bytes type;
    Bytes id;
    Bytes payload;
    bool operator==(const NdefRecord&) const = default;
};

// MB on the first record, ME on the last; SR when the payload is under 256 bytes; IL when
// the record has an id. Throws std::invalid_argument for no records, a field too long for
// its length byte, or a record its TNF does not allow (empty with content, unknown with a
// type, unchanged at all: we never chunk).
[[nodiscard]] Bytes encodeNdefMessage(const std::vector<NdefRecord>& records);

// Exactly one message: first record MB, last ME and nothing after it, no CF, every length
// within the bytes, TNF empty/unknown with the fields those forbid left out, no TNF 6 or 7.
// Throws NdefError naming the record and the rule.
[[nodiscard]] std::vector<NdefRecord> decodeNdefMessage(ByteView message);

// A TNF 2 record ("application/cwt"); throws std::invalid_argument for a media type that is
// not "type/subtype" in printable ASCII of at most 255 bytes.
[[nodiscard]] NdefRecord mediaRecord(std::string_view mediaType, Bytes payload);

// The payload of a message that is exactly one media record of `mediaType` (compared without
// regard to case, as media types are); nullopt for any other well-formed message. Throws
// NdefError for a malformed one.
[[nodiscard]] std::optional<Bytes> soleMediaRecordPayload(ByteView message, std::string_view mediaType);

} // namespace fmc::card::nfc
