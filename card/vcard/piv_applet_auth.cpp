// GENERAL AUTHENTICATE (SP 800-73-4 Part 2 §3.2.4) and the YubiKey SET MANAGEMENT KEY.
#include "card/vcard/piv_applet.hpp"

#include "card/errors.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/vcard/piv_slots.hpp"
#include "crypto/crypto_error.hpp"
#include "crypto/random.hpp"

namespace fmc::card::vcard {

namespace {

// The dynamic authentication template 7C { 80 witness, 81 challenge, 82 response,
// 85 exponentiation }; an item that is present but empty asks the card for it.
struct AuthenticationTemplate {
    std::optional<Bytes> witness, challenge, response, exponentiation;
    [[nodiscard]] static bool asks(const std::optional<Bytes>& item) { return item && item->empty(); }
    [[nodiscard]] static bool gives(const std::optional<Bytes>& item) { return item && !item->empty(); }
};

std::optional<AuthenticationTemplate> parseTemplate(ByteView data) {
    try {
        const Tlv outer = parseSingleTlv(data);
        if (outer.tag != piv::tag::kDynamicAuthenticationTemplate) return std::nullopt;
        const auto items = parseTlvs(outer.value);
        AuthenticationTemplate t;
        for (const auto& item : items) {
            switch (item.tag) {
                case piv::tag::kWitness: t.witness = item.value; break;
                case piv::tag::kChallenge: t.challenge = item.value; break;
                case piv::tag::kResponse: t.response = item.value; break;
                case piv::tag::kExponentiation: t.exponentiation = item.value; break;
                default: return std::nullopt;
            }
        }
        return t;
    } catch (const TlvError&) {
        return std::nullopt;
    }
}

// yubico-piv-tool reads answers at fixed offsets: 7C L 8x L value, short-form lengths.
Bytes answerTemplate(TlvTag itemTag, ByteView value) {
    return encodeTlv(piv::tag::kDynamicAuthenticationTemplate, encodeTlv(itemTag, value));
}

// X9.62 §7.3: the digest becomes an integer of the order's bit length: a longer input is
// truncated to its leftmost bytes, a shorter one taken as is (same as left zero padding).
Bytes normaliseDigest(ByteView input, std::size_t size) {
    if (input.size() >= size) return Bytes(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(size));
    Bytes out(size - input.size(), 0x00);
    out.insert(out.end(), input.begin(), input.end());
    return out;
}

} // namespace

PivApplet::Reply PivApplet::generalAuthenticate(const CommandApdu& command) {
    if (command.p2() == piv::key::kManagement) return managementAuthenticate(command);
    if (isAsymmetricSlot(command.p2())) return privateKeyOperation(command);
    return status(0x6A86);
}

PivApplet::Reply PivApplet::managementAuthenticate(const CommandApdu& command) {
    if (contactless()) return status(0x6A81);  // no administration without contact
    const auto cipher = managementCipherFor(state_.managementAlgorithm);
    if (!cipher) return status(0x6F00);  // a state file with a bad algorithm
    const std::size_t block = crypto::blockSize(*cipher);
    const auto t = parseTemplate(command.data());
    if (!t) return status(0x6A80);
    using T = AuthenticationTemplate;
    // OpenSC asks for random bytes (C_GenerateRandom) with P1 00: SP 800-73-3 left the
    // algorithm out of a bare challenge request. Everything else must name the key's algorithm.
    const bool bareChallengeRequest = T::asks(t->challenge) && !t->witness && !t->response;
    if (command.p1() != state_.managementAlgorithm && !(bareChallengeRequest && command.p1() == 0x00))
        return status(0x6A86);

    // Mutual authentication, step 1 (SP 800-73-4 Part 2 Appendix A.1): the card sends E(R).
    if (T::asks(t->witness) && !t->challenge && !t->response) {
        managementAuthenticated_ = false;
        forgetManagementChallenges();
        managementWitness_ = SecretBytes(crypto::randomBytes(block));
        return ok(answerTemplate(piv::tag::kWitness,
                                 crypto::ecbEncrypt(*cipher, state_.managementKey, managementWitness_.view())));
    }
    // Step 2: the host proves it decrypted R and sends its own challenge C; the card proves
    // itself with E(C).
    if (T::gives(t->witness) && T::gives(t->challenge) && (!t->response || T::asks(t->response))) {
        const SecretBytes expected = std::move(managementWitness_);
        forgetManagementChallenges();
        if (expected.empty()) return status(0x6985);  // no step 1 before
        if (t->witness->size() != block || t->challenge->size() != block) return status(0x6A80);
        if (!(SecretBytes(*t->witness) == expected)) return status(0x6982);
        managementAuthenticated_ = true;
        return ok(answerTemplate(piv::tag::kResponse, crypto::ecbEncrypt(*cipher, state_.managementKey, *t->challenge)));
    }
    // External authentication (Appendix A.2), as OpenSC's piv-tool does it: the card hands
    // out a plain challenge ...
    if (bareChallengeRequest) {
        managementAuthenticated_ = false;
        forgetManagementChallenges();
        managementChallenge_ = SecretBytes(crypto::randomBytes(block));
        return ok(answerTemplate(piv::tag::kChallenge, managementChallenge_.view()));
    }
    // ... and checks the host's encryption of it.
    if (T::gives(t->response) && !t->witness && !t->challenge) {
        const SecretBytes challenge = std::move(managementChallenge_);
        forgetManagementChallenges();
        if (challenge.empty()) return status(0x6985);
        if (t->response->size() != block) return status(0x6A80);
        const SecretBytes expected(crypto::ecbEncrypt(*cipher, state_.managementKey, challenge.view()));
        if (!(SecretBytes(*t->response) == expected)) return status(0x6982);
        managementAuthenticated_ = true;
        return ok();
    }
    // Internal authentication: the host checks the card, the card's state does not change.
    if (T::gives(t->challenge) && T::asks(t->response) && !t->witness) {
        if (t->challenge->size() != block) return status(0x6A80);
        return ok(answerTemplate(piv::tag::kResponse, crypto::ecbEncrypt(*cipher, state_.managementKey, *t->challenge)));
    }
    return status(0x6A80);
}

PivApplet::Reply PivApplet::privateKeyOperation(const CommandApdu& command) {
    const std::uint8_t reference = command.p2();
    // SP 800-73-4 Part 1 §3.5: only the Card Authentication key works without contact.
    if (contactless() && reference != piv::key::kCardAuthentication) return status(0x6A81);
    const auto slot = state_.keys.find(reference);
    if (slot == state_.keys.end()) return status(0x6A88);
    if (command.p1() != slot->second.algorithm) return status(0x6A86);
    const auto curve = curveForAlgorithm(slot->second.algorithm);
    if (!curve) return status(0x6F00);
    const auto t = parseTemplate(command.data());
    if (!t) return status(0x6A80);

    const PinPolicy policy = pinPolicyFor(reference);
    if (policy == PinPolicy::once && !pinVerified_) return status(0x6982);
    if (policy == PinPolicy::always && !(pinVerified_ && pinFreshForSignature_)) return status(0x6982);

    const crypto::EcPrivateKey key = crypto::EcPrivateKey::fromPkcs8(slot->second.pkcs8);
    using T = AuthenticationTemplate;
    if (T::asks(t->response) && T::gives(t->challenge) && !t->witness && !t->exponentiation) {
        // Signature (Part 2 §3.2.4, Appendix A.4): 81 carries the digest to sign.
        if (policy == PinPolicy::always) pinFreshForSignature_ = false;
        return ok(answerTemplate(piv::tag::kResponse, key.signDigest(normaliseDigest(*t->challenge, fieldSize(*curve)))));
    }
    if (T::asks(t->response) && T::gives(t->exponentiation) && !t->witness && !t->challenge) {
        // Key agreement (Appendix A.5): 85 carries the peer's point, the answer is Z.
        std::optional<crypto::EcPublicKey> peer;
        try {
            peer = crypto::EcPublicKey::fromUncompressedPoint(*curve, *t->exponentiation);
        } catch (const crypto::CryptoError&) {
            return status(0x6A80);
        }
        if (policy == PinPolicy::always) pinFreshForSignature_ = false;
        const SecretBytes shared = key.deriveSharedSecret(*peer);
        return ok(answerTemplate(piv::tag::kResponse, shared.view()));
    }
    return status(0x6A80);
}

PivApplet::Reply PivApplet::setManagementKey(const CommandApdu& command) {
    // (vendor) 00 FF FF FF|FE Lc { alg 9B len key }: P2 FE would ask for touch, which a
    // virtual card cannot offer, but accepting it costs nothing.
    if (command.p1() != 0xFF || (command.p2() != 0xFF && command.p2() != 0xFE)) return status(0x6A86);
    if (!managementAuthenticated_) return status(0x6982);
    const ByteView data = command.data();
    if (data.size() < 3 || data[1] != piv::key::kManagement || data.size() != 3u + data[2]) return status(0x6A80);
    const auto cipher = managementCipherFor(data[0]);
    if (!cipher || data[2] != crypto::keyLength(*cipher)) return status(0x6A80);
    state_.managementAlgorithm = data[0];
    state_.managementKey = SecretBytes(Bytes(data.begin() + 3, data.end()));
    forgetManagementChallenges();
    if (!commit()) return status(0x6581);
    return ok();
}

} // namespace fmc::card::vcard
