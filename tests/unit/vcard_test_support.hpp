#pragma once
// An in-process virtual card for the vcard tests: the applet behind AppletTransport and a
// CardChannel, plus the host side of management-key authentication.
#include "card/apdu.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/transport.hpp"
#include "card/vcard/applet_transport.hpp"
#include "card/vcard/piv_applet.hpp"
#include "crypto/block_cipher.hpp"
#include "crypto/random.hpp"

#include <optional>
#include <string_view>

namespace fmc::card::vcard::testing {

inline Bytes hex(std::string_view text) { return fromHex(text); }

struct TestCard {
    explicit TestCard(CardInterface cardInterface = CardInterface::contact,
                      CardState initial = CardState::factoryBlank())
        : applet(std::move(initial), [this](const CardState&) { ++saves; }, cardInterface) {}

    // Raw bytes in, raw bytes out, no channel in between: for malformed input and exact SWs.
    Bytes raw(std::string_view apduHex) { return applet.process(hex(apduHex)); }
    std::uint16_t rawSw(std::string_view apduHex) {
        const Bytes r = raw(apduHex);
        return static_cast<std::uint16_t>(r[r.size() - 2] << 8 | r.back());
    }
    ResponseApdu send(const CommandApdu& command) { return channel.transmit(command); }
    ResponseApdu send(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data = {}, std::size_t ne = 256) {
        return channel.transmit(CommandApdu(0x00, ins, p1, p2, std::move(data), ne));
    }
    ResponseApdu select() { return send(piv::ins::kSelect, 0x04, 0x00, Bytes(piv::kAid.begin(), piv::kAid.end())); }
    ResponseApdu verifyPin(std::string_view pin) { return send(piv::ins::kVerify, 0x00, 0x80, padded(pin), 0); }

    static Bytes padded(std::string_view secret) {
        Bytes out(secret.begin(), secret.end());
        out.resize(8, 0xFF);
        return out;
    }

    // yubico-piv-tool's mutual authentication (piv.md), with the host's cipher and key.
    std::uint16_t authenticateManagementKey(crypto::BlockCipherAlgorithm cipher, std::uint8_t algorithmId,
                                            const SecretBytes& key) {
        const ResponseApdu witness = send(piv::ins::kGeneralAuthenticate, algorithmId, piv::key::kManagement,
                                          hex("7C028000"));
        if (!witness.isSuccess()) return witness.sw();
        const std::size_t block = crypto::blockSize(cipher);
        const Bytes& w = witness.data();
        // Exactly 7C L 80 L E(R): the offsets yubico-piv-tool reads.
        if (w.size() != 4 + block || w[0] != 0x7C || w[2] != 0x80 || w[3] != block) return 0xFFFF;
        const Bytes decrypted = crypto::ecbDecrypt(cipher, key, ByteView(w).subspan(4));
        const Bytes challenge = crypto::randomBytes(block);
        Bytes body = encodeTlv(0x80, decrypted);
        const Bytes c = encodeTlv(0x81, challenge);
        body.insert(body.end(), c.begin(), c.end());
        const ResponseApdu answer = send(piv::ins::kGeneralAuthenticate, algorithmId, piv::key::kManagement,
                                         encodeTlv(0x7C, body));
        if (!answer.isSuccess()) return answer.sw();
        const Bytes& a = answer.data();
        if (a.size() != 4 + block || a[0] != 0x7C || a[2] != 0x82) return 0xFFFE;
        if (Bytes(a.begin() + 4, a.end()) != crypto::ecbEncrypt(cipher, key, challenge)) return 0xFFFD;
        return answer.sw();
    }
    std::uint16_t authenticateDefaultManagementKey() {
        return authenticateManagementKey(
            crypto::BlockCipherAlgorithm::tripleDes, piv::algorithm::kTripleDes,
            SecretBytes(Bytes(piv::kDefaultManagementKey.begin(), piv::kDefaultManagementKey.end())));
    }

    int saves = 0;
    PivApplet applet;
    AppletTransport transport{applet};
    CardChannel channel{transport};
};

} // namespace fmc::card::vcard::testing
