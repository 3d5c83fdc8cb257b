// libFuzzer target: the 9E card certificate a terminal reads from any card held to it, and the
// private extension inside it (FmcCardAttributes), through the whole offline check a terminal
// runs (CardVerifier: parse, profile, path to a fixed test PKI, revocation, card
// authentication). Every input is also given to the extension's own DER decoder and to the
// urn:uuid parser of the subjectAltName, which a mutated certificate seldom reaches intact.
//
// Beyond "no crash, no sanitizer report":
//   - CardVerifier::verify never throws (its contract) and a verdict is self-consistent;
//   - a certificate the verifier accepts says exactly what the issuing CA signed for the
//     genuine card (number, UUID, serial, attributes, end date): no mutation gets a forged
//     identity past the path check;
//   - what parses re-encodes to the same value (Certificate DER round trip, the strict DER of
//     CardAttributes, the lower-case urn:uuid form);
//   - only the documented errors are thrown (MalformedCertificateError, CryptoError,
//     std::invalid_argument for a bad URN).
#include "card_pki_fuzz_support.hpp"

#include "crypto/crypto_error.hpp"
#include "crypto/pki/card_attributes.hpp"
#include "crypto/pki/card_uuid.hpp"
#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace {

using namespace fmc::crypto::pki;

void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

// The terminal's state, built once: trust in the test PKI, its CRL and ARL imported, and the
// genuine card's signature over a fixed challenge (so a certificate carrying the genuine key
// can pass card authentication, and the whole verify path runs).
struct Terminal {
    TrustStore trust;
    RevocationState revocation;
    CardVerifier verifier;
    fmc::Bytes challenge;
    fmc::Bytes genuineSignature;
    CardIdentity genuine;

    Terminal()
        : trust(fmc::fuzz::cardPki().trust()),
          verifier(trust, std::chrono::hours(24 * 7)),
          challenge(CardVerifier::challengeSize, 0x5A),
          genuineSignature(fmc::fuzz::cardPki().cardKey.signDigest(challenge)),
          genuine(CardCertificateProfile::read(fmc::fuzz::cardPki().cardCertificate)) {
        revocation.importCrl(trust, fmc::fuzz::cardPki().crl);
        revocation.importCrl(trust, fmc::fuzz::cardPki().arl);
        // The harness itself: the genuine card passes every check, the listed one is revoked.
        const auto at = fmc::fuzz::kJan2026 + std::chrono::hours(1);
        if (!verifier.verify(fmc::fuzz::cardPki().cardCertificate.der(), at, revocation, challenge, genuineSignature)
                 .accepted() ||
            verifier.verify(fmc::fuzz::cardPki().revokedCardCertificate.der(), at, revocation, challenge, genuineSignature)
                    .codeOf(Check::cardRevocation) != ReasonCode::revoked)
            std::abort();
    }
};

const Terminal& terminal() {
    static const Terminal instance;
    return instance;
}

bool sameIdentity(const CardIdentity& a, const CardIdentity& b) {
    return a.cardNumber == b.cardNumber && a.cardUuid == b.cardUuid && a.serialNumber == b.serialNumber &&
           a.attributes == b.attributes && a.notAfter == b.notAfter;
}

void checkVerdict(const Verdict& verdict) {
    require(!verdict.checks.empty() && verdict.checks.front().check == Check::certificate);
    const bool parsed = verdict.checks.front().code == ReasonCode::ok;
    require(parsed == verdict.card.has_value());
    if (!parsed) {
        require(verdict.checks.size() == 1 && verdict.checks.front().code == ReasonCode::malformed);
        require(!verdict.accepted() && verdict.decisiveReason() == ReasonCode::malformed);
        return;
    }
    // What the profile let through keeps the profile's rules.
    const CardIdentity& card = *verdict.card;
    require(!card.cardNumber.empty() && card.cardNumber.size() <= 64);
    for (char c : card.cardNumber) require(c >= 0x20 && c <= 0x7E);
    card.attributes.validate();  // throws (and so aborts below) if the profile let a bad value in
    require(verdict.codeOf(Check::cardAuthentication).has_value());
    require(verdict.accepted() == (verdict.decisiveReason() == ReasonCode::ok));
    if (verdict.accepted()) {
        // Only the issuing CA's signature makes a path valid, and it signed one identity.
        require(sameIdentity(card, terminal().genuine));
        require(verdict.checks.size() == 5);
    }
}

