#include "card/vcard/piv_applet.hpp"

#include "card/errors.hpp"
#include "card/piv/piv_constants.hpp"

#include <algorithm>
#include <exception>

namespace fmc::card::vcard {

namespace {

// ISO 7816-4 §5.4.1 leaves the size of a chained command to the card; a PIV certificate
// object is at most a few KB, and a CommandApdu holds at most 65535 bytes.
constexpr std::size_t kMaxChainedCommand = CommandApdu::kMaxExtendedNc;

// (vendor) YubiKey RESET: back to factory state once PIN and PUK are both blocked.
constexpr std::uint8_t kResetApplication = 0xFB;

constexpr std::uint16_t moreDataSw(std::size_t remaining) {
    // 61 00 means "256 or more" (ISO 7816-4 §5.1.3).
    return static_cast<std::uint16_t>(0x6100 | (remaining >= 256 ? 0 : remaining));
}

// ISO 7816-3 §8.2.5: TCK makes the XOR of T0 .. TCK zero.
Bytes withCheckByte(Bytes atr) {
    std::uint8_t check = 0;
    for (std::size_t i = 1; i < atr.size(); ++i) check ^= atr[i];
    atr.push_back(check);
    return atr;
}

} // namespace

PivApplet::PivApplet(CardState state, PersistFunction persist, CardInterface cardInterface)
    : state_(std::move(state)), saved_(state_), persist_(std::move(persist)), interface_(cardInterface) {}

Bytes PivApplet::atr() const {
    if (contactless()) {
        // PC/SC Part 3 §3.1.3.2.3.1: the reader builds 3B 8n 80 01 + ATS historical bytes +
        // TCK for an ISO 14443-4 Type A card. The historical bytes are a YubiKey 5 NFC's, so
        // the result equals that key's ATR (3B 8D 80 01 ... F9).
        return withCheckByte({0x3B, 0x8D, 0x80, 0x01, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75,
                              0x62, 0x69, 0x4B, 0x65, 0x79});
    }
    // A YubiKey 4/5 contact ATR (T=1, historical bytes "Yubikey4"): OpenSC's PIV driver
    // claims it and uses the vendor GET VERSION this applet answers.
    return withCheckByte({0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x59, 0x75, 0x62,
                          0x69, 0x6B, 0x65, 0x79, 0x34});
}

void PivApplet::powerCycle() {
    selected_ = false;
    pinVerified_ = false;
    pinFreshForSignature_ = false;
    managementAuthenticated_ = false;
    forgetManagementChallenges();
    pendingResponse_.clear();
    if (chain_) secureWipe(chain_->data.data(), chain_->data.size());
    chain_.reset();
}

void PivApplet::forgetManagementChallenges() {
    managementWitness_.clear();
    managementChallenge_.clear();
}

bool PivApplet::commit() {
    if (!persist_) return true;
    try {
        persist_(state_);
        saved_ = state_;
        return true;
    } catch (const std::exception&) {
        // The host is told the command failed (6581), so the card must not act on it either:
        // its memory goes back to what the state file holds. Except a spent PIN or PUK try:
        // giving it back would allow unlimited guesses while the file cannot be written.
        const int pinTries = std::min(state_.pinTriesLeft, saved_.pinTriesLeft);
        const int pukTries = std::min(state_.pukTriesLeft, saved_.pukTriesLeft);
        state_ = saved_;
        state_.pinTriesLeft = pinTries;
        state_.pukTriesLeft = pukTries;
        return false;
    }
}

Bytes PivApplet::process(ByteView commandApdu) {
    Reply reply = status(0x6F00);
    try {
        std::optional<CommandApdu> parsed;
        try {
            parsed = CommandApdu::parse(commandApdu);
        } catch (const MalformedApdu&) {
            reply = status(0x6700);  // ISO 7816-4: Lc/Le do not match the APDU's length
        }
        if (parsed) {
            const CommandApdu& command = *parsed;
            if (command.cla() == 0xFF) {
                // PC/SC Part 3 §3.2.2.1: FF xx are the reader's pseudo-APDUs; a contact
                // reader passes them to the card, which does not know CLA FF.
                reply = contactless() && command.ins() == 0xCA ? contactlessUid(command)
                        : contactless()                      ? status(0x6A81)
                                                             : status(0x6E00);
            } else if ((command.cla() & ~CommandApdu::kChainingBit) != 0) {
                // Secure messaging and logical channels are not offered: ISO 7816-4 §5.4.1.
                reply = status(0x6E00);
            } else if (command.ins() == piv::ins::kGetResponse) {
                reply = continueResponse(command);
            } else {
                pendingResponse_.clear();
                CommandApdu complete = command;
                if (auto chainReply = accumulateChain(command, complete)) {
                    reply = std::move(*chainReply);
                } else {
                    reply = shapeResponse(dispatch(complete), complete.ne());
                }
            }
        }
    } catch (const std::exception&) {
        reply = status(0x6F00);  // ISO 7816-4: "no precise diagnosis"; the card stays alive
    }
    Bytes out = std::move(reply.data);
    out.push_back(static_cast<std::uint8_t>(reply.sw >> 8));
    out.push_back(static_cast<std::uint8_t>(reply.sw & 0xFF));
    return out;
}

std::optional<PivApplet::Reply> PivApplet::accumulateChain(const CommandApdu& command, CommandApdu& complete) {
    const bool sameCommand = chain_ && chain_->ins == command.ins() && chain_->p1 == command.p1() &&
                             chain_->p2 == command.p2();
    if (chain_ && !sameCommand) {
        // A different command ends the unfinished chain (ISO 7816-4 §5.4.1).
        secureWipe(chain_->data.data(), chain_->data.size());
        chain_.reset();
    }
    if (command.isChained()) {
        if (!chain_) chain_ = Chain{command.ins(), command.p1(), command.p2(), {}};
        if (chain_->data.size() + command.data().size() > kMaxChainedCommand) {
            secureWipe(chain_->data.data(), chain_->data.size());
            chain_.reset();
            return status(0x6A84);
        }
        chain_->data.insert(chain_->data.end(), command.data().begin(), command.data().end());
        return ok();
    }
    if (chain_) {
        Bytes data = std::move(chain_->data);
        chain_.reset();
        if (data.size() + command.data().size() > kMaxChainedCommand) {
            secureWipe(data.data(), data.size());
            return status(0x6A84);
        }
        data.insert(data.end(), command.data().begin(), command.data().end());
        complete = command.withData(std::move(data));
    }
    return std::nullopt;
}

PivApplet::Reply PivApplet::shapeResponse(Reply reply, std::size_t ne) {
    // A command without Le still gets its answer: hosts on T=1 often leave Le out.
    const std::size_t limit = ne == 0 ? CommandApdu::kMaxShortNe : ne;
    if (reply.data.size() <= limit) return reply;
    // ISO 7816-4 §5.3.4: the rest waits for GET RESPONSE, announced by 61xx.
    pendingResponse_.assign(reply.data.begin() + static_cast<std::ptrdiff_t>(limit), reply.data.end());
    reply.data.resize(limit);
    reply.sw = moreDataSw(pendingResponse_.size());
    return reply;
}

PivApplet::Reply PivApplet::continueResponse(const CommandApdu& command) {
    if (pendingResponse_.empty()) return status(0x6985);
    if (command.p1() != 0 || command.p2() != 0) return status(0x6A86);
    const std::size_t limit = command.ne() == 0 ? CommandApdu::kMaxShortNe : command.ne();
    const std::size_t count = std::min(limit, pendingResponse_.size());
    Reply reply = ok(Bytes(pendingResponse_.begin(), pendingResponse_.begin() + static_cast<std::ptrdiff_t>(count)));
    pendingResponse_.erase(pendingResponse_.begin(), pendingResponse_.begin() + static_cast<std::ptrdiff_t>(count));
    if (!pendingResponse_.empty()) reply.sw = moreDataSw(pendingResponse_.size());
    return reply;
}

PivApplet::Reply PivApplet::dispatch(const CommandApdu& command) {
    const std::uint8_t ins = command.ins();
    if (ins == piv::ins::kSelect) return select(command);
    // Nothing but SELECT reaches an application that is not selected (ISO 7816-4 §7.1).
    if (!selected_) {
        switch (ins) {
            case piv::ins::kGetData: case piv::ins::kPutData: case piv::ins::kVerify:
            case piv::ins::kChangeReferenceData: case piv::ins::kResetRetryCounter:
            case piv::ins::kGenerateAsymmetricKeyPair: case piv::ins::kGeneralAuthenticate:
            case piv::ins::kGetVersion: case piv::ins::kGetSerial: case piv::ins::kGetMetadata:
            case piv::ins::kSetManagementKey: case kResetApplication:
                return status(0x6985);
            default:
                return status(0x6D00);
        }
    }
    // SP 800-73-4 Part 1 §3.5 / Part 2 Table 1: over the contactless interface the card
    // offers no administration and no PIN: those commands are refused outright.
    if (contactless()) {
        switch (ins) {
            case piv::ins::kPutData: case piv::ins::kVerify: case piv::ins::kChangeReferenceData:
            case piv::ins::kResetRetryCounter: case piv::ins::kGenerateAsymmetricKeyPair:
            case piv::ins::kSetManagementKey: case kResetApplication:
                return status(0x6A81);
            default:
                break;
        }
    }
    switch (ins) {
        case piv::ins::kGetData: return getData(command);
        case piv::ins::kPutData: return putData(command);
        case piv::ins::kVerify: return verify(command);
        case piv::ins::kChangeReferenceData: return changeReferenceData(command);
        case piv::ins::kResetRetryCounter: return resetRetryCounter(command);
        case piv::ins::kGenerateAsymmetricKeyPair: return generateKeyPair(command);
        case piv::ins::kGeneralAuthenticate: return generalAuthenticate(command);
        case piv::ins::kGetVersion: return getVersion(command);
        case piv::ins::kGetSerial: return getSerial(command);
        case piv::ins::kGetMetadata: return getMetadata(command);
        case piv::ins::kSetManagementKey: return setManagementKey(command);
        case kResetApplication: return resetApplication(command);
        default: return status(0x6D00);
    }
}

PivApplet::Reply PivApplet::select(const CommandApdu& command) {
    // ISO 7816-4 §11.2.2: only selection by DF name (P1 04) makes sense on a PIV card; file
    // selections that other drivers probe with are simply "not found".
    if (command.p1() != 0x04) {
        switch (command.p1()) {
            case 0x00: case 0x01: case 0x02: case 0x03: case 0x08: case 0x09: return status(0x6A82);
            default: return status(0x6A86);
        }
    }
    if (command.p2() != 0x00 && command.p2() != 0x04 && command.p2() != 0x0C) return status(0x6A86);
    const Bytes& aid = command.data();
    // SP 800-73-4 Part 2 §3.1.1: a right-truncated AID (down to the 5-byte RID) selects PIV.
    const bool isPiv = aid.size() >= piv::kRid.size() && aid.size() <= piv::kAid.size() &&
                       std::equal(aid.begin(), aid.end(), piv::kAid.begin());
    if (!isPiv) return status(0x6A82);  // PIV stays selected if it was
    selected_ = true;
    if (command.p2() == 0x0C) return ok();
    // Application property template (SP 800-73-4 Part 2 §3.1.1, Table 3), as a YubiKey
    // answers it: the PIX, and the coexistent tag allocation authority (NIST's RID).
    const Bytes pix(piv::kAid.begin() + 5, piv::kAid.end());
    Bytes body = encodeTlv(piv::tag::kApplicationIdentifier, pix);
    const Bytes authority = encodeTlv(piv::tag::kCoexistentTagAllocationAuthority,
                                      encodeTlv(piv::tag::kApplicationIdentifier, piv::kRid));
    body.insert(body.end(), authority.begin(), authority.end());
    return ok(encodeTlv(piv::tag::kApplicationPropertyTemplate, body));
}

PivApplet::Reply PivApplet::contactlessUid(const CommandApdu& command) const {
    // PC/SC Part 3 §3.2.2.1.3 GET DATA: P1 00 is the UID; P1 01 (ATS) is not offered.
    if (command.p2() != 0x00) return status(0x6A86);
    if (command.p1() == 0x00) {
        // Le shorter than the UID: 6Cxx gives the right length, as a contactless reader does.
        if (command.ne() != 0 && command.ne() < state_.uid.size())
            return status(static_cast<std::uint16_t>(0x6C00 | state_.uid.size()));
        return ok(state_.uid);
    }
    if (command.p1() == 0x01) return status(0x6A81);
    return status(0x6A86);
}

PivApplet::Reply PivApplet::getVersion(const CommandApdu& command) const {
    if (command.p1() != 0 || command.p2() != 0) return status(0x6A86);
    return ok({5, 4, 3});  // (vendor) YubiKey firmware 5.4.3: AES management keys, metadata
}

PivApplet::Reply PivApplet::getSerial(const CommandApdu& command) const {
    if (command.p1() != 0 || command.p2() != 0) return status(0x6A86);
    const std::uint32_t s = state_.serial;
    return ok({static_cast<std::uint8_t>(s >> 24), static_cast<std::uint8_t>(s >> 16),
               static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s)});
}

} // namespace fmc::card::vcard
