#include "issuance/station.hpp"

#include "catalog/services_catalog.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/key_store_factory.hpp"
#include "crypto/pki/station_secret.hpp"
#include "db/sqlite_registry.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <optional>

namespace fmc::issuance {

using nlohmann::json;
namespace pki = crypto::pki;

std::filesystem::path resolveStationHome(const std::optional<std::string>& homeOption) {
    if (homeOption && !homeOption->empty()) return std::filesystem::absolute(*homeOption);
    if (const char* fromEnvironment = std::getenv(homeEnvironmentVariable); fromEnvironment && *fromEnvironment)
        return std::filesystem::absolute(fromEnvironment);
    throw StationError("no station folder: pass --home DIR or set FMC_HOME");
}

db::Operator resolveOperator(const std::optional<std::string>& operatorOption) {
    std::string name;
    if (operatorOption) name = *operatorOption;
    else if (const char* fromEnvironment = std::getenv(operatorEnvironmentVariable)) name = fromEnvironment;
    if (name.find_first_not_of(" \t") == std::string::npos)
        throw StationError("this command changes the registry and needs an operator: pass --operator NAME or set FMC_OPERATOR");
    return db::Operator{name};
}

namespace {
// A whole number from 1 to `highest` (the command-line options' ranges), else nullopt:
// nlohmann would turn 2.5 into 2 and 1e300 into undefined behaviour.
std::optional<int> wholeNumberField(const json& document, const char* key, int fallback, int highest) {
    const json value = document.value(key, json(fallback));
    if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > highest) return std::nullopt;
    return value.get<int>();
}
} // namespace

StationConfig readStationConfig(const std::filesystem::path& file) {
    try {
        const json document = json::parse(readFileText(file));
        StationConfig config;
        config.authority = document.at("authority").get<std::string>();
        config.stationName = document.at("station_name").get<std::string>();
        config.issuingKeyLocation = document.at("issuing_key").get<std::string>();
        config.rootKeyLocation = document.value("root_key", std::string());
        config.secretLocation = document.at("station_secret").get<std::string>();
        const auto cardDays = wholeNumberField(document, "card_days", 365, 3660);
        const auto crlHours = wholeNumberField(document, "crl_hours", 24, 744);
        if (!cardDays || !crlHours)
            throw StationError(file.string() + ": card_days (1 to 3660) and crl_hours (1 to 744) must be whole numbers");
        config.defaultCardDays = *cardDays;
        config.defaultCrlHours = *crlHours;
        return config;
    } catch (const json::exception& error) {
        throw StationError(file.string() + " is not a valid station configuration: " + error.what());
    }
}

void writeStationConfig(const std::filesystem::path& file, const StationConfig& config) {
    const json document{{"authority", config.authority},
                        {"station_name", config.stationName},
                        {"issuing_key", config.issuingKeyLocation},
                        {"root_key", config.rootKeyLocation},
                        {"station_secret", config.secretLocation},
                        {"card_days", config.defaultCardDays},
                        {"crl_hours", config.defaultCrlHours}};
    writeFileAtomically(file, document.dump(2) + "\n", 0644);
}

std::filesystem::path Station::configPath(const std::filesystem::path& home) { return home / "station.json"; }
std::filesystem::path Station::registryPath(const std::filesystem::path& home) { return home / "registry.sqlite"; }
std::filesystem::path Station::rootCertificatePath(const std::filesystem::path& home) {
    return home / "certs" / "root-ca.pem";
}
std::filesystem::path Station::issuingCertificatePath(const std::filesystem::path& home) {
    return home / "certs" / "issuing-ca.pem";
}
std::filesystem::path Station::lockPath(const std::filesystem::path& home) { return home / "issuance.lock"; }

Station::Station(std::filesystem::path home, StationConfig config)
    : home_(std::move(home)), config_(std::move(config)) {}
Station::Station(Station&&) noexcept = default;
Station& Station::operator=(Station&&) noexcept = default;
Station::~Station() = default;

Station Station::open(const std::filesystem::path& home) {
    if (!std::filesystem::exists(configPath(home)))
        throw StationError("no station in " + home.string() + ": run 'fmc-issue init' first");
    return Station(home, readStationConfig(configPath(home)));
}

void Station::saveConfig(const StationConfig& config) {
    writeStationConfig(configPath(home_), config);
    config_ = config;
}

db::Registry& Station::registry() {
    if (!registry_) registry_ = std::make_unique<db::SqliteRegistry>(registryPath(home_));
    return *registry_;
}

const catalog::ServicesCatalog& Station::catalog() {
    if (!catalog_)
        catalog_ = std::make_unique<catalog::ServicesCatalog>(
            catalog::ServicesCatalog::load(catalog::defaultServicesCatalogPath()));
    return *catalog_;
}

pki::Certificate Station::rootCertificate() const {
    return pki::Certificate::fromPem(readFileText(rootCertificatePath(home_)));
}

pki::Certificate Station::issuingCertificate() const {
    return pki::Certificate::fromPem(readFileText(issuingCertificatePath(home_)));
}

std::string Station::issuerId() const { return toHex(issuingCertificate().subjectKeyIdentifier()); }

std::string Station::resolveLocation(const std::string& location) const {
    if (location.empty() || pki::isPkcs11Location(location)) return location;
    const std::filesystem::path path(location);
    return (path.is_absolute() ? path : home_ / path).string();
}

const pki::CertificateAuthority& Station::issuingCa() {
    if (!issuingCa_) {
        // Opening a token object checks the PIN with a fresh C_Login, and SoftHSM2 drops every
        // private-object handle of the process on the C_Logout before it: opened after the
        // engine's key, the secret would leave that key handle stale. So the secret first.
        if (pki::isPkcs11Location(config_.secretLocation)) (void)secret();
        std::shared_ptr<const pki::KeyStore> keys = pki::openKeyStore(resolveLocation(config_.issuingKeyLocation));
        issuingCa_ = std::make_unique<pki::CertificateAuthority>(issuingCertificate(), std::move(keys));
    }
    return *issuingCa_;
}

const SecretBytes& Station::secret() {
    if (!secret_) secret_ = pki::openStationSecret(resolveLocation(config_.secretLocation));
    return *secret_;
}

} // namespace fmc::issuance
