// libFuzzer target: the PIV data objects a terminal or the issuance station reads from a card
// it does not control, and the client profile that reads them.
//   - the X.509 certificate container (70 cert, 71 CertInfo incl. gzip, FE), with its cap on
//     the decompressed size;
//   - the CHUID and the FASC-N inside it;
//   - the Foreign Merchant Card personal-data object (Printed Information, 5FC109);
//   - PivCard over a card whose answers are the input ("hostile card"): SELECT, GET DATA of
//     CHUID, 9E certificate, Discovery and personal data, a 9E signature, the PIN state, with
//     CardChannel's 61xx / 6Cxx handling in between.
//
// Beyond "no crash, no sanitizer report":
//   - what parses re-encodes to something that parses back to the same value (container,
//     CHUID, personal data), and a FASC-N decodes only from the exact bytes its encode() gives;
//   - a decompressed certificate never exceeds the cap;
//   - only the documented errors leave the parsers (CardError and its kin; CryptoError for
//     a key point that is not on the curve) and a hostile card's session always ends.
#include "card_vcard_fuzz_support.hpp"

#include "card/apdu.hpp"
#include "card/errors.hpp"
#include "card/piv/cert_container.hpp"
#include "card/piv/chuid.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "card/transport.hpp"
#include "crypto/crypto_error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

