// libFuzzer target: the NFC tag credential a terminal reads from any tag held to it (a CWT in
// a COSE_Sign1, crypto/pki/tag_credential.hpp), through TagCredential::parse (libcbor and the
// strict re-encoding) and the whole offline check, CardVerifier::verifyTag, trusting the
// fixed test PKI of card_pki_fuzz_support.hpp with its CRL and ARL. A credential that parses
// is also re-signed by the issuing CA, so that verifyTag's checks past the signature (dates,
// issuer name, revocation, UID) see mutated values too.
//
// Beyond "no crash, no sanitizer report":
//   - parse is a bijection on what it accepts: a credential that parsed re-encodes to exactly
//     the input, and parsing that gives the same value again;
//   - only MalformedCertificateError comes out of parse; verifyTag never throws;
//   - a verdict is self-consistent (certificate=malformed alone, or all checks with an
//     identity); an accepted one names the issuing CA by key id and name, its ES256
//     signature verifies with the CA's key (checked here independently, with
//     EcPublicKey::verifyDigest), its UID is the tag's, and its serial is not on the CRL.
#include "card_pki_fuzz_support.hpp"

#include "crypto/digest.hpp"
#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/tag_credential.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace {

using namespace fmc::crypto::pki;
using fmc::Bytes;
using fmc::ByteView;

void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

const Bytes kTagUid = fmc::fromHex("04C0FFEE123456");

TagCredentialRequest genuineRequest(Bytes serial, Bytes uid = kTagUid) {
    return {std::move(serial), fmc::fuzz::sampleCardUuid(0x31), std::move(uid),
            {"MARKET-STALL", "TAX.SIMPLE", "WATER_1", "PARKING.A", "LIBRARY"}, "vi-VN", fmc::fuzz::kJan2026,
            fmc::fuzz::kJan2026 + fmc::fuzz::kYear, fmc::fuzz::kJan2026};
}

struct Terminal {
    fmc::fuzz::MemoryKeyStore issuingKeys{fmc::fuzz::fixedKey(fmc::fuzz::kIssuingKey)};  // to re-sign what parsed
    TrustStore trust;
    RevocationState revocation;
    CardVerifier verifier;
    fmc::crypto::EcPublicKey issuingKey;
    Bytes issuingKeyId;
    std::string issuingName;

    Terminal()
        : trust(fmc::fuzz::cardPki().trust()),
          verifier(trust, std::chrono::hours(24 * 7)),
          issuingKey(fmc::fuzz::cardPki().issuing.certificate().publicKey()),
          issuingKeyId(fmc::fuzz::cardPki().issuing.certificate().subjectKeyIdentifier()),
          issuingName(tagIssuerName(fmc::fuzz::cardPki().issuing.certificate())) {
        revocation.importCrl(trust, fmc::fuzz::cardPki().crl);
        revocation.importCrl(trust, fmc::fuzz::cardPki().arl);
        // The harness itself: a genuine credential passes, one with the CRL's serial is revoked.
        const auto at = fmc::fuzz::kJan2026 + std::chrono::hours(1);
        const auto& issuing = fmc::fuzz::cardPki().issuing;
        if (!verifier.verifyTag(issuing.issueTagCredential(genuineRequest({0x01, 0x23, 0x46})), kTagUid, at, revocation)
                 .accepted() ||
            verifier.verifyTag(issuing.issueTagCredential(genuineRequest({0x06, 0x66})), kTagUid, at, revocation)
                    .codeOf(Check::cardRevocation) != ReasonCode::revoked)
            std::abort();
    }
};

const Terminal& terminal() {
    static const Terminal instance;
    return instance;
}

bool signatureVerifies(const TagCredential& credential) {
    try {
        return terminal().issuingKey.verifyDigest(fmc::crypto::sha256(credential.toBeSigned()),
                                                  derSignatureFromCose(credential.signature));
    } catch (const fmc::crypto::CryptoError&) {
        return false;
    }
}

void checkVerdict(const Verdict& verdict) {
    require(!verdict.checks.empty() && verdict.checks.front().check == Check::certificate);
    const bool parsed = verdict.checks.front().code == ReasonCode::ok;
    require(parsed == verdict.card.has_value());
    if (!parsed) {
        require(verdict.checks.size() == 1 && verdict.decisiveReason() == ReasonCode::malformed);
        return;
    }
    require(verdict.codeOf(Check::path).has_value() && verdict.codeOf(Check::cardAuthentication).has_value());
    require(verdict.accepted() == (verdict.decisiveReason() == ReasonCode::ok));
    if (!verdict.accepted()) return;
    require(verdict.checks.size() == 5);
    require(verdict.card->serialNumber != Bytes({0x06, 0x66}));  // listed on the CRL
}

