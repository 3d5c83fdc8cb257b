// libFuzzer target: the virtual card's command dispatcher (PivApplet::process), fed a session
// of command APDUs as a terminal, middleware or attacker would send them.
//
// Input: one configuration byte, then records.
//   configuration  bit 0: personalized card (else factory blank); bit 1: contactless interface
//   record         L (0x00-0xEF) + L bytes         one raw command APDU
//                  FF + 2-byte big-endian N + N bytes  one raw command APDU (extended length)
//                  F0  power cycle (reset, removal)
//                  F1  management-key mutual authentication, done right by the harness
//                  F2  management-key external authentication (OpenSC's), done right
//                  F3  VERIFY with the card's current PIN
//                  F4  the card's memory (state file) starts or stops failing to save
//                  F5  GET RESPONSE until the pending answer is drained
//                  F6  SELECT the PIV application
//                  F7-FE  reserved (no-op)
// The harness steps (F1-F3) read the secrets from the applet's state, so fuzzing gets past
// authentication to PUT DATA, GENERATE, SET MANAGEMENT KEY and the PIN-protected objects; a
// fuzzer could never guess E(R) for a random witness.
//
// Invariants, on every exchange:
//   - process() never throws (its contract) and every response ends in a status word that
//     this card can give; 6F00 ("an exception was caught inside") is a finding;
//   - a malformed APDU gets exactly 6700; response data never exceeds Ne (256 without Le),
//     a 61xx answer is a full Ne chunk, and GET RESPONSE hands out exactly what 61xx announced;
//   - the non-final block of a command chain is answered 9000 or 6A84 with no data;
//   - the card's administrative content (management key, objects, keys) changes only after a
//     successful management-key authentication in this session, or through RESET when PIN
//     and PUK are both blocked;
//   - PUT DATA, GENERATE and SET MANAGEMENT KEY answer 9000 only after that authentication;
//   - PIN-protected data (the personal data, 9A/9C/9D key operations) is used only after a
//     successful VERIFY in this power session, 9C once per VERIFY; over contactless only 9E
//     signs;
//   - a wrong PIN costs exactly one try and 63Cx reports what is left; a blocked PIN never
//     verifies; the retry counters stay within 0..3.
#include "card_pki_fuzz_support.hpp"
#include "card_vcard_fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using fmc::Bytes;
using fmc::card::CommandApdu;

// A session script in the input format above.
class Script {
public:
    explicit Script(std::uint8_t configuration) : bytes_{configuration} {}
    Script& apdu(const CommandApdu& command) { return raw(command.encode()); }
    Script& raw(const Bytes& encoded) {
        if (encoded.size() < 0xF0) {
            bytes_.push_back(static_cast<std::uint8_t>(encoded.size()));
        } else {
            bytes_.insert(bytes_.end(), {0xFF, static_cast<std::uint8_t>(encoded.size() >> 8),
                                         static_cast<std::uint8_t>(encoded.size())});
        }
        bytes_.insert(bytes_.end(), encoded.begin(), encoded.end());
        return *this;
    }
    Script& step(std::uint8_t harnessStep) {
        bytes_.push_back(harnessStep);
        return *this;
    }
    // Command chaining as middleware does it: 255-byte blocks, CLA 10 on all but the last.
    Script& chained(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, const Bytes& data) {
        std::size_t offset = 0;
        while (data.size() - offset > 255) {
            apdu(CommandApdu(0x10, ins, p1, p2, Bytes(data.begin() + static_cast<std::ptrdiff_t>(offset),
                                                      data.begin() + static_cast<std::ptrdiff_t>(offset + 255))));
            offset += 255;
        }
        return apdu(CommandApdu(0x00, ins, p1, p2, Bytes(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end())));
    }
    [[nodiscard]] const Bytes& bytes() const { return bytes_; }

private:
    Bytes bytes_;
};

