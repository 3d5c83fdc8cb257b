#pragma once
// A small card PKI built once in memory for the card-side fuzz targets: a P-384 root, a P-256
// issuing CA, one genuine card (9E key + certificate), and the CRL and ARL a terminal holds.
// Keys live in memory, which only tests and fuzzers may do. All dates are fixed, never "now",
// so a run is repeatable.
#include "crypto/digest.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/pki/card_certificate_profile.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/key_store.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"
#include "tests/support/memory_key_store.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

namespace fmc::fuzz {

using Clock = std::chrono::system_clock;

inline Clock::time_point atEpochSeconds(long long seconds) { return Clock::time_point(std::chrono::seconds(seconds)); }
inline const Clock::time_point kJan2025 = atEpochSeconds(1735689600);
inline const Clock::time_point kJun2025 = atEpochSeconds(1748736000);
inline const Clock::time_point kJan2026 = atEpochSeconds(1767225600);
inline constexpr auto kYear = std::chrono::hours(24 * 365);

using fmc::test::MemoryKeyStore;

struct CardPki {
    crypto::pki::CertificateAuthority root;
    crypto::pki::CertificateAuthority issuing;
    crypto::EcPrivateKey cardKey;          // the genuine card's 9E key
    crypto::pki::Certificate cardCertificate;
    crypto::pki::CardCertificateRequest cardRequest;  // what the issuing CA signed
    crypto::pki::Certificate revokedCardCertificate;  // listed on the CRL
    crypto::pki::RevocationList crl;       // issuing CA, number 7, valid 2026-01-01 + 1 day
    crypto::pki::RevocationList arl;       // root, number 3, valid 2026-01-01 + 30 days

