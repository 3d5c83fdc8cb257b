#pragma once
// The virtual card's PIV applet (NIST SP 800-73-4 Part 2 card edge, plus the YubiKey vendor
// commands yubico-piv-tool needs). It turns one command APDU into one response APDU and keeps
// the card's volatile state (selection, security status, chaining) between them.
#include "card/apdu.hpp"
#include "card/vcard/card_state.hpp"
#include "card/vcard/virtual_card.hpp"

#include <cstdint>
#include <functional>
#include <optional>

namespace fmc::card::vcard {

enum class CardInterface { contact, contactless };

class PivApplet : public VirtualCard {
public:
    // Called with the new state after every change, before the command is answered: a
    // change the host saw acknowledged is never lost (the vcard saves it to its state file).
    using PersistFunction = std::function<void(const CardState&)>;

    PivApplet(CardState state, PersistFunction persist, CardInterface cardInterface = CardInterface::contact);

    // One C-APDU in, one R-APDU (data + SW1 SW2) out. Never throws: malformed input gets
    // the ISO 7816-4 status word a card would give.
    [[nodiscard]] Bytes process(ByteView commandApdu) override;

    // Power off, reset or removal: the selection, the PIN and management-key security
    // status and any half-done chain are lost (SP 800-73-4 Part 2 §2: volatile state).
    void powerCycle() override;

    [[nodiscard]] const CardState& state() const { return state_; }
    [[nodiscard]] CardInterface cardInterface() const { return interface_; }
    // The ATR a reader reports for this card on this interface.
    [[nodiscard]] Bytes atr() const override;

private:
    struct Reply {
        Bytes data;
        std::uint16_t sw;
    };
    static Reply status(std::uint16_t sw) { return {{}, sw}; }
    static Reply ok(Bytes data = {}) { return {std::move(data), 0x9000}; }

    Reply dispatch(const CommandApdu& command);
    Reply shapeResponse(Reply reply, std::size_t ne);
    Reply continueResponse(const CommandApdu& command);
    std::optional<Reply> accumulateChain(const CommandApdu& command, CommandApdu& complete);

    // piv_applet.cpp
    Reply select(const CommandApdu& command);
    Reply contactlessUid(const CommandApdu& command) const;
    Reply getVersion(const CommandApdu& command) const;
    Reply getSerial(const CommandApdu& command) const;
    // piv_applet_data.cpp
    Reply getData(const CommandApdu& command) const;
    Reply putData(const CommandApdu& command);
    // piv_applet_pin.cpp
    Reply verify(const CommandApdu& command);
    Reply changeReferenceData(const CommandApdu& command);
    Reply resetRetryCounter(const CommandApdu& command);
    Reply resetApplication(const CommandApdu& command);
    // piv_applet_auth.cpp
    Reply generalAuthenticate(const CommandApdu& command);
    Reply managementAuthenticate(const CommandApdu& command);
    Reply privateKeyOperation(const CommandApdu& command);
    Reply setManagementKey(const CommandApdu& command);
    // piv_applet_keys.cpp
    Reply generateKeyPair(const CommandApdu& command);
    Reply getMetadata(const CommandApdu& command) const;

    // Saves the state; false (and the applet answers 6581) when the card's memory, the
    // state file, cannot be written.
    [[nodiscard]] bool commit();
    [[nodiscard]] bool contactless() const { return interface_ == CardInterface::contactless; }
    void forgetManagementChallenges();

    CardState state_;
    CardState saved_;  // what the state file holds: state_ returns to it when a save fails
    PersistFunction persist_;
    CardInterface interface_;

    // Volatile state, lost on power cycle.
    bool selected_ = false;
    bool pinVerified_ = false;
    bool pinFreshForSignature_ = false;  // 9C: "PIN always", one signature per VERIFY
    bool managementAuthenticated_ = false;
    SecretBytes managementWitness_;      // step 1 of mutual authentication: R
    SecretBytes managementChallenge_;    // external authentication: the card's challenge
    Bytes pendingResponse_;              // still to be fetched with GET RESPONSE
    struct Chain {
        std::uint8_t ins = 0, p1 = 0, p2 = 0;
        Bytes data;
    };
    std::optional<Chain> chain_;
};

} // namespace fmc::card::vcard
