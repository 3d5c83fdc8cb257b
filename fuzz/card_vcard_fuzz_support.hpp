#pragma once
// The virtual card under fuzzing: the card states the fuzz targets start from (built once, in
// memory, no state file) and a checked session around PivApplet::process (see
// vcard_applet_fuzz.cpp for the invariants).
#include "card_pki_fuzz_support.hpp"

#include "card/apdu.hpp"
#include "card/errors.hpp"
#include "card/piv/cert_container.hpp"
#include "card/piv/chuid.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/vcard/card_state.hpp"
#include "card/vcard/piv_applet.hpp"
#include "card/vcard/piv_slots.hpp"
#include "crypto/block_cipher.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace fmc::fuzz::vcard {

using card::CommandApdu;
using card::vcard::CardState;
using card::vcard::PivApplet;

inline void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

// Text inside the personalized card's personal-data object (5FC109, behind the PIN); seeing
// it in an answer means the object was read.
inline constexpr std::string_view kPersonalDataMarker = "PERSONAL-DATA-BEHIND-PIN";

inline void fixIdentity(CardState& state) {
    state.serial = 12345678;  // factoryBlank() draws these at random: keep runs repeatable
    state.uid = Bytes{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
}

inline const CardState& blankCard() {
    static const CardState state = [] {
        CardState s = CardState::factoryBlank();
        fixIdentity(s);
        return s;
    }();
    return state;
}

// A card as the issuance station leaves it, plus keys in every standard slot: AES-256
// management key, an 8-digit PIN, the genuine test card's 9E key and certificate.
inline const CardState& personalizedCard() {
    static const CardState state = [] {
        namespace piv = card::piv;
        CardState s = CardState::factoryBlank();
        fixIdentity(s);
        s.pin = SecretBytes(std::string_view("24681357"));
        s.puk = SecretBytes(std::string_view("86427531"));
        s.managementAlgorithm = piv::algorithm::kAes256;
        Bytes managementKey(32);
        for (std::size_t i = 0; i < managementKey.size(); ++i) managementKey[i] = static_cast<std::uint8_t>(0xA0 + i);
        s.managementKey = SecretBytes(managementKey);
        const CardPki& pki = cardPki();
        auto addKey = [&s](std::uint8_t slot, std::uint8_t algorithm, const crypto::EcPrivateKey& key) {
            card::vcard::AsymmetricKey stored;
            stored.algorithm = algorithm;
            stored.pkcs8 = key.toPkcs8();
            s.keys[slot] = std::move(stored);
        };
        addKey(piv::key::kCardAuthentication, piv::algorithm::kEccP256, pki.cardKey);
        addKey(piv::key::kPivAuthentication, piv::algorithm::kEccP256, crypto::EcPrivateKey::generate(crypto::Curve::p256));
        addKey(piv::key::kDigitalSignature, piv::algorithm::kEccP256, crypto::EcPrivateKey::generate(crypto::Curve::p256));
        addKey(piv::key::kKeyManagement, piv::algorithm::kEccP384, crypto::EcPrivateKey::generate(crypto::Curve::p384));
        const Bytes der = pki.cardCertificate.der();
        s.objects[piv::object::kCardAuthenticationCert] = piv::encodeCertificateObject(der);
        s.objects[piv::object::kPivAuthenticationCert] =
            piv::encodeCertificateObject(der, piv::CertificateCompression::gzip);
        s.objects[piv::object::kChuid] = piv::nonFederalChuid(pki.cardRequest.cardUuid, "20310101").encode();
        piv::MerchantPersonalData personal{std::string(kPersonalDataMarker), "Nguyễn Văn A", "VNM", "C1234567",
                                           "FMC-0000-0001"};
        s.objects[piv::kMerchantPersonalDataObject] = personal.encode();
        return s;
    }();
    return state;
}

// Everything only the management key may change.
inline Bytes administrativeContent(const CardState& state) {
    Bytes out{state.managementAlgorithm};
    auto add = [&out](ByteView bytes) {
        const std::size_t n = bytes.size();
        out.insert(out.end(), {static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                               static_cast<std::uint8_t>(n)});
        out.insert(out.end(), bytes.begin(), bytes.end());
    };
    add(state.managementKey.view());
    for (const auto& [tag, value] : state.objects) {
        add(Bytes{static_cast<std::uint8_t>(tag >> 16), static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag)});
        add(value);
    }
    for (const auto& [slot, key] : state.keys) {
        add(Bytes{slot, key.algorithm, key.origin});
        add(key.pkcs8.view());
    }
    return out;
}

