#include "fuzz/data_fuzz_support.hpp"

#include "crypto/bytes.hpp"

#include <sstream>

namespace fmc::fuzz {

namespace pki = crypto::pki;

namespace {

// ---- The fixed PKI (make_data_seeds --print-pki wrote these) ----
// @@PKI-CONSTANTS-BEGIN@@
constexpr const char* kRootKeyPkcs8Hex =
    "3081B6020100301006072A8648CE3D020106052B8104002204819E30819B0201010430C68C6823C5B0258783C597AAC92AA39B521F5930C4307F19BC8C46E5465BE748E2EBDC86C54E4B5CFC00FD718B2D3D88A16403620004FC5A48DAD9DEF2C727ECF006C1D0310271EA81C606DDE54225BE4ABE64D5639F11202850E228FA8A6E5FB4D1D08541E9B215D96421373CDA1C864E5C945224C1BF294997B54520EF7DB6DD3062B3AF82CE40C36D0DB20634668B28816ABB8CFE";
constexpr const char* kIssuingKeyPkcs8Hex =
    "308187020100301306072A8648CE3D020106082A8648CE3D030107046D306B020101042057788A7511C51EB51A40BF5DA2BBB5E25DA13675E0EB81AB457228C18BEF63AEA14403420004E931D9D8452A74355BC0BEF2E5DA5B354B58D76AE937979D0EDC986705B0642D06C73173C12EA8650195294BF1F0C98D54E28C2BC6859F7D69593826095F14E1";
constexpr const char* kRootCertificatePem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB2DCCAV2gAwIBAgIBATAKBggqhkjOPQQDAzAyMRUwEwYDVQQKDAxGdXp6aW5n\n"
    "IE9ubHkxGTAXBgNVBAMMEEZNQyBGdXp6IFJvb3QgQ0EwIBcNMjUwMTAxMDAwMDAw\n"
    "WhgPMjA1NDEyMjUwMDAwMDBaMDIxFTATBgNVBAoMDEZ1enppbmcgT25seTEZMBcG\n"
    "A1UEAwwQRk1DIEZ1enogUm9vdCBDQTB2MBAGByqGSM49AgEGBSuBBAAiA2IABPxa\n"
    "SNrZ3vLHJ+zwBsHQMQJx6oHGBt3lQiW+Sr5k1WOfESAoUOIo+opuX7TR0IVB6bIV\n"
    "2WQhNzzaHIZOXJRSJMG/KUmXtUUg73223TBis6+CzkDDbQ2yBjRmiyiBaruM/qNF\n"
    "MEMwEgYDVR0TAQH/BAgwBgEB/wIBATAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYE\n"
    "FHvvZeAVC/p6QN46aiuRslyuaKoGMAoGCCqGSM49BAMDA2kAMGYCMQC0YQ2BAVp2\n"
    "X7XlRQtqqjFW2Df/3lcXnCxe9octcwyvdU+GkLAHf6GvduLZepY7/vYCMQCaCYyY\n"
    "2+OKyCKsrvrjy8zxOHDcoqUXuU3hkSNGCuOuTwkRDgkIv1s+ibyT31LiEVo=\n"
    "-----END CERTIFICATE-----\n"
    "";
constexpr const char* kIssuingCertificatePem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB3DCCAWKgAwIBAgIBAjAKBggqhkjOPQQDAzAyMRUwEwYDVQQKDAxGdXp6aW5n\n"
    "IE9ubHkxGTAXBgNVBAMMEEZNQyBGdXp6IFJvb3QgQ0EwHhcNMjUwMTAxMDAwMDAw\n"
    "WhcNNDQxMjI3MDAwMDAwWjA1MRUwEwYDVQQKDAxGdXp6aW5nIE9ubHkxHDAaBgNV\n"
    "BAMME0ZNQyBGdXp6IElzc3VpbmcgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AATpMdnYRSp0NVvAvvLl2ls1S1jXauk3l50O3JhnBbBkLQbHMXPBLqhlAZUpS/Hw\n"
    "yY1U4owrxoWffWlZOCYJXxTho2YwZDASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1Ud\n"
    "DwEB/wQEAwIBBjAdBgNVHQ4EFgQUYckhac/TuPhS5swFmVvmN40RuQ8wHwYDVR0j\n"
    "BBgwFoAUe+9l4BUL+npA3jpqK5GyXK5oqgYwCgYIKoZIzj0EAwMDaAAwZQIwUHQ7\n"
    "LZL6n8r3ARPrwqBPEewB7wTNFWdQk5uqPVfBVA4TssIpYBNOcZRYtlKbYG+IAjEA\n"
    "x3gNxVimEDTH1Uv/Sq5bGhgkp1YzI7TmvgWaCNVLcZiECHIB3d3pVAGY9z77ZxUK\n"
    "-----END CERTIFICATE-----\n"
    "";
// @@PKI-CONSTANTS-END@@

constexpr auto kYear = std::chrono::hours(24 * 365);

std::shared_ptr<MemoryKeyStore> keysFromHex(const char* hex) {
    return std::make_shared<MemoryKeyStore>(crypto::EcPrivateKey::fromPkcs8(SecretBytes(fromHex(hex))));
}

DataFuzzPki buildPki() {
    const pki::Certificate rootCertificate = pki::Certificate::fromPem(kRootCertificatePem);
    const pki::Certificate issuingCertificate = pki::Certificate::fromPem(kIssuingCertificatePem);
    const auto rootKeys = keysFromHex(kRootKeyPkcs8Hex);
    const auto issuingKeys = keysFromHex(kIssuingKeyPkcs8Hex);
    pki::CertificateAuthority root(rootCertificate, rootKeys);
    pki::CertificateAuthority issuing(issuingCertificate, issuingKeys);
    pki::TrustStore trust = pki::TrustStore::fromPem(rootCertificate.pem() + issuingCertificate.pem());
    return {std::move(root), std::move(issuing), std::move(trust), rootKeys, issuingKeys};
}

std::string cppString(const std::string& text) {
    std::string out = "\n    \"";
    for (char c : text) {
        if (c == '\n') out += "\\n\"\n    \"";
        else out += c;
    }
    return out + "\"";
}

} // namespace

pki::RevocationList DataFuzzPki::baselineCrl() const {
    using pki::RevocationReason;
    const Clock::time_point at = seedEpoch();
    return issuing.issueRevocationList({5,
                                        at,
                                        at + std::chrono::hours(24),
                                        {{{0x10, 0x01}, at, RevocationReason::keyCompromise},
                                         {{0x10, 0x02}, at, RevocationReason::certificateHold},
                                         {{0x10, 0x03}, at, RevocationReason::cessationOfOperation}}});
}

pki::RevocationList DataFuzzPki::baselineArl() const {
    const Clock::time_point at = seedEpoch();
    return root.issueRevocationList({5, at, at + std::chrono::hours(24 * 30), {}});
}

const DataFuzzPki& dataFuzzPki() {
    static const DataFuzzPki instance = buildPki();
    return instance;
}

std::string newPkiConstants() {
    const Clock::time_point notBefore = Clock::time_point(std::chrono::seconds(1735689600));  // 2025-01-01
    const crypto::EcPrivateKey rootKey = crypto::EcPrivateKey::generate(crypto::Curve::p384);
    const crypto::EcPrivateKey issuingKey = crypto::EcPrivateKey::generate(crypto::Curve::p256);
    const auto rootKeys = std::make_shared<MemoryKeyStore>(rootKey);
    const pki::CertificateAuthority root = pki::CertificateAuthority::createRoot(
        rootKeys, {"FMC Fuzz Root CA", "Fuzzing Only", notBefore, notBefore + 30 * kYear, {0x01}});
    const pki::Certificate issuing = root.issueSubordinateCa(
        issuingKey.publicKey(), {"FMC Fuzz Issuing CA", "Fuzzing Only", notBefore, notBefore + 20 * kYear, {0x02}});
    std::ostringstream out;
    out << "constexpr const char* kRootKeyPkcs8Hex =\n    \"" << toHex(rootKey.toPkcs8().view()) << "\";\n"
        << "constexpr const char* kIssuingKeyPkcs8Hex =\n    \"" << toHex(issuingKey.toPkcs8().view()) << "\";\n"
        << "constexpr const char* kRootCertificatePem =" << cppString(root.certificate().pem()) << ";\n"
        << "constexpr const char* kIssuingCertificatePem =" << cppString(issuing.pem()) << ";\n";
    return out.str();
}

} // namespace fmc::fuzz