namespace {

using namespace fmc::card;
using namespace fmc::card::piv;

void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

// Small enough that a fuzzer reaches it with a short gzip bomb.
constexpr std::size_t kSmallCap = 2048;

void fuzzCertificateObject(fmc::ByteView bytes) {
    for (const std::size_t cap : {kSmallCap, kMaxCertificateBytes}) {
        try {
            const CertificateObject object = decodeCertificateObject(bytes, cap);
            require(!object.der.empty() && object.der.size() <= cap);
            // Encoded again (as stored), it decodes to the same certificate bytes.
            const CertificateObject again =
                decodeCertificateObject(encodeCertificateObject(object.der, object.storedAs), cap);
            require(again.der == object.der && again.storedAs == object.storedAs);
        } catch (const CardProtocolError&) {
        }
    }
}

void fuzzChuid(fmc::ByteView bytes) {
    try {
        const Chuid chuid = Chuid::parse(bytes);
        require(chuid.fascn.size() == 25 && chuid.expirationDate.size() == 8);
        require(Chuid::parse(chuid.encode()) == chuid);
    } catch (const CardProtocolError&) {
    }
}

void fuzzFascN(fmc::ByteView bytes) {
    // A FASC-N is 25 bytes; the first 25 of a longer input get their chance too.
    if (bytes.size() < 25) return;
    const fmc::ByteView candidate = bytes.first(25);
    try {
        const FascN fascn = FascN::decode(candidate);
        // 40 characters x 5 bits fill all 200 bits: encode() must give the input back.
        const fmc::Bytes encoded = fascn.encode();
        require(fmc::Bytes(candidate.begin(), candidate.end()) == encoded);
    } catch (const CardProtocolError&) {
    }
}

void fuzzPersonalData(fmc::ByteView bytes) {
    try {
        const MerchantPersonalData data = MerchantPersonalData::decode(bytes);
        require(MerchantPersonalData::decode(data.encode()) == data);
    } catch (const CardProtocolError&) {
    }
}

// A card whose every answer is the next record of the input (2-byte big-endian length, then
// the answer: data + SW); when the records run out it answers 6F00, as a card that stopped
// making sense.
class HostileCard final : public Transport {
public:
    explicit HostileCard(fmc::ByteView script) : script_(script) {}
    fmc::Bytes transmitRaw(fmc::ByteView command) override {
        require(!command.empty());
        ++exchanges_;
        if (script_.size() < 2) return {0x6F, 0x00};
        const std::size_t length = std::min<std::size_t>(static_cast<std::size_t>(script_[0]) << 8 | script_[1],
                                                         script_.size() - 2);
        fmc::Bytes answer(script_.begin() + 2, script_.begin() + 2 + static_cast<std::ptrdiff_t>(length));
        script_ = script_.subspan(2 + length);
        return answer;
    }
    [[nodiscard]] std::size_t exchanges() const { return exchanges_; }

private:
    fmc::ByteView script_;
    std::size_t exchanges_ = 0;
};

// Runs the same session against the personalized virtual card and keeps its answers as a
// script: the seed of a card that behaves.
fmc::Bytes recordedSession();

template <typename Step>
void tolerate(Step step) {
    try {
        step();
    } catch (const CardError&) {  // CardProtocolError, CardStatusError, TlvError, ManagementKeyMismatch
    } catch (const fmc::crypto::CryptoError&) {  // a public key or point that does not decode
    }
}

template <typename Session>
void readLikeATerminal(Session& piv) {
    tolerate([&] { (void)piv.select(); });
    tolerate([&] {
        if (const auto chuid = piv.readChuid()) require(chuid->fascn.size() == 25);
    });
    tolerate([&] {
        if (const auto der = piv.readCertificate(0x9E)) require(!der->empty() && der->size() <= kMaxCertificateBytes);
    });
    tolerate([&] { (void)piv.readDiscovery(); });
    tolerate([&] {
        if (const auto data = piv.readObject(kMerchantPersonalDataObject)) (void)MerchantPersonalData::decode(*data);
    });
    tolerate([&] { (void)piv.signDigest(0x9E, 0x11, fmc::Bytes(32, 0x5A)); });
    tolerate([&] { (void)piv.pinTriesLeft(); });
    tolerate([&] { (void)piv.version(); });
    tolerate([&] { (void)piv.metadata(0x9E); });
}

void fuzzHostileCard(fmc::ByteView script) {
    HostileCard card(script);
    CardChannel channel(card, ChannelOptions{false, 8, 16 * 1024});
    PivCard piv(channel);
    readLikeATerminal(piv);
    // Each step is bounded: at most 8 GET RESPONSEs and one 6Cxx resend after a command.
    require(card.exchanges() <= 9 * 10);
}

class RecordingCard final : public Transport {
public:
    explicit RecordingCard(fmc::card::vcard::PivApplet& applet) : applet_(applet) {}
    fmc::Bytes transmitRaw(fmc::ByteView command) override {
        fmc::Bytes answer = applet_.process(command);
        script.push_back(static_cast<std::uint8_t>(answer.size() >> 8));
        script.push_back(static_cast<std::uint8_t>(answer.size()));
        script.insert(script.end(), answer.begin(), answer.end());
        return answer;
    }
    fmc::Bytes script;

private:
    fmc::card::vcard::PivApplet& applet_;
};

fmc::Bytes recordedSession() {
    fmc::card::vcard::PivApplet applet(fmc::fuzz::vcard::personalizedCard(), nullptr);
    RecordingCard card(applet);
    CardChannel channel(card);
    PivCard piv(channel);
    readLikeATerminal(piv);
    return card.script;
}

void writeSeeds() {
    using fmc::fuzz::writeSeed;
    const fmc::fuzz::CardPki& pki = fmc::fuzz::cardPki();
    const fmc::Bytes der = pki.cardCertificate.der();
    writeSeed("cert_container_plain", encodeCertificateObject(der));
    writeSeed("cert_container_gzip", encodeCertificateObject(der, CertificateCompression::gzip));
    const Chuid chuid = nonFederalChuid(pki.cardRequest.cardUuid, "20310101");
    writeSeed("chuid", chuid.encode());
    Chuid withCardholder = chuid;
    withCardholder.cardholderUuid = pki.cardRequest.cardUuid;
    withCardholder.issuerSignature = fmc::Bytes{0x30, 0x03, 0x02, 0x01, 0x00};
    writeSeed("chuid_cardholder_signature", withCardholder.encode());
    writeSeed("fascn", FascN{}.encode());
    writeSeed("personal_data", MerchantPersonalData{"NGUYEN VAN A", "Nguyễn Văn A", "VNM", "C1234567", "FMC-0000-0001"}.encode());
    writeSeed("terminal_session_script", recordedSession());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (fmc::fuzz::seedFolder() != nullptr) {
        writeSeeds();
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fmc::ByteView bytes(data, size);
    fuzzCertificateObject(bytes);
    fuzzChuid(bytes);
    fuzzFascN(bytes);
    fuzzPersonalData(bytes);
    fuzzHostileCard(bytes);
    return 0;
}
