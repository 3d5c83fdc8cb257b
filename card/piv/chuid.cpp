#include "card/piv/chuid.hpp"

#include "card/errors.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/tlv.hpp"
#include "crypto/random.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace fmc::card::piv {

// ---- UUID text ------------------------------------------------------------------------------

// ---- FASC-N ---------------------------------------------------------------------------------

namespace {

constexpr std::uint8_t kStartSentinel = 0xB;
constexpr std::uint8_t kFieldSeparator = 0xD;
constexpr std::uint8_t kEndSentinel = 0xF;
constexpr std::size_t kFascNCharacters = 40;
constexpr std::size_t kFascNBytes = 25;  // 40 x 5 bits

// One FASC-N field: where its digits go and how many there are.
struct FascNField {
    std::string FascN::*member;
    std::size_t digits;
    const char* name;
};

// Character layout (TIG SCEPACS): SS AGENCY FS SYSTEM FS CREDENTIAL FS CS FS ICI FS
// PI OC OI POA ES LRC. A separator follows the fields marked below.
constexpr FascNField kFields[] = {
    {&FascN::agencyCode, 4, "agency code"},
    {&FascN::systemCode, 4, "system code"},
    {&FascN::credentialNumber, 6, "credential number"},
    {&FascN::credentialSeries, 1, "credential series"},
    {&FascN::individualCredentialIssue, 1, "individual credential issue"},
    {&FascN::personIdentifier, 10, "person identifier"},
    {&FascN::organizationalCategory, 1, "organizational category"},
    {&FascN::organizationalIdentifier, 4, "organizational identifier"},
    {&FascN::personAssociationCategory, 1, "person/organization association category"},
};
constexpr std::size_t kFieldsFollowedBySeparator = 5;  // agency .. individual credential issue

// Four data bits, least significant first, then an odd-parity bit.
std::uint8_t withOddParity(std::uint8_t value) {
    std::uint8_t bits = 0;
    int ones = 0;
    for (int i = 0; i < 4; ++i) {
        const int bit = (value >> i) & 1;
        ones += bit;
        bits = static_cast<std::uint8_t>((bits << 1) | bit);
    }
    return static_cast<std::uint8_t>((bits << 1) | (ones % 2 == 0 ? 1 : 0));
}

std::vector<std::uint8_t> fascNCharacters(const FascN& fascn) {
    std::vector<std::uint8_t> characters{kStartSentinel};
    for (std::size_t f = 0; f < std::size(kFields); ++f) {
        const std::string& digits = fascn.*(kFields[f].member);
        if (digits.size() != kFields[f].digits)
            throw std::invalid_argument(std::string("FASC-N ") + kFields[f].name + " must be " +
                                        std::to_string(kFields[f].digits) + " digits");
        for (const char c : digits) {
            if (c < '0' || c > '9')
                throw std::invalid_argument(std::string("FASC-N ") + kFields[f].name + " must be digits");
            characters.push_back(static_cast<std::uint8_t>(c - '0'));
        }
        if (f < kFieldsFollowedBySeparator) characters.push_back(kFieldSeparator);
    }
    characters.push_back(kEndSentinel);
    std::uint8_t lrc = 0;
    for (const std::uint8_t c : characters) lrc ^= c;
    characters.push_back(lrc);
    return characters;
}

} // namespace

Bytes FascN::encode() const {
    const std::vector<std::uint8_t> characters = fascNCharacters(*this);
    Bytes out(kFascNBytes, 0);
    std::size_t bit = 0;
    for (const std::uint8_t c : characters) {
        const std::uint8_t coded = withOddParity(c);
        for (int i = 4; i >= 0; --i, ++bit)
            if ((coded >> i) & 1) out[bit / 8] = static_cast<std::uint8_t>(out[bit / 8] | (0x80 >> (bit % 8)));
    }
    return out;
}

FascN FascN::decode(ByteView bytes) {
    if (bytes.size() != kFascNBytes)
        throw CardProtocolError("FASC-N of " + std::to_string(bytes.size()) + " bytes, expected 25");
    std::vector<std::uint8_t> characters;
    for (std::size_t index = 0; index < kFascNCharacters; ++index) {
        std::uint8_t coded = 0;
        for (std::size_t bit = index * 5; bit < index * 5 + 5; ++bit)
            coded = static_cast<std::uint8_t>((coded << 1) | ((bytes[bit / 8] >> (7 - bit % 8)) & 1));
        std::uint8_t value = 0;
        for (int i = 0; i < 4; ++i) value = static_cast<std::uint8_t>(value | (((coded >> (4 - i)) & 1) << i));
        if (withOddParity(value) != coded)
            throw CardProtocolError("FASC-N character " + std::to_string(index + 1) + " has bad parity");
        characters.push_back(value);
    }
    std::uint8_t lrc = 0;
    for (std::size_t i = 0; i + 1 < characters.size(); ++i) lrc ^= characters[i];
    if (lrc != characters.back()) throw CardProtocolError("FASC-N longitudinal redundancy check fails");
    if (characters.front() != kStartSentinel || characters[kFascNCharacters - 2] != kEndSentinel)
        throw CardProtocolError("FASC-N start or end sentinel missing");

    FascN fascn;
    std::size_t position = 1;
    for (std::size_t f = 0; f < std::size(kFields); ++f) {
        std::string digits;
        for (std::size_t d = 0; d < kFields[f].digits; ++d, ++position) {
            if (characters[position] > 9)
                throw CardProtocolError(std::string("FASC-N ") + kFields[f].name + " holds a non-digit");
            digits.push_back(static_cast<char>('0' + characters[position]));
        }
        fascn.*(kFields[f].member) = digits;
        if (f < kFieldsFollowedBySeparator && characters[position++] != kFieldSeparator)
            throw CardProtocolError(std::string("FASC-N separator missing after the ") + kFields[f].name);
    }
    return fascn;
}

