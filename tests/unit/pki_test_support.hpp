#pragma once
// A small card PKI for the pki tests: a P-384 root, a P-256 issuing CA, card certificates,
// CRLs, and a helper that runs the openssl CLI on files in a temporary folder.
#include "crypto/digest.hpp"
#include "crypto/ec_key.hpp"
#include "crypto/pki/card_certificate_profile.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/key_store.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "crypto/pki/trust_store.hpp"
#include "support/memory_key_store.hpp"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

namespace fmc::crypto::pki::testing {

using Clock = std::chrono::system_clock;
using std::chrono::hours;

// 2026-01-01T00:00:00Z: every test runs at fixed times, never "now".
inline Clock::time_point at(long long secondsSinceEpoch) { return Clock::time_point(std::chrono::seconds(secondsSinceEpoch)); }
inline const Clock::time_point jan2026 = at(1767225600);
inline constexpr auto year = hours(24 * 365);

using fmc::test::MemoryKeyStore;

inline CardAttributes sampleAttributes() {
    const std::string personalData = "name=NGUYEN VAN A;native=Nguyễn Văn A;nationality=VNM";
    return {{"MARKET-STALL", "TAX.SIMPLE", "WATER_1"}, "vi-VN",
            sha256(ByteView(reinterpret_cast<const std::uint8_t*>(personalData.data()), personalData.size()))};
}

inline CardUuid sampleUuid(std::uint8_t seed = 0x11) {
    CardUuid uuid{};
    for (std::size_t i = 0; i < uuid.size(); ++i) uuid[i] = static_cast<std::uint8_t>(seed + i);
    uuid[6] = static_cast<std::uint8_t>((uuid[6] & 0x0F) | 0x40);  // version 4
    uuid[8] = static_cast<std::uint8_t>((uuid[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return uuid;
}

struct TestPki {
    CertificateAuthority root;
    CertificateAuthority issuing;
    std::shared_ptr<MemoryKeyStore> issuingKeys;  // for tests that forge what a CA would not sign

    static TestPki create() {
        auto rootKeys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p384));
        auto root = CertificateAuthority::createRoot(
            rootKeys, {"FMC Root CA", "Public Security", at(1735689600) /*2025-01-01*/, at(1735689600) + 20 * year, {}});
        auto issuingKeys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p256));
        auto issuingCertificate = root.issueSubordinateCa(
            issuingKeys->publicKey(),
            {"FMC Issuing CA Hanoi 1", "Public Security", at(1748736000) /*2025-06-01*/, at(1748736000) + 10 * year, {}});
        return {std::move(root), CertificateAuthority(issuingCertificate, issuingKeys), issuingKeys};
    }

    // A card certificate valid 2026-01-01 .. 2031-01-01, with its key, for a fresh card.
    struct Card {
        EcPrivateKey key;
        Certificate certificate;
    };
    Card issueCard(const std::string& number = "FMC-0000-0001", std::uint8_t uuidSeed = 0x11) const {
        EcPrivateKey key = EcPrivateKey::generate(Curve::p256);
        CardCertificateRequest request{number, sampleUuid(uuidSeed), key.publicKey(), sampleAttributes(),
                                       jan2026, jan2026 + 5 * year, {}};
        return {key, issuing.issueCardCertificate(request)};
    }

    // What a terminal of this PKI trusts: the root and the issuing CA.
    [[nodiscard]] TrustStore trust() const {
        return TrustStore::fromPem(issuing.certificate().pem() + root.certificate().pem());
    }

    RevocationList crl(std::uint64_t number, std::vector<RevokedCertificate> entries = {},
                       Clock::time_point thisUpdate = jan2026, hours validity = hours(24)) const {
        return issuing.issueRevocationList({number, thisUpdate, thisUpdate + validity, std::move(entries)});
    }
    RevocationList arl(std::uint64_t number, std::vector<RevokedCertificate> entries = {},
                       Clock::time_point thisUpdate = jan2026, hours validity = hours(24 * 30)) const {
        return root.issueRevocationList({number, thisUpdate, thisUpdate + validity, std::move(entries)});
    }
};

// A temporary folder, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "fmc-pki-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream(path_ / name, std::ios::binary) << content;
        return (path_ / name).string();
    }

private:
    std::filesystem::path path_;
};

struct CommandResult {
    int exitCode = -1;
    std::string output;  // stdout and stderr together
};

// Runs a shell command (the openssl CLI) and captures its output and exit status.
inline CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buffer{};
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), got);
    const int status = ::pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

inline std::string epochSeconds(Clock::time_point time) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count());
}

} // namespace fmc::crypto::pki::testing