    [[nodiscard]] crypto::pki::TrustStore trust() const {
        return crypto::pki::TrustStore::fromPem(issuing.certificate().pem() + root.certificate().pem());
    }
};

// Fixed keys (PKCS#8, made once with openssl genpkey), so that the PKI is the same in every
// run and in the seeds: a seed certificate chains to the CA the fuzzer trusts. Test keys only.
inline constexpr std::string_view kRootKey =
    "3081b6020100301006072a8648ce3d020106052b8104002204819e30819b02010104307eacaff4eb463f0371ffdb4075"
    "3ceb0d8cf52b40cc69c70be11735965e24519d830b4480d5a552ba9875c3d4d7517d4ba164036200041ea42208b40a2a"
    "1809144eabbaa19c2f5868e66e37e86f9a79398f4a9283159938bf2fb185d7c3e7ed10b09e632e88b6ef91c2d27ddce1"
    "a3d2b7ba9b525dddd98730d90e8d1a5cce61befceedc362a496ae371ccbd4a7c1b3b472922094bbfc8";
inline constexpr std::string_view kIssuingKey =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420d6b1331ffc486f4ef251a605"
    "03a8ed1116c10a92d221c818f1416fc5afaf2d6ba144034200042ae7184163c26d44c55df42eaaf1220231e55425ffe9"
    "96c7ae0507f9d8580408a54c2e4ce05fe85dad5de0d51f52e30b8c4811a6549dadf699c6df174e1a0a2d";
inline constexpr std::string_view kCardKey =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02010104202226a1cd73fbb1810e1f4957"
    "fc2a7a4e10269ba29103aad15ed35fb19293c832a14403420004323c0ad9f5de57a15de4f1afd661a70fe508c38a0872"
    "43f2b08e771c2dcbcdce9446498c6eff60d37b88149c859273ca177f8ed69d1fc4a99e425331f430be47";
inline constexpr std::string_view kRevokedCardKey =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420ee72d2235433679184b7a38f"
    "eca224a5b3db22502abc8c199ea6b4705b337dc4a1440342000457550a3cfb6e25855c67165009f07522a4c0c1598690"
    "afb86e6f9b399110c5b21b354ab9d5267d92f1447fecc873b1cf5d7297228d8f47745650f2ac87845b10";

inline crypto::EcPrivateKey fixedKey(std::string_view pkcs8Hex) {
    return crypto::EcPrivateKey::fromPkcs8(SecretBytes(fromHex(pkcs8Hex)));
}

inline crypto::pki::CardAttributes sampleCardAttributes() {
    const std::string personalData = "name=NGUYEN VAN A;nationality=VNM";
    return {{"MARKET-STALL", "TAX.SIMPLE", "WATER_1"}, "vi-VN",
            crypto::sha256(ByteView(reinterpret_cast<const std::uint8_t*>(personalData.data()), personalData.size()))};
}

inline crypto::pki::CardUuid sampleCardUuid(std::uint8_t seed) {
    crypto::pki::CardUuid uuid{};
    for (std::size_t i = 0; i < uuid.size(); ++i) uuid[i] = static_cast<std::uint8_t>(seed + i);
    uuid[6] = static_cast<std::uint8_t>((uuid[6] & 0x0F) | 0x40);  // RFC 4122 version 4
    uuid[8] = static_cast<std::uint8_t>((uuid[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return uuid;
}

// Built on first use; the fuzzers call it from LLVMFuzzerInitialize or a static.
inline const CardPki& cardPki() {
    static const CardPki pki = [] {
        using namespace crypto;
        using namespace crypto::pki;
        auto rootKeys = std::make_shared<MemoryKeyStore>(fixedKey(kRootKey));
        CertificateAuthority root = CertificateAuthority::createRoot(
            rootKeys, {"FMC Root CA", "Public Security", kJan2025, kJan2025 + 20 * kYear, Bytes{0x10}});
        auto issuingKeys = std::make_shared<MemoryKeyStore>(fixedKey(kIssuingKey));
        const Certificate issuingCertificate = root.issueSubordinateCa(
            issuingKeys->publicKey(), {"FMC Issuing CA Hanoi 1", "Public Security", kJun2025, kJun2025 + 10 * kYear, Bytes{0x20}});
        CertificateAuthority issuing(issuingCertificate, issuingKeys);

        EcPrivateKey cardKey = fixedKey(kCardKey);
        CardCertificateRequest request{"FMC-0000-0001", sampleCardUuid(0x11), cardKey.publicKey(),
                                       sampleCardAttributes(), kJan2026, kJan2026 + 5 * kYear, Bytes{0x01, 0x23, 0x45}};
        Certificate cardCertificate = issuing.issueCardCertificate(request);

        const EcPrivateKey revokedKey = fixedKey(kRevokedCardKey);
        CardCertificateRequest revokedRequest{"FMC-0000-0002", sampleCardUuid(0x21), revokedKey.publicKey(),
                                              sampleCardAttributes(), kJan2026, kJan2026 + 5 * kYear,
                                              Bytes{0x06, 0x66}};
        Certificate revoked = issuing.issueCardCertificate(revokedRequest);

        RevocationList crl = issuing.issueRevocationList(
            {7, kJan2026, kJan2026 + std::chrono::hours(24), {{Bytes{0x06, 0x66}, kJan2026, RevocationReason::keyCompromise}}});
        RevocationList arl = root.issueRevocationList({3, kJan2026, kJan2026 + std::chrono::hours(24 * 30), {}});
        return CardPki{std::move(root),    std::move(issuing), std::move(cardKey), std::move(cardCertificate),
                       std::move(request), std::move(revoked), std::move(crl),     std::move(arl)};
    }();
    return pki;
}

// Seeds for the corpora in fuzz/corpus/ are made by the targets themselves, from the code's
// own encoders (the genuine test card, real APDU sessions): run a target once with
// FMC_FUZZ_WRITE_SEEDS=<folder> and it writes its seeds there and exits. Returns the folder, or
// nothing when the variable is unset (a normal fuzz run).
inline const char* seedFolder() { return std::getenv("FMC_FUZZ_WRITE_SEEDS"); }

inline void writeSeed(const std::string& name, ByteView bytes) {
    const std::string path = std::string(seedFolder()) + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(1);
    }
}

} // namespace fmc::fuzz