Bytes join(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

CommandApdu getData(fmc::card::TlvTag tag, std::size_t ne = 256) {
    Bytes list;
    if (tag > 0xFFFF) list.push_back(static_cast<std::uint8_t>(tag >> 16));
    if (tag > 0xFF) list.push_back(static_cast<std::uint8_t>(tag >> 8));
    list.push_back(static_cast<std::uint8_t>(tag));
    return CommandApdu(0x00, 0xCB, 0x3F, 0xFF, fmc::card::encodeTlv(0x5C, list), ne);
}

Bytes putDataBody(fmc::card::TlvTag tag, const Bytes& value) {
    return join({fmc::card::encodeTlv(0x5C, Bytes{static_cast<std::uint8_t>(tag >> 16), static_cast<std::uint8_t>(tag >> 8),
                                                  static_cast<std::uint8_t>(tag)}),
                 fmc::card::encodeTlv(0x53, value)});
}

Bytes padded(std::string_view secret) {
    Bytes out(secret.begin(), secret.end());
    out.resize(8, 0xFF);
    return out;
}

CommandApdu sign(std::uint8_t algorithm, std::uint8_t slot, std::size_t digestSize) {
    return CommandApdu(0x00, 0x87, algorithm, slot,
                       fmc::card::encodeTlv(0x7C, join({Bytes{0x82, 0x00}, fmc::card::encodeTlv(0x81, Bytes(digestSize, 0x5A))})),
                       256);
}

void writeSeeds() {
    using fmc::fuzz::writeSeed;
    namespace piv = fmc::card::piv;
    const Bytes aid(piv::kAid.begin(), piv::kAid.end());
    const Bytes openScAid(piv::kAid.begin(), piv::kAid.begin() + 9);
    const Bytes rid(piv::kRid.begin(), piv::kRid.end());
    const fmc::fuzz::CardPki& pki = fmc::fuzz::cardPki();
    const Bytes certificateObject = piv::encodeCertificateObject(pki.cardCertificate.der());

    // What OpenSC sends when a card is inserted, on a blank card.
    writeSeed("blank_opensc_probe",
              Script(0x00)
                  .apdu(CommandApdu(0x00, 0xA4, 0x04, 0x00, openScAid, 256))
                  .apdu(getData(piv::object::kDiscovery))
                  .apdu(getData(piv::object::kChuid))
                  .apdu(getData(piv::object::kCardAuthenticationCert))
                  .apdu(CommandApdu(0x00, 0x20, 0x00, 0x80))
                  .apdu(CommandApdu(0x00, 0xFD, 0x00, 0x00, {}, 256))
                  .apdu(CommandApdu(0x00, 0xF8, 0x00, 0x00, {}, 256))
                  .apdu(CommandApdu(0x00, 0xF7, 0x00, 0x9B, {}, 256))
                  .apdu(CommandApdu(0xFF, 0xCA, 0x00, 0x00, {}, 256))
                  .bytes());
    // The issuance station personalizing a blank card (yubico-piv-tool's commands).
    writeSeed("blank_issuance",
              Script(0x00)
                  .apdu(CommandApdu(0x00, 0xA4, 0x04, 0x00, rid, 256))
                  .step(0xF1)
                  .apdu(CommandApdu(0x00, 0x47, 0x00, 0x9E, Bytes{0xAC, 0x03, 0x80, 0x01, 0x11}, 256))
                  .apdu(CommandApdu(0x00, 0xDB, 0x3F, 0xFF,
                                    putDataBody(piv::object::kChuid,
                                                piv::nonFederalChuid(pki.cardRequest.cardUuid, "20310101").encode())))
                  .chained(0xDB, 0x3F, 0xFF, putDataBody(piv::object::kCardAuthenticationCert, certificateObject))
                  .apdu(getData(piv::object::kCardAuthenticationCert, 256))
                  .step(0xF5)
                  .apdu(CommandApdu(0x00, 0x20, 0x00, 0x80, padded("123456")))
                  .apdu(CommandApdu(0x00, 0x24, 0x00, 0x80, join({padded("123456"), padded("24681357")})))
                  .apdu(CommandApdu(0x00, 0xFF, 0xFF, 0xFF, join({Bytes{0x08, 0x9B, 0x10}, Bytes(16, 0x42)})))
                  .step(0xF1)
                  .apdu(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, Bytes{0x7E, 0x00}))
                  .bytes());
    // A terminal's tap on an issued card, then the holder's PIN for the personal data.
    const fmc::crypto::EcPrivateKey peer = fmc::crypto::EcPrivateKey::generate(fmc::crypto::Curve::p384);
    writeSeed("personalized_tap",
              Script(0x01)
                  .apdu(CommandApdu(0x00, 0xA4, 0x04, 0x00, aid, 256))
                  .apdu(getData(piv::object::kChuid))
                  .apdu(getData(piv::object::kCardAuthenticationCert, 256))
                  .apdu(CommandApdu(0x00, 0xC0, 0x00, 0x00, {}, 256))
                  .apdu(sign(0x11, 0x9E, 32))
                  .apdu(sign(0x11, 0x9A, 32))
                  .step(0xF3)
                  .apdu(getData(piv::kMerchantPersonalDataObject))
                  .apdu(sign(0x11, 0x9A, 32))
                  .apdu(sign(0x11, 0x9C, 32))
                  .apdu(sign(0x11, 0x9C, 32))
                  .apdu(CommandApdu(0x00, 0x87, 0x14, 0x9D,
                                    fmc::card::encodeTlv(0x7C, join({Bytes{0x82, 0x00},
                                                                     fmc::card::encodeTlv(0x85, peer.publicKey().uncompressedPoint())})),
                                    256))
                  .apdu(CommandApdu(0x00, 0xF7, 0x00, 0x9E, {}, 256))
                  .apdu(CommandApdu(0x00, 0x20, 0xFF, 0x80))
                  .apdu(getData(piv::kMerchantPersonalDataObject))
                  .bytes());
    // The same card held to a contactless reader.
    writeSeed("personalized_contactless",
              Script(0x03)
                  .apdu(CommandApdu(0xFF, 0xCA, 0x00, 0x00, {}, 256))
                  .apdu(CommandApdu(0x00, 0xA4, 0x04, 0x00, aid, 256))
                  .apdu(getData(piv::object::kChuid))
                  .apdu(getData(piv::object::kCardAuthenticationCert, 256))
                  .step(0xF5)
                  .apdu(getData(piv::kMerchantPersonalDataObject))
                  .apdu(sign(0x11, 0x9E, 32))
                  .apdu(sign(0x11, 0x9A, 32))
                  .apdu(CommandApdu(0x00, 0x20, 0x00, 0x80, padded("24681357")))
                  .step(0xF1)
                  .bytes());
    // Wrong PINs until blocked, the PUK, a wrong PUK until blocked, and the vendor RESET.
    Script blocking(0x00);
    blocking.apdu(CommandApdu(0x00, 0xA4, 0x04, 0x00, aid, 256));
    for (int i = 0; i < 3; ++i) blocking.apdu(CommandApdu(0x00, 0x20, 0x00, 0x80, padded("999999")));
    blocking.apdu(CommandApdu(0x00, 0x20, 0x00, 0x80))
        .apdu(CommandApdu(0x00, 0x2C, 0x00, 0x80, join({padded("12345678"), padded("654321")})))
        .apdu(CommandApdu(0x00, 0x20, 0x00, 0x80, padded("654321")));
    for (int i = 0; i < 3; ++i) blocking.apdu(CommandApdu(0x00, 0x24, 0x00, 0x81, join({padded("00000000"), padded("11111111")})));
    for (int i = 0; i < 3; ++i) blocking.apdu(CommandApdu(0x00, 0x20, 0x00, 0x80, padded("999999")));
    blocking.apdu(CommandApdu(0x00, 0xFB, 0x00, 0x00)).apdu(CommandApdu(0x00, 0x20, 0x00, 0x80, padded("123456")));
    writeSeed("blank_pin_blocking", blocking.bytes());
    // Extended-length APDUs, OpenSC's external authentication, a failing card memory.
    Bytes bigObject(700, 0x33);
    writeSeed("personalized_extended",
              Script(0x01)
                  .apdu(CommandApdu(0x00, 0xA4, 0x04, 0x00, aid, 0))
                  .apdu(getData(piv::object::kPivAuthenticationCert, 65536))
                  .step(0xF2)
                  .apdu(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, putDataBody(0x5FC10C, bigObject)))
                  .step(0xF4)
                  .apdu(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, putDataBody(0x5FC10C, Bytes{})))
                  .step(0xF4)
                  .step(0xF0)
                  .apdu(getData(0x5FC10C, 65536))
                  .bytes());
    // Management-key variants: random from the card, internal authentication, a failed
    // mutual authentication.
    writeSeed("blank_management_key",
              Script(0x00)
                  .step(0xF6)
                  .apdu(CommandApdu(0x00, 0x87, 0x00, 0x9B, Bytes{0x7C, 0x02, 0x81, 0x00}, 256))
                  .apdu(CommandApdu(0x00, 0x87, 0x03, 0x9B, join({Bytes{0x7C, 0x0C, 0x81, 0x08}, Bytes(8, 0x11), Bytes{0x82, 0x00}}), 256))
                  .apdu(CommandApdu(0x00, 0x87, 0x03, 0x9B, Bytes{0x7C, 0x02, 0x80, 0x00}, 256))
                  .apdu(CommandApdu(0x00, 0x87, 0x03, 0x9B,
                                    join({Bytes{0x7C, 0x14, 0x80, 0x08}, Bytes(8, 0x00), Bytes{0x81, 0x08}, Bytes(8, 0x01), Bytes{0x82, 0x00}}), 256))
                  .apdu(CommandApdu(0x00, 0xDB, 0x3F, 0xFF, putDataBody(piv::object::kChuid, Bytes{0x30, 0x00})))
                  .apdu(CommandApdu(0x00, 0xF7, 0x00, 0x80, {}, 256))
                  .bytes());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (fmc::fuzz::seedFolder() != nullptr) {
        writeSeeds();
        std::exit(0);
    }
    (void)fmc::fuzz::vcard::blankCard();
    (void)fmc::fuzz::vcard::personalizedCard();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fmc::fuzz::vcard;
    if (size == 0) return 0;
    const std::uint8_t configuration = data[0];
    const bool personalized = (configuration & 0x01) != 0;
    const bool contactless = (configuration & 0x02) != 0;
    Session session(personalized ? personalizedCard() : blankCard(), contactless);

    fmc::ByteView rest(data + 1, size - 1);
    // Each record costs at least one byte, so the loop ends; the exchange count is bounded too.
    while (!rest.empty()) {
        const std::uint8_t head = rest[0];
        rest = rest.subspan(1);
        if (head < 0xF0 || head == 0xFF) {
            std::size_t length = head;
            if (head == 0xFF) {
                if (rest.size() < 2) break;
                length = static_cast<std::size_t>(rest[0]) << 8 | rest[1];
                rest = rest.subspan(2);
            }
            length = std::min(length, rest.size());
            session.exchange(rest.first(length));
            rest = rest.subspan(length);
            continue;
        }
        switch (head) {
            case 0xF0: session.powerCycle(); break;
            case 0xF1: session.mutualAuthenticate(); break;
            case 0xF2: session.externalAuthenticate(); break;
            case 0xF3: session.verifyCurrentPin(); break;
            case 0xF4: session.toggleSaveFailure(); break;
            case 0xF5: session.drainResponse(); break;
            case 0xF6: session.selectPiv(); break;
            default: break;
        }
    }
    return 0;
}
