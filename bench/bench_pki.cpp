#include "bench_pki.hpp"

#include "crypto/pki/card_certificate_profile.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/key_store.hpp"
#include "crypto/random.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace fmc::bench {

using namespace crypto;
using namespace crypto::pki;
using Clock = std::chrono::system_clock;

namespace {

const auto year = std::chrono::hours(24 * 365);
Clock::time_point at(long long seconds) { return Clock::time_point(std::chrono::seconds(seconds)); }

// A benchmark may keep a CA key in memory; production code goes through a real KeyStore.
class MemoryKeyStore final : public KeyStore {
public:
    explicit MemoryKeyStore(EcPrivateKey key) : key_(std::move(key)) {}
    [[nodiscard]] EcPublicKey publicKey() const override { return key_.publicKey(); }

protected:
    [[nodiscard]] EVP_PKEY* signingKey() const override { return key_.native(); }

private:
    EcPrivateKey key_;
};

CaProfile rootProfile() { return {"FMC Bench Root CA", "Public Security", at(1735689600), at(1735689600) + 20 * year, {}}; }
CaProfile issuingProfile() {
    return {"FMC Bench Issuing CA", "Public Security", at(1748736000), at(1748736000) + 10 * year, {}};
}

EcPrivateKey loadKey(const std::filesystem::path& path) { return EcPrivateKey::fromPkcs8(SecretBytes(readFile(path))); }
void saveKey(const std::filesystem::path& path, const EcPrivateKey& key) { writeFile(path, key.toPkcs8().view()); }

} // namespace

Bytes readFile(const std::filesystem::path& path) {
    // Sized up front: a growing vector would double a 45 MB CRL's footprint while reading.
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    Bytes data(static_cast<std::size_t>(std::filesystem::file_size(path)));
    if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size())))
        throw std::runtime_error("cannot read " + path.string());
    return data;
}

void writeFile(const std::filesystem::path& path, ByteView data) {
    // Write then rename, so an interrupted run never leaves half a cached CRL.
    const std::filesystem::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        if (!out) throw std::runtime_error("cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, path);
}

BenchPki BenchPki::loadOrCreate(const std::filesystem::path& cacheDir) {
    std::filesystem::create_directories(cacheDir);
    const auto rootKeyPath = cacheDir / "root-key.p8";
    const auto issuingKeyPath = cacheDir / "issuing-key.p8";
    const auto cardKeyPath = cacheDir / "card-key.p8";
    const auto certsPath = cacheDir / "root-issuing-card.der";  // three lengths + DERs
    if (!std::filesystem::exists(certsPath)) {
        // A new PKI: every cached CRL was signed by the old keys and must go.
        for (const auto& file : std::filesystem::directory_iterator(cacheDir)) std::filesystem::remove(file.path());
        EcPrivateKey rootKey = EcPrivateKey::generate(Curve::p384);
        EcPrivateKey issuingKey = EcPrivateKey::generate(Curve::p256);
        EcPrivateKey cardKey = EcPrivateKey::generate(Curve::p256);
        auto root = CertificateAuthority::createRoot(std::make_shared<MemoryKeyStore>(rootKey), rootProfile());
        Certificate issuingCertificate = root.issueSubordinateCa(issuingKey.publicKey(), issuingProfile());
        CertificateAuthority issuing(issuingCertificate, std::make_shared<MemoryKeyStore>(issuingKey));
        CardUuid uuid{};
        for (std::size_t i = 0; i < uuid.size(); ++i) uuid[i] = static_cast<std::uint8_t>(0x20 + i);
        uuid[6] = static_cast<std::uint8_t>((uuid[6] & 0x0F) | 0x40);
        uuid[8] = static_cast<std::uint8_t>((uuid[8] & 0x3F) | 0x80);
        const CardAttributes attributes{{"MARKET-STALL", "TAX.SIMPLE"}, "vi-VN", Bytes(32, 0x5A)};
        const Certificate card = issuing.issueCardCertificate(
            {"FMC-0000-0001", uuid, cardKey.publicKey(), attributes, at(1767225600), at(1767225600) + 5 * year, {}});
        const RevocationList arl = root.issueRevocationList({1, at(1780272000) - std::chrono::hours(1),
                                                            at(1780272000) + std::chrono::hours(24 * 30), {}, {}});
        saveKey(rootKeyPath, rootKey);
        saveKey(issuingKeyPath, issuingKey);
        saveKey(cardKeyPath, cardKey);
        writeFile(cacheDir / "arl.der", arl.der());
        Bytes bundle;
        for (const Certificate* certificate : std::vector<const Certificate*>{&root.certificate(), &issuingCertificate, &card}) {
            const Bytes der = certificate->der();
            bundle.push_back(static_cast<std::uint8_t>(der.size() >> 8));
            bundle.push_back(static_cast<std::uint8_t>(der.size()));
            bundle.insert(bundle.end(), der.begin(), der.end());
        }
        writeFile(certsPath, bundle);
    }
    const Bytes bundle = readFile(certsPath);
    std::vector<Certificate> certificates;
    for (std::size_t offset = 0; offset + 2 <= bundle.size();) {
        const std::size_t length = static_cast<std::size_t>(bundle[offset]) << 8 | bundle[offset + 1];
        certificates.push_back(Certificate::fromDer(ByteView(bundle).subspan(offset + 2, length)));
        offset += 2 + length;
    }
    if (certificates.size() != 3) throw std::runtime_error("corrupt cache " + certsPath.string());
    return {certificates[0], certificates[1], certificates[2], loadKey(cardKeyPath), readFile(cacheDir / "arl.der"),
            cacheDir};
}

std::filesystem::path BenchPki::crlPath(std::size_t entries) const {
    return cacheDir / ("crl-" + std::to_string(entries) + ".der");
}

Bytes BenchPki::crlDer(std::size_t entries) const {
    const auto path = crlPath(entries);
    if (std::filesystem::exists(path)) return readFile(path);
    std::fprintf(stderr, "generating a %zu-entry CRL (cached in %s)\n", entries, path.c_str());
    CertificateAuthority issuingCa(issuing, std::make_shared<MemoryKeyStore>(loadKey(cacheDir / "issuing-key.p8")));
    RevocationListRequest request{7, benchTime - std::chrono::hours(1), benchTime + std::chrono::hours(24), {}, {}};
    request.entries.reserve(entries);
    const Bytes cardSerial = card.serialNumber();
    // Reasons in a realistic mix; a quarter leave reasonCode out (unspecified).
    const RevocationReason reasons[] = {RevocationReason::unspecified, RevocationReason::keyCompromise,
                                        RevocationReason::superseded, RevocationReason::certificateHold};
    for (std::size_t i = 0; i < entries; ++i) {
        Bytes serial = randomBytes(16);
        serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7F) | 0x01);  // positive, 16 octets
        if (serial == cardSerial) continue;
        request.entries.push_back({std::move(serial), benchTime - std::chrono::hours(48), reasons[i % 4]});
    }
    const Bytes der = issuingCa.issueRevocationList(request).der();
    writeFile(path, der);
    return der;
}

} // namespace fmc::bench