void fuzzOne(ByteView bytes, ByteView uid) {
    const Terminal& t = terminal();
    for (const auto at : {fmc::fuzz::kJan2026 + std::chrono::hours(1), fmc::fuzz::kJan2026 + 2 * fmc::fuzz::kYear}) {
        std::optional<Verdict> verdict;
        try {
            verdict = t.verifier.verifyTag(bytes, uid, at, t.revocation);
        } catch (...) {
            std::abort();  // "never throws for bad input"
        }
        checkVerdict(*verdict);
        if (verdict->accepted()) {
            // Only the issuing CA's signature gets a credential accepted, for this tag only.
            const TagCredential credential = TagCredential::parse(bytes);
            require(credential.issuerKeyId == t.issuingKeyId && credential.issuerName == t.issuingName);
            require(std::equal(uid.begin(), uid.end(), credential.tagUid.begin(), credential.tagUid.end()));
            require(signatureVerifies(credential));
        }
    }
}

void fuzzCredential(ByteView bytes) {
    std::optional<TagCredential> credential;
    try {
        credential = TagCredential::parse(bytes);
    } catch (const MalformedCertificateError&) {
        ERR_clear_error();
        fuzzOne(bytes, kTagUid);
        return;
    }
    // What parsed is the one encoding of its value.
    const Bytes encoded = credential->encode();
    require(std::equal(encoded.begin(), encoded.end(), bytes.begin(), bytes.end()));
    require(TagCredential::parse(encoded) == *credential);
    fuzzOne(bytes, kTagUid);
    fuzzOne(bytes, credential->tagUid);

    // Re-signed by the issuing CA with the input's own values (kid and iss as they are), so
    // verifyTag gets past the signature. Its decision must then be the one the values imply.
    TagCredential resigned = *credential;
    const Terminal& t = terminal();
    resigned.signature = lowSP256Signature(coseSignatureFromDer(t.issuingKeys.signData(resigned.toBeSigned())));
    const Bytes again = resigned.encode();
    fuzzOne(again, resigned.tagUid);
    const auto at = fmc::fuzz::kJan2026 + std::chrono::hours(1);
    const Verdict verdict = t.verifier.verifyTag(again, resigned.tagUid, at, t.revocation);
    const bool ours = resigned.issuerKeyId == t.issuingKeyId && resigned.issuerName == t.issuingName;
    const bool current = resigned.notBefore <= at && at < resigned.notAfter;
    const bool listed = resigned.serialNumber == Bytes({0x06, 0x66});
    require(verdict.accepted() == (ours && current && !listed));
    if (ours && current) require(verdict.codeOf(Check::path) == ReasonCode::ok);
    if (ours) require(verdict.codeOf(Check::cardRevocation) == (listed ? ReasonCode::revoked : ReasonCode::ok));
}

void writeSeeds() {
    using fmc::fuzz::writeSeed;
    const auto& issuing = fmc::fuzz::cardPki().issuing;
    const Bytes genuine = issuing.issueTagCredential(genuineRequest({0x01, 0x23, 0x46}));
    writeSeed("genuine.cwt", genuine);
    // The same with the COSE_Sign1 tag (18), which parse refuses: the route to that refusal.
    writeSeed("tagged_sign1.cbor", fmc::concat({Bytes{0xD2}, genuine}));
    writeSeed("revoked.cwt", issuing.issueTagCredential(genuineRequest({0x06, 0x66})));
    writeSeed("uid4.cwt", issuing.issueTagCredential(genuineRequest({0x01, 0x23, 0x47}, fmc::fromHex("08A1B2C3"))));
    writeSeed("uid10.cwt",
              issuing.issueTagCredential(genuineRequest({0x01, 0x23, 0x48}, fmc::fromHex("04A1B2C3D4E5F6071829"))));
    TagCredentialRequest none = genuineRequest({0x01, 0x23, 0x49});
    none.entitlements.clear();
    none.preferredLanguage = "zh-Hant-TW";
    writeSeed("no_entitlements.cwt", issuing.issueTagCredential(none));
    TagCredentialRequest full = genuineRequest({0x7F, 0xFF});
    full.entitlements.assign(24, "SERVICE.CODE-0123456");
    writeSeed("large.cwt", issuing.issueTagCredential(full));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (fmc::fuzz::seedFolder() != nullptr) {
        writeSeeds();
        std::exit(0);
    }
    (void)terminal();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzzCredential(ByteView(data, size));
    return 0;
}
