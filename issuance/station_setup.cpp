#include "issuance/station_setup.hpp"

#include "crypto/digest.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/encrypted_file_key_store.hpp"
#include "crypto/pki/key_store_factory.hpp"
#include "crypto/pki/passphrase_source.hpp"
#include "crypto/pki/station_secret.hpp"
#include "db/sqlite_registry.hpp"

#include <nlohmann/json.hpp>

#include <chrono>

namespace fmc::issuance {

namespace pki = crypto::pki;
using nlohmann::json;

namespace {

constexpr const char* rootKeyFile = "keys/root-ca.key";
constexpr const char* issuingKeyFile = "keys/issuing-ca.key";
constexpr const char* secretFile = "keys/station-secret.sealed";

std::string tokenObject(const std::string& tokenUri, const std::string& object) {
    if (tokenUri.find("object=") != std::string::npos)
        throw StationError("--key-store names the token only (e.g. pkcs11:token=fmc-station); the station names its objects");
    return tokenUri + (tokenUri.back() == ':' ? "" : ";") + "object=" + object;
}

std::chrono::system_clock::time_point yearsFrom(std::chrono::system_clock::time_point start, int years) {
    return start + std::chrono::hours(24) * (365 * years + years / 4);
}

} // namespace

InitResult initStation(const std::filesystem::path& home, const InitRequest& request, const db::Operator& by,
                       const std::function<void(const std::string&)>& progress) {
    if (request.authority.empty()) throw StationError("--authority must name the issuing authority");
    if (std::filesystem::exists(Station::configPath(home)))
        throw StationError(home.string() + " already holds a station (station.json exists)");
    const bool onToken = pki::isPkcs11Location(request.keyStore);
    if (!onToken && request.keyStore != "file")
        throw StationError("--key-store must be 'file' or a pkcs11: URI, not '" + request.keyStore + "'");

    std::filesystem::create_directories(home / "certs");
    std::filesystem::create_directories(home / "keys");
    std::filesystem::permissions(home / "keys", std::filesystem::perms::owner_all);

    StationConfig config;
    config.authority = request.authority;
    config.stationName = request.stationName.empty() ? request.authority + " issuing CA" : request.stationName;
    config.rootKeyLocation = rootKeyFile;
    config.issuingKeyLocation = onToken ? tokenObject(request.keyStore, "fmc-issuing-ca") : issuingKeyFile;
    config.secretLocation = onToken ? tokenObject(request.keyStore, "fmc-station-secret") : secretFile;
    auto absolute = [&](const std::string& location) {
        return pki::isPkcs11Location(location) ? location : (home / location).string();
    };

    // An hour of slack, like the cards', for terminals whose clocks run a little slow.
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - std::chrono::hours(1);
    progress("generating the root CA key (P-384, encrypted file " + std::string(rootKeyFile) + ")");
    std::shared_ptr<const pki::KeyStore> rootKeys = pki::createKeyStore(absolute(config.rootKeyLocation), crypto::Curve::p384);
    const pki::CertificateAuthority root = pki::CertificateAuthority::createRoot(
        rootKeys, pki::CaProfile{config.authority + " Foreign Merchant Card root CA", config.authority, now,
                                 yearsFrom(now, request.rootYears), {}});

    progress(onToken ? "generating the issuing CA key (P-256) on the token"
                     : "generating the issuing CA key (P-256, encrypted file " + std::string(issuingKeyFile) + ")");
    const std::unique_ptr<pki::KeyStore> issuingKeys =
        pki::createKeyStore(absolute(config.issuingKeyLocation), crypto::Curve::p256);
    const pki::Certificate issuing = root.issueSubordinateCa(
        issuingKeys->publicKey(),
        pki::CaProfile{config.stationName, config.authority, now, yearsFrom(now, request.issuingYears), {}});

    progress("creating the station secret for per-card management keys");
    (void)pki::createStationSecret(absolute(config.secretLocation));

    writeFileAtomically(Station::rootCertificatePath(home), root.certificate().pem());
    writeFileAtomically(Station::issuingCertificatePath(home), issuing.pem());

    progress("creating the registry");
    db::SqliteRegistry registry(Station::registryPath(home));
    const std::string issuerId = toHex(issuing.subjectKeyIdentifier());
    const std::string fingerprint = toHex(crypto::sha256(root.certificate().der()));
    registry.atomically([&] {
        registry.setSetting("issuer_id", issuerId, by);
        registry.recordEvent("station.init", config.stationName,
                             json{{"authority", config.authority},
                                  {"root", root.certificate().subject()},
                                  {"root_sha256", fingerprint},
                                  {"issuing_ca", issuing.subject()},
                                  {"issuer_id", issuerId},
                                  {"issuing_key", onToken ? "pkcs11" : "file"}}
                                 .dump(),
                             by);
    });
    writeStationConfig(Station::configPath(home), config);
    Station station = Station::open(home);
    progress("publishing the root's first ARL (arl.der, valid 365 days)");
    (void)publishArl(station, home / "arl.der", 365, by);
    return InitResult{root.certificate().subject(), issuing.subject(), issuerId, fingerprint};
}

PublishedArl publishArl(Station& station, const std::filesystem::path& target, int days, const db::Operator& by) {
    if (days < 1 || days > 3660) throw InputError("--days must be between 1 and 3660");
    if (station.config().rootKeyLocation.empty())
        throw StationError("the root key is in offline custody: bring it back with 'root-key import' to sign an ARL");
    const pki::Certificate rootCertificate = station.rootCertificate();
    const pki::CertificateAuthority root(rootCertificate,
                                         pki::openKeyStore(station.resolveLocation(station.config().rootKeyLocation)));
    db::Registry& registry = station.registry();
    const std::string rootId = toHex(rootCertificate.subjectKeyIdentifier());
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    pki::RevocationListRequest request;
    request.crlNumber = static_cast<std::uint64_t>(registry.nextCrlNumber(rootId));
    request.thisUpdate = now;
    request.nextUpdate = now + std::chrono::hours(24) * days;
    // No issuing CA has been revoked yet: this station's CA is the only one it knows.
    const pki::RevocationList arl = root.issueRevocationList(request);
    const Bytes der = arl.der();
    writeFileAtomically(target, ByteView(der), 0644);
    registry.recordPublishedCrl(db::PublishedCrl{rootId, static_cast<std::int64_t>(request.crlNumber), now,
                                                 std::chrono::floor<std::chrono::seconds>(request.nextUpdate), der},
                                by);
    return PublishedArl{static_cast<std::int64_t>(request.crlNumber),
                        std::chrono::floor<std::chrono::seconds>(request.nextUpdate)};
}

std::string trustBundle(const Station& station) {
    return station.rootCertificate().pem() + station.issuingCertificate().pem();
}

void exportRootKey(Station& station, const std::filesystem::path& target, bool remove, const db::Operator& by) {
    StationConfig config = station.config();
    if (config.rootKeyLocation.empty())
        throw StationError("the root key is not on this station (already in offline custody)");
    const std::filesystem::path keyFile = station.resolveLocation(config.rootKeyLocation);
    writeFileAtomically(target, readFileBytes(keyFile), 0600, ExistingFile::refuse);
    station.registry().recordEvent(remove ? "root-key.export-and-remove" : "root-key.export", target.string(),
                                   json{{"removed", remove}}.dump(), by);
    if (remove) {
        config.rootKeyLocation.clear();
        station.saveConfig(config);
        std::filesystem::remove(keyFile);
    }
}

void importRootKey(Station& station, const std::filesystem::path& source, const db::Operator& by) {
    StationConfig config = station.config();
    if (!config.rootKeyLocation.empty()) throw StationError("the root key is already on this station");
    const SecretBytes passphrase = pki::passphraseFromEnvironmentOrPrompt("Root key passphrase: ");
    const auto keys = pki::EncryptedFileKeyStore::open(source, passphrase);
    if (keys->publicKey().subjectPublicKeyInfo() != station.rootCertificate().publicKey().subjectPublicKeyInfo())
        throw StationError(source.string() + " is not this station's root key");
    const std::filesystem::path keyFile = station.home() / rootKeyFile;
    writeFileAtomically(keyFile, readFileBytes(source), 0600, ExistingFile::refuse);
    config.rootKeyLocation = rootKeyFile;
    station.saveConfig(config);
    station.registry().recordEvent("root-key.import", source.string(), "{}", by);
}

} // namespace fmc::issuance
