// VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (SP 800-73-4 Part 2 §3.2.1-3.2.3),
// with real retry counters: a wrong value costs a try, the last try blocks (69 83).
#include "card/vcard/piv_applet.hpp"

#include "card/piv/piv_constants.hpp"
#include "card/vcard/piv_slots.hpp"

namespace fmc::card::vcard {

namespace {

constexpr std::size_t kPaddedLength = 8;

std::uint16_t triesLeftSw(int tries) { return static_cast<std::uint16_t>(0x63C0 | (tries & 0x0F)); }

// SP 800-73-4 Part 2 §3.2.1: P2 80 is the PIV application PIN; 00 (global PIN), 81 (the PUK
// cannot be verified) and 96/97 (OCC) name references this card does not have.
std::optional<std::uint16_t> badReference(std::uint8_t p2, bool allowPuk) {
    if (p2 == piv::key::kApplicationPin || (allowPuk && p2 == piv::key::kPuk)) return std::nullopt;
    if (p2 == 0x00 || p2 == piv::key::kPuk || p2 == 0x96 || p2 == 0x97) return 0x6A88;
    return 0x6A86;
}

} // namespace

std::optional<SecretBytes> unpadReferenceData(ByteView padded, bool digitsOnly) {
    if (padded.size() != kPaddedLength) return std::nullopt;
    std::size_t length = 0;
    while (length < padded.size() && padded[length] != 0xFF) ++length;
    for (std::size_t i = length; i < padded.size(); ++i)
        if (padded[i] != 0xFF) return std::nullopt;  // padding must run to the end
    if (length < 6) return std::nullopt;
    if (digitsOnly)
        for (std::size_t i = 0; i < length; ++i)
            if (padded[i] < '0' || padded[i] > '9') return std::nullopt;
    return SecretBytes(Bytes(padded.begin(), padded.begin() + static_cast<std::ptrdiff_t>(length)));
}

PivApplet::Reply PivApplet::verify(const CommandApdu& command) {
    if (command.p1() != 0x00 && command.p1() != 0xFF) return status(0x6A86);
    if (auto sw = badReference(command.p2(), false)) return status(*sw);
    if (command.p1() == 0xFF) {
        // §3.2.1: P1 FF with no data resets the PIN's security status.
        if (!command.data().empty()) return status(0x6A80);
        pinVerified_ = false;
        pinFreshForSignature_ = false;
        return ok();
    }
    if (command.data().empty()) {
        // §3.2.1: no data asks for the state: verified, or the tries left.
        if (state_.pinTriesLeft <= 0) return status(0x6983);
        return pinVerified_ ? ok() : status(triesLeftSw(state_.pinTriesLeft));
    }
    const auto pin = unpadReferenceData(command.data(), true);
    if (!pin) return status(0x6A80);  // malformed PIN: no try is spent
    if (state_.pinTriesLeft <= 0) return status(0x6983);
    if (*pin == state_.pin) {
        pinVerified_ = true;
        pinFreshForSignature_ = true;
        if (state_.pinTriesLeft != piv::kPinRetries) {
            state_.pinTriesLeft = piv::kPinRetries;
            if (!commit()) {
                pinVerified_ = false;
                pinFreshForSignature_ = false;
                return status(0x6581);
            }
        }
        return ok();
    }
    pinVerified_ = false;
    pinFreshForSignature_ = false;
    --state_.pinTriesLeft;
    if (!commit()) return status(0x6581);
    return status(triesLeftSw(state_.pinTriesLeft));
}

PivApplet::Reply PivApplet::changeReferenceData(const CommandApdu& command) {
    if (command.p1() != 0x00) return status(0x6A86);
    if (auto sw = badReference(command.p2(), true)) return status(*sw);
    const bool isPin = command.p2() == piv::key::kApplicationPin;
    const ByteView data = command.data();
    if (data.size() != 2 * kPaddedLength) return status(0x6A80);
    const auto current = unpadReferenceData(data.first(kPaddedLength), isPin);
    const auto replacement = unpadReferenceData(data.last(kPaddedLength), isPin);
    if (!current || !replacement) return status(0x6A80);

    int& tries = isPin ? state_.pinTriesLeft : state_.pukTriesLeft;
    SecretBytes& stored = isPin ? state_.pin : state_.puk;
    const int maxTries = isPin ? piv::kPinRetries : piv::kPukRetries;
    if (tries <= 0) return status(0x6983);
    if (!(*current == stored)) {
        --tries;
        if (isPin) pinVerified_ = pinFreshForSignature_ = false;
        if (!commit()) return status(0x6581);
        return status(triesLeftSw(tries));
    }
    stored = *replacement;
    tries = maxTries;
    if (!commit()) return status(0x6581);
    return ok();
}

PivApplet::Reply PivApplet::resetRetryCounter(const CommandApdu& command) {
    if (command.p1() != 0x00) return status(0x6A86);
    if (auto sw = badReference(command.p2(), false)) return status(*sw);
    const ByteView data = command.data();
    if (data.size() != 2 * kPaddedLength) return status(0x6A80);
    const auto puk = unpadReferenceData(data.first(kPaddedLength), false);
    const auto newPin = unpadReferenceData(data.last(kPaddedLength), true);
    if (!puk || !newPin) return status(0x6A80);
    if (state_.pukTriesLeft <= 0) return status(0x6983);
    if (!(*puk == state_.puk)) {
        --state_.pukTriesLeft;
        if (!commit()) return status(0x6581);
        return status(triesLeftSw(state_.pukTriesLeft));
    }
    state_.pin = *newPin;
    state_.pinTriesLeft = piv::kPinRetries;
    state_.pukTriesLeft = piv::kPukRetries;
    pinVerified_ = pinFreshForSignature_ = false;
    if (!commit()) return status(0x6581);
    return ok();
}

PivApplet::Reply PivApplet::resetApplication(const CommandApdu& command) {
    // (vendor) yubico-piv-tool -a reset: allowed only when PIN and PUK are both blocked, so
    // it cannot be used to get around the PIN. The card keeps its serial number and UID.
    if (command.p1() != 0x00 || command.p2() != 0x00) return status(0x6A86);
    if (state_.pinTriesLeft > 0 || state_.pukTriesLeft > 0) return status(0x6985);
    CardState fresh = CardState::factoryBlank();
    fresh.serial = state_.serial;
    fresh.uid = state_.uid;
    state_ = std::move(fresh);
    pinVerified_ = pinFreshForSignature_ = managementAuthenticated_ = false;
    forgetManagementChallenges();
    if (!commit()) return status(0x6581);
    return ok();
}

} // namespace fmc::card::vcard