// ---- CHUID ----------------------------------------------------------------------------------

namespace {

constexpr std::size_t kGuidLength = 16;

bool isValidDate(std::string_view date) {
    if (date.size() != 8) return false;
    for (const char c : date)
        if (c < '0' || c > '9') return false;
    const int month = (date[4] - '0') * 10 + (date[5] - '0');
    const int day = (date[6] - '0') * 10 + (date[7] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

Uuid toUuid(const Bytes& value, const char* field) {
    if (value.size() != kGuidLength)
        throw CardProtocolError(std::string("CHUID ") + field + " of " + std::to_string(value.size()) +
                                " bytes, expected 16");
    Uuid uuid{};
    std::copy(value.begin(), value.end(), uuid.begin());
    return uuid;
}

void append(Bytes& out, const Bytes& part) { out.insert(out.end(), part.begin(), part.end()); }

} // namespace

Bytes Chuid::encode() const {
    if (fascn.size() != kFascNBytes) throw std::invalid_argument("CHUID FASC-N must be 25 bytes");
    if (!isValidDate(expirationDate)) throw std::invalid_argument("CHUID expiration date must be YYYYMMDD");
    Bytes out = encodeTlv(tag::kFascN, fascn);
    append(out, encodeTlv(tag::kGuid, guid));
    append(out, encodeTlv(tag::kExpirationDate,
                          Bytes(expirationDate.begin(), expirationDate.end())));
    if (cardholderUuid) append(out, encodeTlv(tag::kCardholderUuid, *cardholderUuid));
    append(out, encodeTlv(tag::kIssuerAsymmetricSignature, issuerSignature));
    append(out, encodeTlv(tag::kErrorDetectionCode, ByteView{}));
    return out;
}

Chuid Chuid::parse(ByteView objectValue) {
    std::vector<Tlv> fields;
    try {
        fields = parseTlvs(objectValue);
    } catch (const TlvError& error) {
        throw CardProtocolError(std::string("CHUID does not parse: ") + error.what());
    }
    Chuid chuid;
    bool haveFascN = false, haveGuid = false, haveExpiry = false;
    for (const Tlv& field : fields) {
        switch (field.tag) {
            case tag::kFascN:
                if (field.value.size() != kFascNBytes)
                    throw CardProtocolError("CHUID FASC-N of " + std::to_string(field.value.size()) +
                                            " bytes, expected 25");
                chuid.fascn = field.value;
                haveFascN = true;
                break;
            case tag::kGuid:
                chuid.guid = toUuid(field.value, "GUID");
                haveGuid = true;
                break;
            case tag::kExpirationDate:
                chuid.expirationDate.assign(field.value.begin(), field.value.end());
                if (!isValidDate(chuid.expirationDate))
                    throw CardProtocolError("CHUID expiration date is not YYYYMMDD");
                haveExpiry = true;
                break;
            case tag::kCardholderUuid:
                chuid.cardholderUuid = toUuid(field.value, "cardholder UUID");
                break;
            case tag::kIssuerAsymmetricSignature:
                chuid.issuerSignature = field.value;
                break;
            default:
                break;  // optional fields this project does not use, and FE
        }
    }
    if (!haveFascN) throw CardProtocolError("CHUID has no FASC-N (tag 30)");
    if (!haveGuid) throw CardProtocolError("CHUID has no GUID (tag 34)");
    if (!haveExpiry) throw CardProtocolError("CHUID has no expiration date (tag 35)");
    return chuid;
}

Chuid nonFederalChuid(const Uuid& cardUuid, std::string expirationDate) {
    Chuid chuid;
    chuid.fascn = FascN{}.encode();
    chuid.guid = cardUuid;
    chuid.expirationDate = std::move(expirationDate);
    if (!isValidDate(chuid.expirationDate)) throw std::invalid_argument("CHUID expiration date must be YYYYMMDD");
    return chuid;
}

} // namespace fmc::card::piv