void fuzzVerifier(fmc::ByteView bytes, const fmc::Bytes& signature) {
    const Terminal& t = terminal();
    // Inside the genuine card's validity and the CRL's, then after the card expired.
    for (const auto at : {fmc::fuzz::kJan2026 + std::chrono::hours(1), fmc::fuzz::kJan2026 + 6 * fmc::fuzz::kYear}) {
        try {
            checkVerdict(t.verifier.verify(bytes, at, t.revocation, t.challenge, signature));
        } catch (...) {
            std::abort();  // "never throws for bad input"
        }
    }
}

void fuzzCertificate(fmc::ByteView bytes) {
    try {
        const Certificate certificate = Certificate::fromDer(bytes);
        // The accessors a terminal and the station use on any parsed certificate.
        (void)certificate.subject();
        (void)certificate.issuer();
        (void)certificate.subjectKeyIdentifier();
        (void)certificate.isCa();
        (void)certificate.isSelfSigned();
        const Certificate again = Certificate::fromDer(certificate.der());
        require(again == certificate);
        const CardIdentity identity = CardCertificateProfile::read(certificate);
        require(sameIdentity(identity, CardCertificateProfile::read(again)));
        (void)certificate.publicKey();
    } catch (const fmc::crypto::CryptoError&) {  // MalformedCertificateError and kin
    }
    ERR_clear_error();
}

void fuzzAttributes(fmc::ByteView bytes) {
    try {
        const CardAttributes attributes = CardAttributes::decode(bytes);
        // decode() is strict DER: the input is exactly what encode() makes of the value.
        const fmc::Bytes encoded = attributes.encode();
        require(std::equal(encoded.begin(), encoded.end(), bytes.begin(), bytes.end()));
    } catch (const MalformedCertificateError&) {
    }
    ERR_clear_error();
}

void fuzzUrn(fmc::ByteView bytes) {
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    try {
        const CardUuid uuid = uuidFromUrn(text);
        const std::string canonical = uuidUrn(uuid);
        require(canonical.size() == text.size());
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
            require(canonical[i] == lower);
        }
    } catch (const std::invalid_argument&) {
    }
}

void writeSeeds() {
    using fmc::fuzz::writeSeed;
    const fmc::fuzz::CardPki& pki = fmc::fuzz::cardPki();
    writeSeed("card.der", pki.cardCertificate.der());
    writeSeed("revoked_card.der", pki.revokedCardCertificate.der());
    writeSeed("issuing_ca.der", pki.issuing.certificate().der());
    writeSeed("root_ca.der", pki.root.certificate().der());
    writeSeed("card_attributes.der", pki.cardRequest.attributes.encode());
    CardAttributes none{{}, "zh-Hant-TW", pki.cardRequest.attributes.personalDataDigest};
    writeSeed("card_attributes_empty.der", none.encode());
    const std::string urn = uuidUrn(pki.cardRequest.cardUuid);
    writeSeed("card_uuid.urn", fmc::ByteView(reinterpret_cast<const std::uint8_t*>(urn.data()), urn.size()));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (fmc::fuzz::seedFolder() != nullptr) {
        writeSeeds();
        std::exit(0);
    }
    (void)terminal();  // the PKI and the terminal state cost ~10 ms: once, before the first input
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fmc::ByteView bytes(data, size);
    // The genuine card's signature: a certificate with the genuine key passes authentication.
    fuzzVerifier(bytes, terminal().genuineSignature);
    fuzzCertificate(bytes);
    fuzzAttributes(bytes);
    fuzzUrn(bytes);
    return 0;
}