inline bool knownStatusWord(std::uint16_t sw) {
    if ((sw & 0xFF00) == 0x6100 || (sw & 0xFF00) == 0x6C00 || (sw & 0xFFF0) == 0x63C0) return true;
    switch (sw) {
        case 0x9000: case 0x6581: case 0x6700: case 0x6982: case 0x6983: case 0x6985: case 0x6A80:
        case 0x6A81: case 0x6A82: case 0x6A84: case 0x6A86: case 0x6A88: case 0x6D00: case 0x6E00:
            return true;
        default:
            return false;
    }
}

inline bool contains(ByteView haystack, std::string_view needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

class Session {
public:
    Session(const CardState& initial, bool contactless)
        : applet_(initial,
                  [this](const CardState&) {
                      if (saveFails_) throw std::runtime_error("disk full");
                  },
                  contactless ? card::vcard::CardInterface::contactless : card::vcard::CardInterface::contact),
          contactless_(contactless) {}
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // One checked exchange; returns the response (data + SW).
    Bytes exchange(ByteView command) {
        ++exchanges_;
        const CardState& state = applet_.state();
        const Bytes adminBefore = administrativeContent(state);
        const int pinTriesBefore = state.pinTriesLeft;
        const bool bothBlockedBefore = state.pinTriesLeft <= 0 && state.pukTriesLeft <= 0;

        Bytes response;
        try {
            response = applet_.process(command);
        } catch (...) {
            std::abort();  // "never throws"
        }
        require(response.size() >= 2);
        const std::uint16_t sw = static_cast<std::uint16_t>(response[response.size() - 2] << 8 | response.back());
        const ByteView data = ByteView(response).first(response.size() - 2);
        require(knownStatusWord(sw));
        require(data.size() <= CommandApdu::kMaxExtendedNe);

        std::optional<CommandApdu> parsed;
        try {
            parsed = CommandApdu::parse(command);
        } catch (const card::MalformedApdu&) {
        }
        if (!parsed) {
            require(sw == 0x6700 && data.empty());
        } else {
            checkLengthsAndChaining(*parsed, sw, data);
            checkSecurity(*parsed, sw, data, pinTriesBefore, bothBlockedBefore);
        }
        if (administrativeContent(applet_.state()) != adminBefore) {
            const bool resetWhenBlocked = parsed && parsed->ins() == 0xFB && bothBlockedBefore;
            require(managementMaybeAuthenticated_ || resetWhenBlocked);
            adminChanged_ = true;
        }
        const CardState& after = applet_.state();
        require(after.pinTriesLeft >= 0 && after.pinTriesLeft <= card::piv::kPinRetries);
        require(after.pukTriesLeft >= 0 && after.pukTriesLeft <= card::piv::kPukRetries);
        return response;
    }

    void powerCycle() {
        applet_.powerCycle();
        announced_.reset();
        pinMaybeVerified_ = false;
        pinMaybeFreshForSignature_ = false;
        managementMaybeAuthenticated_ = false;
    }

    void selectPiv() {
        exchange(CommandApdu(0x00, card::piv::ins::kSelect, 0x04, 0x00,
                             Bytes(card::piv::kAid.begin(), card::piv::kAid.end()), 256)
                     .encode());
    }

    // yubico-piv-tool's way: witness E(R), then R and our challenge C, the card answers E(C).
    void mutualAuthenticate() {
        const auto cipher = card::vcard::managementCipherFor(applet_.state().managementAlgorithm);
        if (!cipher) return;
        const std::uint8_t algorithm = applet_.state().managementAlgorithm;
        const SecretBytes key = applet_.state().managementKey;
        const std::size_t block = crypto::blockSize(*cipher);
        const Bytes witness = exchange(generalAuthenticate(algorithm, Bytes{0x7C, 0x02, 0x80, 0x00}));
        if (!successful(witness)) return;
        // Exactly 7C L 80 L E(R): the offsets yubico-piv-tool reads.
        require(witness.size() == 4 + block + 2 && witness[0] == 0x7C && witness[2] == 0x80 && witness[3] == block);
        const Bytes plain = crypto::ecbDecrypt(*cipher, key, ByteView(witness).subspan(4, block));
        const Bytes challenge(block, 0x3C);
        Bytes body = card::encodeTlv(0x80, plain);
        const Bytes c = card::encodeTlv(0x81, challenge);
        body.insert(body.end(), c.begin(), c.end());
        const Bytes answer = exchange(generalAuthenticate(algorithm, card::encodeTlv(0x7C, body)));
        if (!successful(answer)) return;
        const Bytes expected = crypto::ecbEncrypt(*cipher, key, challenge);
        require(answer.size() == 4 + block + 2 && std::equal(expected.begin(), expected.end(), answer.begin() + 4));
        managementMaybeAuthenticated_ = true;
    }

    // OpenSC piv-tool's way: a plain challenge from the card, our encryption of it back.
    void externalAuthenticate() {
        const auto cipher = card::vcard::managementCipherFor(applet_.state().managementAlgorithm);
        if (!cipher) return;
        const std::uint8_t algorithm = applet_.state().managementAlgorithm;
        const SecretBytes key = applet_.state().managementKey;
        const std::size_t block = crypto::blockSize(*cipher);
        const Bytes challenge = exchange(generalAuthenticate(algorithm, Bytes{0x7C, 0x02, 0x81, 0x00}));
        if (!successful(challenge)) return;
        require(challenge.size() == 4 + block + 2 && challenge[2] == 0x81);
        const Bytes response = crypto::ecbEncrypt(*cipher, key, ByteView(challenge).subspan(4, block));
        const Bytes answer = exchange(generalAuthenticate(algorithm, card::encodeTlv(0x7C, card::encodeTlv(0x82, response))));
        if (successful(answer)) managementMaybeAuthenticated_ = true;
    }

    void verifyCurrentPin() {
        Bytes padded(applet_.state().pin.view().begin(), applet_.state().pin.view().end());
        if (padded.size() > 8) return;
        padded.resize(8, 0xFF);
        exchange(CommandApdu(0x00, card::piv::ins::kVerify, 0x00, card::piv::key::kApplicationPin, padded).encode());
    }

    void toggleSaveFailure() { saveFails_ = !saveFails_; }

    void drainResponse() {
        for (int i = 0; i < 300 && announced_; ++i) exchange(CommandApdu(0x00, card::piv::ins::kGetResponse, 0, 0, {}, 256).encode());
    }

private:
    static Bytes generalAuthenticate(std::uint8_t algorithm, Bytes body) {
        return CommandApdu(0x00, card::piv::ins::kGeneralAuthenticate, algorithm, card::piv::key::kManagement,
                           std::move(body), 256)
            .encode();
    }
    static bool successful(const Bytes& response) {
        return response.size() >= 2 && response[response.size() - 2] == 0x90 && response.back() == 0x00;
    }

    void checkLengthsAndChaining(const CommandApdu& command, std::uint16_t sw, ByteView data) {
        const std::size_t limit = command.ne() == 0 ? CommandApdu::kMaxShortNe : command.ne();
        require(data.size() <= limit);
        if ((sw & 0xFF00) == 0x6100) require(data.size() == limit);  // only a full chunk leaves a rest
        const bool validClass = command.cla() != 0xFF && (command.cla() & ~CommandApdu::kChainingBit) == 0;
        if (!validClass) return;  // the pending answer stays as it was
        if (command.ins() == card::piv::ins::kGetResponse) {
            if (!announced_) {
                require(sw == 0x6985 && data.empty());
                return;
            }
            if (command.p1() != 0 || command.p2() != 0) {
                require(sw == 0x6A86);
                return;
            }
            // 61 xx: exactly xx bytes remain; 61 00: 256 or more.
            if (*announced_ != 0) require(data.size() == std::min<std::size_t>(limit, *announced_));
            else require(data.size() == limit || data.size() >= CommandApdu::kMaxShortNe);
        } else if (command.isChained()) {
            require(data.empty() && (sw == 0x9000 || sw == 0x6A84));
        }
        announced_.reset();
        if ((sw & 0xFF00) == 0x6100) announced_ = static_cast<std::size_t>(sw & 0xFF);
    }

    void checkSecurity(const CommandApdu& command, std::uint16_t sw, ByteView data, int pinTriesBefore,
                       bool bothBlockedBefore) {
        namespace piv = card::piv;
        const bool ok = sw == 0x9000;
        const bool validClass = (command.cla() & ~CommandApdu::kChainingBit) == 0;
        if (validClass && !command.isChained() && command.ins() == piv::ins::kVerify && command.p1() == 0x00 &&
            command.p2() == piv::key::kApplicationPin && !command.data().empty()) {
            if (ok) require(pinTriesBefore > 0);  // a blocked PIN never verifies
            if ((sw & 0xFFF0) == 0x63C0) {
                require(applet_.state().pinTriesLeft == pinTriesBefore - 1);
                require((sw & 0x0F) == applet_.state().pinTriesLeft);
            }
        }
        // A 6581 VERIFY may have set the PIN state before the save failed: count it as verified.
        const bool finalBlock = validClass && !command.isChained();
        if (finalBlock && command.ins() == piv::ins::kVerify && (ok || sw == 0x6581)) {
            pinMaybeVerified_ = true;
            if (command.p1() == 0x00 && !command.data().empty()) pinMaybeFreshForSignature_ = true;
        }
        // Administration answers 9000 only to a management-key holder.
        if (finalBlock && ok &&
            (command.ins() == piv::ins::kPutData || command.ins() == piv::ins::kGenerateAsymmetricKeyPair ||
             command.ins() == piv::ins::kSetManagementKey))
            require(managementMaybeAuthenticated_);
        if (finalBlock && command.ins() == 0xFB && ok) require(bothBlockedBefore);
        if (finalBlock && command.ins() == piv::ins::kGeneralAuthenticate && ok) {
            const std::uint8_t slot = command.p2();
            if (contactless_) require(slot == piv::key::kCardAuthentication);
            if (slot == piv::key::kPivAuthentication || slot == piv::key::kDigitalSignature ||
                slot == piv::key::kKeyManagement)
                require(pinMaybeVerified_);
            // 9C is "PIN always": one use per VERIFY (SP 800-73-4 Part 1 Table 4b).
            if (slot == piv::key::kDigitalSignature) {
                require(pinMaybeFreshForSignature_);
                pinMaybeFreshForSignature_ = false;
            }
        }
        // The personal data, unless the session itself rewrote the objects.
        if (!adminChanged_ && contains(data, kPersonalDataMarker)) require(pinMaybeVerified_ && !contactless_);
    }

    PivApplet applet_;
    bool contactless_;
    bool saveFails_ = false;
    bool pinMaybeVerified_ = false;            // a VERIFY succeeded in this power session
    bool pinMaybeFreshForSignature_ = false;   // ... and 9C has not been used since
    bool managementMaybeAuthenticated_ = false;  // the harness authenticated in this power session
    bool adminChanged_ = false;
    std::optional<std::size_t> announced_;     // SW2 of the last 61xx, while a rest is pending
    std::size_t exchanges_ = 0;
};

} // namespace fmc::fuzz::vcard
