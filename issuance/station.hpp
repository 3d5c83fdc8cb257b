#pragma once
// The issuance station's folder and what it holds. One folder per station, chosen with
// `--home DIR` or FMC_HOME:
//   station.json           the configuration below (no secrets)
//   registry.sqlite        merchants, cards, revocations, the audit log (db/)
//   certs/root-ca.pem      the root CA certificate (the trust anchor terminals get)
//   certs/issuing-ca.pem   this station's issuing CA, signed by the root
//   keys/                  encrypted key files (absent when the keys live on a token)
//   issuance.lock          held while a card is personalized or an interruption repaired
// The CA keys and the station secret are opened only when a command needs them, so that
// `merchant list` asks for no passphrase.
#include "crypto/bytes.hpp"
#include "crypto/pki/certificate.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "db/records.hpp"
#include "db/registry.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace fmc::catalog {
class ServicesCatalog;
}

namespace fmc::issuance {

// A command line or environment problem the operator fixes (no station, no operator...).
class StationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Data the operator typed that the station refuses: an unknown nationality or entitlement
// code, an empty name, a malformed PIN (exit code 65, like the registry's refusals).
class InputError : public StationError {
public:
    using StationError::StationError;
};

// Another process holds the station lock (exit code 75: try again).
class StationBusyError : public StationError {
public:
    using StationError::StationError;
};

inline constexpr const char* homeEnvironmentVariable = "FMC_HOME";
inline constexpr const char* operatorEnvironmentVariable = "FMC_OPERATOR";

// `--home` when given, else FMC_HOME; throws StationError when neither is set.
[[nodiscard]] std::filesystem::path resolveStationHome(const std::optional<std::string>& homeOption);
// `--operator` when given, else FMC_OPERATOR; throws StationError when neither names anyone.
[[nodiscard]] db::Operator resolveOperator(const std::optional<std::string>& operatorOption);

struct StationConfig {
    std::string authority;           // e.g. "Yiwu Public Security Bureau"
    std::string stationName;         // the issuing CA's common name
    std::string issuingKeyLocation;  // a key file (relative to the home) or a pkcs11: URI
    std::string rootKeyLocation;     // a key file; empty while the root key is in offline custody
    std::string secretLocation;      // the station secret: a sealed file or a pkcs11: URI
    int defaultCardDays = 365;
    int defaultCrlHours = 24;
};

class Station {
public:
    // Opens an initialized station; throws StationError when `home` holds none.
    static Station open(const std::filesystem::path& home);

    [[nodiscard]] const std::filesystem::path& home() const { return home_; }
    [[nodiscard]] const StationConfig& config() const { return config_; }
    void saveConfig(const StationConfig& config);

    [[nodiscard]] db::Registry& registry();
    [[nodiscard]] const catalog::ServicesCatalog& catalog();

    [[nodiscard]] crypto::pki::Certificate rootCertificate() const;
    [[nodiscard]] crypto::pki::Certificate issuingCertificate() const;
    // The issuing CA with its key opened (asks for the passphrase or PIN once per process).
    [[nodiscard]] const crypto::pki::CertificateAuthority& issuingCa();
    // The registry's name for the issuing CA: its subject key identifier in hex.
    [[nodiscard]] std::string issuerId() const;
    // The station secret the per-card keys derive from (opened once per process).
    [[nodiscard]] const SecretBytes& secret();

    // A location from station.json made absolute: files are relative to the home.
    [[nodiscard]] std::string resolveLocation(const std::string& location) const;

    [[nodiscard]] static std::filesystem::path configPath(const std::filesystem::path& home);
    [[nodiscard]] static std::filesystem::path registryPath(const std::filesystem::path& home);
    [[nodiscard]] static std::filesystem::path rootCertificatePath(const std::filesystem::path& home);
    [[nodiscard]] static std::filesystem::path issuingCertificatePath(const std::filesystem::path& home);
    [[nodiscard]] static std::filesystem::path lockPath(const std::filesystem::path& home);

    Station(Station&&) noexcept;
    Station& operator=(Station&&) noexcept;
    ~Station();

private:
    Station(std::filesystem::path home, StationConfig config);

    std::filesystem::path home_;
    StationConfig config_;
    std::unique_ptr<db::Registry> registry_;
    std::unique_ptr<catalog::ServicesCatalog> catalog_;
    std::unique_ptr<crypto::pki::CertificateAuthority> issuingCa_;
    std::optional<SecretBytes> secret_;
};

// Reads and writes station.json (written to a temporary file and renamed).
[[nodiscard]] StationConfig readStationConfig(const std::filesystem::path& file);
void writeStationConfig(const std::filesystem::path& file, const StationConfig& config);

} // namespace fmc::issuance
